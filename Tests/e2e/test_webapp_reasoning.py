"""A reasoning model's thinking: a "Thinking" section above the answer that streams open, folds away when the
answer starts, and stays (folded) in the history, after a reload and after a re-attach."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from e2e_support import EXPECTED_PROBES

REASONING = "[[mock:reasoning=deepseek]]"


def slow(chunks: int = 30, delay_ms: int = 150) -> str:
    """Mock directives for a thinking answer slow enough to watch (about 2 x chunks x delay_ms)."""
    return f"{REASONING}[[mock:chunks={chunks}]][[mock:delay_ms={delay_ms}]]"


# What the last answer shows, read in one go (the app redraws elements while it streams).
LAST_ANSWER = """
const answer = [...document.querySelectorAll('#messages article[data-role="assistant"]')].pop();
if (!answer) return null;
const section = answer.querySelector('.msg-reasoning');
const toggle = section && section.querySelector('.reasoning-toggle');
const thoughts = section && section.querySelector('.reasoning-body');
return {
  status: answer.dataset.status,
  answer: answer.querySelector('.msg-body').textContent,
  section: Boolean(section),
  first: Boolean(section) && answer.querySelector('.msg-inner').firstElementChild === section,
  parts: [...answer.querySelector('.msg-inner').children].map((el) => el.className),
  button: toggle ? toggle.tagName : null,
  expanded: toggle ? toggle.getAttribute('aria-expanded') : null,
  controls: Boolean(toggle) && toggle.getAttribute('aria-controls') === thoughts.id,
  label: toggle ? toggle.textContent : null,
  thoughts: thoughts ? thoughts.textContent : '',
  shown: Boolean(thoughts) && thoughts.getClientRects().length > 0,
  copyInThoughts: Boolean(section) && section.querySelector('.msg-copy') !== null,
};
"""


def last_answer(browser) -> dict | None:
    return browser.js(LAST_ANSWER)


def wait_state(browser, condition, message: str, timeout: float = 20) -> dict:
    """Waits until the last answer's state satisfies `condition`, and returns that state."""
    return browser.wait(lambda d: (s := last_answer(browser)) is not None and condition(s) and s, timeout, message)


def screenshot_settled(browser, name: str):
    """A screenshot once the page's transitions (the chevron's turn) have finished."""
    browser.wait(lambda d: browser.js("return document.getAnimations().every((a) => !(a instanceof CSSTransition)"
                                      " || a.playState !== 'running')"), 5, "transitions never finished")
    browser.screenshot(name)


def toggle(browser):
    return browser.messages("assistant")[-1].find_element(By.CSS_SELECTOR, ".reasoning-toggle")


def rendered(browser, markdown: str) -> str:
    """The text the page's own Markdown module makes of `markdown`."""
    return browser.driver.execute_async_script(
        "const [text, done] = arguments;"
        "import('/common/markdown.js').then((m) => done(m.renderMarkdown(text).textContent));", markdown)


def stored_answer(server, session, conversation_id: str) -> dict:
    data = session.get(f"{server.base_url}/api/conversations/{conversation_id}", timeout=10).json()
    return [m for m in data["messages"] if m["role"] == "assistant"][-1]


def test_thinking_streams_open_then_folds_away_when_the_answer_starts(browser, server, user):
    session = browser.login_with_cookie(user)

    browser.send("Is 7 a prime? " + slow())

    # While only thoughts arrive: the section is open, above an answer that has no text yet.
    thinking = wait_state(browser, lambda s: s["thoughts"].strip(), "no thoughts shown while thinking")
    assert thinking["status"] == "streaming" and thinking["answer"] == ""
    assert thinking["first"] and thinking["button"] == "BUTTON" and thinking["controls"]
    assert thinking["expanded"] == "true" and thinking["shown"]
    assert thinking["label"] == "Thinking…"
    browser.screenshot("reasoning-desktop-thinking")
    # ... and they stream in.
    wait_state(browser, lambda s: s["answer"] == "" and len(s["thoughts"]) > len(thinking["thoughts"]),
               "the thoughts did not grow")

    # The first answer text folds them away.
    answering = wait_state(browser, lambda s: s["answer"] and s["status"] == "streaming",
                           "no answer text while streaming")
    assert answering["expanded"] == "false" and not answering["shown"]
    assert answering["label"] == "Thought process"
    # The reader opens them again; the choice holds while the answer streams and after it ends.
    toggle(browser).click()
    reopened = wait_state(browser, lambda s: s["expanded"] == "true", "the thoughts did not open")
    assert reopened["shown"]
    wait_state(browser, lambda s: len(s["answer"]) > len(reopened["answer"]), "no more answer text")
    assert last_answer(browser)["expanded"] == "true"
    done = wait_state(browser, lambda s: s["status"] == "complete", "the answer did not complete")
    assert done["expanded"] == "true" and done["shown"]
    # The answer was redrawn as it ended: the toggle the reader used still has the focus.
    assert browser.js("return document.activeElement.classList.contains('reasoning-toggle')")
    screenshot_settled(browser, "reasoning-desktop-open")

    stored = stored_answer(server, session, browser.conversation_id())
    assert stored["reasoning"] and stored["content"]
    assert done["thoughts"] == rendered(browser, stored["reasoning"])
    assert done["answer"] == browser.answer_text()
    assert not done["copyInThoughts"]
    toggle(browser).click()
    folded = wait_state(browser, lambda s: s["expanded"] == "false", "the thoughts did not fold")
    assert not folded["shown"]
    assert browser.console_errors(allowed=EXPECTED_PROBES) == []


def test_copy_takes_the_answer_only_and_the_thoughts_are_never_sent_back(browser, server, user):
    session = browser.login_with_cookie(user)
    browser.send("Think about it " + REASONING)
    wait_state(browser, lambda s: s["status"] == "complete" and s["section"], "no finished answer with thoughts")
    stored = stored_answer(server, session, browser.conversation_id())
    browser.js("window.copied = [];"
               "navigator.clipboard.writeText = async (text) => { window.copied.push(text); };")

    browser.messages("assistant")[-1].find_element(By.CSS_SELECTOR, ".msg-copy").click()

    browser.wait(lambda d: browser.js("return window.copied.length") == 1, 5, "nothing copied")
    assert browser.js("return window.copied[0]") == stored["content"]
    # A follow-up question sends the question, never the thoughts.
    browser.driver.get_log("performance")
    browser.send("And 9? [[mock:reply=No.]]")
    browser.wait_answer("complete", count=2)
    bodies = [e["message"] for e in browser.driver.get_log("performance") if "Network.requestWillBeSent" in e["message"]
              and "/messages" in e["message"]]
    assert bodies, "the follow-up request was not seen"
    probe = stored["reasoning"].strip()[:40]
    assert all(probe not in body for body in bodies)


def test_thoughts_are_folded_after_a_reload_and_open_with_the_keyboard(browser, server, user):
    session = browser.login_with_cookie(user)
    browser.send("Think it over " + REASONING)
    wait_state(browser, lambda s: s["status"] == "complete" and s["section"], "no finished answer with thoughts")
    conversation_id = browser.conversation_id()

    browser.driver.refresh()
    browser.wait_app()

    loaded = wait_state(browser, lambda s: s["status"] == "complete" and s["section"], "thoughts not in the history")
    assert loaded["expanded"] == "false" and not loaded["shown"]
    assert loaded["label"] == "Thought process"
    stored = stored_answer(server, session, conversation_id)
    assert loaded["answer"] == browser.answer_text() and loaded["answer"].strip()
    # A keyboard user reaches the toggle and opens it.
    button = toggle(browser)
    browser.js("arguments[0].focus()", button)
    button.send_keys(Keys.ENTER)
    opened = wait_state(browser, lambda s: s["expanded"] == "true", "Enter did not open the thoughts")
    assert opened["shown"] and opened["thoughts"] == rendered(browser, stored["reasoning"])
    button.send_keys(Keys.SPACE)
    wait_state(browser, lambda s: s["expanded"] == "false", "Space did not fold the thoughts")


def test_reload_while_thinking_shows_the_thoughts_again(browser, server, user):
    session = browser.login_with_cookie(user)
    browser.send("Long thought " + slow(chunks=40, delay_ms=120))
    wait_state(browser, lambda s: len(s["thoughts"]) > 20 and s["answer"] == "", "no thoughts while thinking")
    conversation_id = browser.conversation_id()

    browser.driver.refresh()
    browser.wait_app()

    # Re-attached: the thoughts so far are back at once, and the answer goes on.
    again = wait_state(browser, lambda s: s["status"] == "streaming" and s["thoughts"].strip(),
                       "thoughts not shown after the reload")
    assert again["section"] and again["first"]
    answering = wait_state(browser, lambda s: s["answer"] and s["status"] == "streaming",
                           "no answer text after the reload")
    assert answering["expanded"] == "false"
    done = wait_state(browser, lambda s: s["status"] == "complete", "the answer did not complete", timeout=30)
    stored = stored_answer(server, session, conversation_id)
    # Shown once, not twice: what streamed is what was stored.
    assert answering["thoughts"] == rendered(browser, stored["reasoning"])
    assert done["thoughts"] == rendered(browser, stored["reasoning"])


def test_dropped_connection_while_thinking_reattaches_without_repeating_thoughts(browser, server, user):
    session = browser.login_with_cookie(user)
    browser.send("Careful thought " + slow(chunks=40, delay_ms=120))
    wait_state(browser, lambda s: len(s["thoughts"]) > 20 and s["answer"] == "", "no thoughts while thinking")

    browser.set_offline(True)
    browser.drop_connections()
    browser.visible(".msg-note", timeout=10)  # "Connection lost. Reconnecting…"
    notice = browser.visible(".notice[data-notice='offline']")
    browser.set_offline(False)
    notice.find_element(By.CSS_SELECTOR, ".notice-action").click()  # Retry

    answering = wait_state(browser, lambda s: s["answer"] and s["status"] == "streaming",
                           "no answer text after re-attaching", timeout=30)
    wait_state(browser, lambda s: s["status"] == "complete", "the answer did not complete", timeout=30)
    stored = stored_answer(server, session, browser.conversation_id())
    assert answering["thoughts"] == rendered(browser, stored["reasoning"])


def test_chinese_labels(zh_browser, user):
    browser = zh_browser
    browser.login_with_cookie(user)

    browser.send("想一想 " + slow(chunks=20, delay_ms=120))

    thinking = wait_state(browser, lambda s: s["thoughts"].strip() and s["answer"] == "", "no thoughts shown")
    assert thinking["label"] == "正在思考…"
    done = wait_state(browser, lambda s: s["status"] == "complete", "the answer did not complete")
    assert done["label"] == "思考过程" and done["expanded"] == "false"
    browser.screenshot("reasoning-zh-CN")


def test_plain_answer_has_no_thinking_section(browser, user):
    browser.login_with_cookie(user)

    browser.send("Plain question [[mock:chunks=20]][[mock:delay_ms=80]][[mock:reply=Just an answer.]]")

    streaming = wait_state(browser, lambda s: s["status"] == "streaming" and s["answer"], "no streaming answer")
    assert not streaming["section"]
    done = wait_state(browser, lambda s: s["status"] == "complete", "the answer did not complete")
    assert not done["section"] and done["answer"] == "Just an answer."
    assert done["parts"] == ["msg-body md", "msg-actions"]
    assert browser.find_all(".msg-reasoning") == []


def test_phone_screenshots(mobile_browser, user):
    browser = mobile_browser
    browser.login_with_cookie(user)
    browser.send("Is 7 a prime? " + slow(chunks=20, delay_ms=120))
    wait_state(browser, lambda s: len(s["thoughts"]) > 40 and s["answer"] == "", "no thoughts shown")
    browser.screenshot("reasoning-phone-thinking")
    wait_state(browser, lambda s: s["status"] == "complete", "the answer did not complete")
    toggle(browser).click()
    wait_state(browser, lambda s: s["shown"], "the thoughts did not open")
    screenshot_settled(browser, "reasoning-phone-open")
