"""Chatting: streaming, re-attaching after a reload or a dropped connection, stopping, history."""

from selenium.webdriver.common.by import By

from e2e_support import EXPECTED_PROBES

LONG_REPLY = " ".join(f"word{i}" for i in range(60))


def slow(reply: str | None = None, chunks: int = 40, delay_ms: int = 100) -> str:
    """Mock directives for a slow answer (about chunks x delay_ms)."""
    text = f"[[mock:chunks={chunks}]][[mock:delay_ms={delay_ms}]]"
    return text + (f"[[mock:reply={reply}]]" if reply else "")


def test_answer_streams_in_before_it_completes(browser, user):
    browser.login_with_cookie(user)

    browser.send("Tell me something " + slow(LONG_REPLY))

    partial = browser.wait(lambda d: (a := browser.last_answer()) is not None
                           and a.get_attribute("data-status") == "streaming" and browser.answer_text(a), 10,
                           "no partial text while streaming")
    assert partial.split()[0] == "word0"
    body = browser.last_answer().find_element(By.CSS_SELECTOR, ".msg-body")
    assert body.get_attribute("aria-live") == "polite"
    assert browser.find("#stop-button").is_displayed()
    answer_text = browser.wait_answer_text("complete")
    assert answer_text == LONG_REPLY
    assert len(partial) < len(LONG_REPLY)
    assert browser.find("#send-button").is_displayed()
    # The new conversation has an address and a place in the sidebar.
    conversation_id = browser.conversation_id()
    browser.visible(f".conv-item[data-id='{conversation_id}']")
    assert browser.console_errors(allowed=EXPECTED_PROBES) == []


def test_reload_in_the_middle_of_an_answer_continues_it(browser, server, user):
    session = browser.login_with_cookie(user)
    browser.send("Keep going " + slow(LONG_REPLY, chunks=50, delay_ms=100))
    browser.wait(lambda d: len(browser.answer_text()) > 10, 10, "no partial text")
    conversation_id = browser.conversation_id()

    browser.driver.refresh()

    browser.wait_app()
    browser.wait(lambda d: browser.last_answer() is not None and browser.answer_text(), 10, "answer not shown again")
    answer_text = browser.wait_answer_text("complete", timeout=20)
    assert answer_text == LONG_REPLY
    stored = session.get(f"{server.base_url}/api/conversations/{conversation_id}", timeout=10).json()
    assert stored["messages"][-1]["content"] == LONG_REPLY


def test_dropped_connection_reattaches_and_completes(browser, user):
    browser.login_with_cookie(user)
    browser.send("Network trouble " + slow(LONG_REPLY, chunks=50, delay_ms=100))
    browser.wait(lambda d: len(browser.answer_text()) > 10, 10, "no partial text")

    browser.set_offline(True)
    browser.drop_connections()

    browser.visible(".msg-note", timeout=10)  # "Connection lost. Reconnecting…"
    notice = browser.visible(".notice[data-notice='offline']")
    assert "reach the server" in notice.text
    browser.set_offline(False)
    notice.find_element(By.CSS_SELECTOR, ".notice-action").click()  # Retry

    answer_text = browser.wait_answer_text("complete", timeout=30)
    assert answer_text == LONG_REPLY


def test_stop_keeps_the_partial_answer_and_offers_continue(browser, user):
    browser.login_with_cookie(user)
    browser.send("Long story " + slow(LONG_REPLY, chunks=60, delay_ms=150))
    browser.wait(lambda d: len(browser.answer_text()) > 10, 10, "no partial text")

    browser.find("#stop-button").click()

    answer = browser.wait_answer("incomplete", timeout=10)
    assert 0 < len(browser.answer_text(answer)) < len(LONG_REPLY)
    marker = answer.find_element(By.CSS_SELECTOR, ".interrupted-marker")
    assert marker.is_displayed()
    browser.wait_idle()
    # Continue sends "Continue" as the next message and gets a new answer.
    marker.find_element(By.CSS_SELECTOR, ".msg-continue").click()
    browser.wait_answer("complete", count=2)
    assert [m.text for m in browser.find_all("#messages .user-bubble")][-1] == "Continue"


def test_reload_keeps_the_history(browser, user):
    browser.login_with_cookie(user)
    browser.send("First question [[mock:reply=First answer]]")
    browser.wait_answer("complete", count=1)
    browser.send("Second question [[mock:reply=Second answer]]")
    browser.wait_answer("complete", count=2)

    browser.driver.refresh()
    browser.wait_app()

    browser.wait_answer("complete", count=2)
    bubbles = [m.text for m in browser.find_all("#messages .user-bubble")]
    answers = [browser.answer_text(a) for a in browser.messages("assistant")]
    assert bubbles == ["First question [[mock:reply=First answer]]", "Second question [[mock:reply=Second answer]]"]
    assert answers == ["First answer", "Second answer"]


def test_scrolling_up_stops_following_and_offers_scroll_to_bottom(browser, user):
    browser.login_with_cookie(user)
    lines = "\n\n".join(f"Paragraph {i} of a long answer." for i in range(60))
    browser.send("Long answer please " + slow(lines, chunks=60, delay_ms=150))
    browser.wait(lambda d: browser.js("const s = document.getElementById('scroller');"
                                      "return s.scrollHeight > s.clientHeight + 300;"), 15, "answer never got long")

    # Scroll up as a reader would (again if a streamed chunk landed between the scroll and the check).
    def scrolled_up(_):
        browser.js("document.getElementById('scroller').scrollTop = 0;")
        return next((e for e in browser.find_all("#scroll-bottom") if e.is_displayed()), False)
    button = browser.wait(scrolled_up, 15, "#scroll-bottom never became visible")
    # While more text arrives, the view stays where the reader put it.
    height = browser.js("return document.getElementById('scroller').scrollHeight")
    browser.wait(lambda d: browser.js("return document.getElementById('scroller').scrollHeight") > height + 100, 15,
                 "no more text arrived")
    assert browser.js("return document.getElementById('scroller').scrollTop") == 0

    button.click()
    browser.wait(lambda d: browser.js("const s = document.getElementById('scroller');"
                                      "return s.scrollHeight - s.scrollTop - s.clientHeight < 60;"), 5,
                 "did not scroll to the bottom")
    browser.wait_answer("complete", timeout=20)


def test_upstream_failure_shows_an_error_and_keeps_the_question(browser, user):
    browser.login_with_cookie(user)

    browser.send("This will fail [[mock:fail=500]]")

    browser.wait(lambda d: browser.find_all(".msg-note-error") or browser.find_all(".notice-error"), 15,
                 "no error shown")
    browser.wait_idle()
    texts = [m.text for m in browser.find_all("#messages .user-bubble")]
    composer = browser.find("#composer-input").get_attribute("value")
    assert "This will fail [[mock:fail=500]]" in texts or composer == "This will fail [[mock:fail=500]]"
