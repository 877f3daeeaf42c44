"""The sidebar: recency groups, search over titles and text, rename, delete, and privacy between users."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from e2e_support import api_chat, user_session


def test_search_finds_a_conversation_by_its_message_text(browser, server, user):
    session = user_session(server.base_url, user)
    wanted = api_chat(server.base_url, session, "Planning a trip [[mock:reply=ok]]")
    api_chat(server.base_url, session, "Mention the aardvark here [[mock:reply=ok]]", conversation_id=wanted)
    other = api_chat(server.base_url, session, "Something unrelated [[mock:reply=ok]]")
    browser.login_with_cookie(user)
    browser.visible(f".conv-item[data-id='{other}']")
    assert browser.find(".conv-group-title").text == "Today"

    browser.find("#search-input").send_keys("AARDVARK")

    browser.wait(lambda d: [e.get_attribute("data-id") for e in browser.find_all(".conv-item")] == [wanted], 10,
                 "search did not narrow the list")
    browser.find(f".conv-item[data-id='{wanted}'] .conv-link").click()
    browser.wait_answer("complete", count=2)
    assert browser.conversation_id() == wanted

    browser.find("#search-input").send_keys(Keys.ESCAPE)
    browser.wait(lambda d: len(browser.find_all(".conv-item")) == 2, 10, "clearing the search did not restore the list")


def test_rename_and_delete_from_the_menu(browser, server, user):
    session = user_session(server.base_url, user)
    conversation_id = api_chat(server.base_url, session, "To be renamed [[mock:reply=ok]]")
    browser.login_with_cookie(user, f"/c/{conversation_id}")
    browser.wait_answer("complete")
    item = browser.visible(f".conv-item[data-id='{conversation_id}']")

    item.find_element(By.CSS_SELECTOR, ".conv-menu-btn").click()
    browser.visible(".popup-menu .menu-item").click()  # Rename
    field = browser.visible(".conv-rename")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("Holiday plans", Keys.ENTER)

    browser.wait(lambda d: browser.find(f".conv-item[data-id='{conversation_id}'] .conv-title").text == "Holiday plans",
                 10, "title not updated")
    assert browser.find("#chat-title").text == "Holiday plans"
    stored = session.get(f"{server.base_url}/api/conversations/{conversation_id}", timeout=5).json()
    assert stored["title"] == "Holiday plans"

    browser.find(f".conv-item[data-id='{conversation_id}'] .conv-menu-btn").click()
    browser.visible(".popup-menu .menu-item-danger").click()  # Delete
    browser.visible("#confirm-ok").click()

    browser.wait(lambda d: not browser.find_all(f".conv-item[data-id='{conversation_id}']"), 10, "still listed")
    browser.wait(lambda d: "/c/" not in d.current_url, 5, "the deleted conversation stayed open")
    assert browser.find("#empty-state").is_displayed()
    gone = session.get(f"{server.base_url}/api/conversations/{conversation_id}", timeout=5)
    assert gone.status_code == 404


def test_a_second_user_sees_none_of_the_first_users_conversations(browser, server, user):
    first = user_session(server.base_url, user)
    secret = api_chat(server.base_url, first, "My private zeppelin notes [[mock:reply=private answer]]")
    second_user = server.admin.create_user("second")

    browser.login_with_cookie(second_user)

    browser.visible(".list-empty")
    assert browser.find_all(".conv-item") == []
    browser.find("#search-input").send_keys("zeppelin")
    browser.wait(lambda d: browser.find(".list-empty").text == "No conversations match.", 10, "search leaked")
    # Even the direct address of the first user's conversation shows nothing of it.
    browser.open(f"/c/{secret}")
    browser.wait_app()
    browser.visible(".notice[data-notice='open']")
    assert "private" not in browser.find("#messages").text
    assert "/c/" not in browser.driver.current_url


def test_a_refused_first_message_leaves_no_empty_chat_behind(zh_browser, server, user):
    """Before: each refused try (here a used-up quota) left an empty "New chat", in English in the Chinese UI."""
    # A limit on some models only: the page cannot tell it applies, so the server's refusal is what stops the turn.
    server.admin._call("PUT", f"/api/admin/users/{user['id']}/limits",
                       json={"limits": [{"window": "day", "max_requests": 1, "model_pattern": "mock-*"}]})
    session = user_session(server.base_url, user)
    kept = api_chat(server.base_url, session, "The one that got through [[mock:reply=ok]]")
    browser = zh_browser
    browser.login_with_cookie(user)
    browser.visible(f".conv-item[data-id='{kept}']")

    for attempt in range(2):
        text = f"Refused try {attempt}"
        browser.send(text)
        # Refused: the text is back in the composer, the page is a new chat, the sidebar has only the old chat.
        browser.wait(lambda d: browser.find("#composer-input").get_attribute("value") == text, 15,
                     "the refused text did not come back")
        browser.wait(lambda d: browser.js("return location.pathname") == "/", 10, "stayed on the discarded chat")
        browser.wait(lambda d: [e.get_attribute("data-id") for e in browser.find_all(".conv-item")] == [kept], 10,
                     "an empty chat was left in the sidebar")
        assert browser.find_all(".notice-warning")
        browser.find("#composer-input").clear()
    listed = [c["id"] for c in session.get(server.base_url + "/api/conversations", timeout=10).json()["conversations"]]
    assert listed == [kept]
