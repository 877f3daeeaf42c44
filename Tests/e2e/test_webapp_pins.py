"""Pinning conversations to the top of the sidebar, archiving them out of it and restoring them, and search
results that show where the match is (also in archived chats), in English and in Chinese."""

from selenium.webdriver.common.by import By

from e2e_support import api_chat, user_session


def listed_ids(browser) -> list[str]:
    return [e.get_attribute("data-id") for e in browser.find_all(".conv-item")]


def group_titles(browser) -> list[str]:
    return [e.text for e in browser.find_all(".conv-group-title")]


def choose(browser, conversation_id: str, label: str):
    """Opens a conversation's menu and picks the item labelled `label`."""
    browser.find(f".conv-item[data-id='{conversation_id}'] .conv-menu-btn").click()
    browser.visible(".popup-menu .menu-item")
    items = [e for e in browser.find_all(".popup-menu .menu-item") if e.text == label]
    assert items, f"no menu item {label!r} in {[e.text for e in browser.find_all('.popup-menu .menu-item')]}"
    items[0].click()


def test_pin_puts_a_conversation_in_a_pinned_group_at_the_top(browser, server, user):
    session = user_session(server.base_url, user)
    older = api_chat(server.base_url, session, "An older chat [[mock:reply=ok]]")
    newer = api_chat(server.base_url, session, "A newer chat [[mock:reply=ok]]")
    browser.login_with_cookie(user)
    browser.wait(lambda d: listed_ids(browser) == [newer, older], 10, "not newest first")

    choose(browser, older, "Pin")

    browser.wait(lambda d: listed_ids(browser) == [older, newer], 10, "the pinned chat did not move to the top")
    assert group_titles(browser) == ["Pinned", "Today"]
    stored = session.get(f"{server.base_url}/api/conversations/{older}", timeout=5).json()
    assert stored["pinned"] is True
    browser.screenshot("sidebar_pinned")

    choose(browser, older, "Unpin")
    browser.wait(lambda d: listed_ids(browser) == [newer, older], 10, "unpinning did not restore the order")
    assert group_titles(browser) == ["Today"]


def test_archive_hides_a_chat_and_the_archived_view_restores_it_in_chinese(zh_browser, server, user):
    session = user_session(server.base_url, user)
    kept = api_chat(server.base_url, session, "Kept in the list [[mock:reply=ok]]")
    archived = api_chat(server.base_url, session, "To the archive [[mock:reply=ok]]")
    browser = zh_browser
    browser.login_with_cookie(user)
    browser.wait(lambda d: listed_ids(browser) == [archived, kept], 10, "both chats not listed")

    choose(browser, archived, "归档")

    browser.wait(lambda d: listed_ids(browser) == [kept], 10, "the archived chat stayed in the list")
    browser.find("#archived-button").click()
    browser.wait(lambda d: listed_ids(browser) == [archived], 10, "the archived view does not show it")
    assert browser.find(".archive-title").text == "已归档的对话"
    assert browser.find("#archived-button").get_attribute("aria-pressed") == "true"
    browser.screenshot("sidebar_archived_zh")

    choose(browser, archived, "恢复")

    browser.wait(lambda d: browser.find(".list-empty").text == "没有已归档的对话。", 10, "restored chat still archived")
    browser.find(".archive-back").click()
    browser.wait(lambda d: listed_ids(browser) == [archived, kept], 10, "the restored chat is not back")
    stored = session.get(f"{server.base_url}/api/conversations/{archived}", timeout=5).json()
    assert stored["archived"] is False


def test_search_shows_where_it_matched_and_marks_archived_chats(browser, server, user):
    session = user_session(server.base_url, user)
    hidden = api_chat(server.base_url, session, "Packing list [[mock:reply=ok]]")
    api_chat(server.base_url, session, "Remember the <b>narwhal</b> & the tent [[mock:reply=ok]]", conversation_id=hidden)
    session.patch(f"{server.base_url}/api/conversations/{hidden}", json={"archived": True}, timeout=5).raise_for_status()
    titled = api_chat(server.base_url, session, "Narwhal facts [[mock:reply=ok]]")
    browser.login_with_cookie(user)
    browser.wait(lambda d: listed_ids(browser) == [titled], 10, "the archived chat is listed")

    browser.find("#search-input").send_keys("NARWHAL")

    browser.wait(lambda d: sorted(listed_ids(browser)) == sorted([hidden, titled]), 10, "search missed the archive")
    hit = browser.find(f".conv-item[data-id='{hidden}']")
    snippet = hit.find_element(By.CSS_SELECTOR, ".conv-match")
    assert "Remember the <b>narwhal</b> & the tent" in snippet.text  # text, not markup
    assert [m.text for m in snippet.find_elements(By.CSS_SELECTOR, "mark")] == ["narwhal"]
    assert not snippet.find_elements(By.CSS_SELECTOR, "b")
    assert hit.find_element(By.CSS_SELECTOR, ".conv-badge").text == "Archived"
    title_hit = browser.find(f".conv-item[data-id='{titled}']")
    assert [m.text for m in title_hit.find_elements(By.CSS_SELECTOR, ".conv-title mark")] == ["Narwhal"]
    assert not title_hit.find_elements(By.CSS_SELECTOR, ".conv-badge")
    browser.screenshot("sidebar_search_match")

    hit.find_element(By.CSS_SELECTOR, ".conv-link").click()
    browser.wait_answer("complete", count=2)
    assert browser.conversation_id() == hidden


def test_search_badge_and_snippet_in_chinese(zh_browser, server, user):
    session = user_session(server.base_url, user)
    hidden = api_chat(server.base_url, session, "旅行 [[mock:reply=ok]]")
    api_chat(server.base_url, session, "别忘了带上独角鲸的照片 [[mock:reply=ok]]", conversation_id=hidden)
    session.patch(f"{server.base_url}/api/conversations/{hidden}", json={"archived": True}, timeout=5).raise_for_status()
    browser = zh_browser
    browser.login_with_cookie(user)
    browser.visible(".list-empty")

    browser.find("#search-input").send_keys("独角鲸")

    browser.wait(lambda d: listed_ids(browser) == [hidden], 10, "search missed the archived chat")
    hit = browser.find(f".conv-item[data-id='{hidden}']")
    assert hit.find_element(By.CSS_SELECTOR, ".conv-badge").text == "已归档"
    assert [m.text for m in hit.find_elements(By.CSS_SELECTOR, ".conv-match mark")] == ["独角鲸"]
