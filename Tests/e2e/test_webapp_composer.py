"""The composer: Enter, Shift+Enter, IME input, the disabled Send button, and never losing typed text."""

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

IME_KEYDOWN = """
const box = document.getElementById('composer-input');
box.focus();
box.value = arguments[0];
box.dispatchEvent(new Event('input', {bubbles: true}));
box.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true, data: ''}));
const composing = new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', bubbles: true, cancelable: true,
                                                 isComposing: true});
box.dispatchEvent(composing);
box.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true, data: arguments[0]}));
// Safari reports the confirming Enter after compositionend, with keyCode 229.
const late = new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', bubbles: true, cancelable: true});
Object.defineProperty(late, 'keyCode', {get: () => 229});
box.dispatchEvent(late);
return {value: box.value, prevented: composing.defaultPrevented || late.defaultPrevented,
        sent: document.querySelectorAll('#messages article').length};
"""


def test_ime_enter_confirms_the_candidate_and_does_not_send(browser, user):
    browser.login_with_cookie(user)

    result = browser.js(IME_KEYDOWN, "你好，世界")

    assert result == {"value": "你好，世界", "prevented": False, "sent": 0}
    assert browser.find("#composer-input").get_attribute("value") == "你好，世界"
    # A plain Enter afterwards does send.
    browser.find("#composer-input").send_keys(" [[mock:reply=收到]]", Keys.ENTER)
    answer_text = browser.wait_answer_text("complete")
    assert answer_text == "收到"
    assert browser.find("#messages .user-bubble").text == "你好，世界 [[mock:reply=收到]]"


def test_shift_enter_is_a_newline_and_send_is_disabled_while_empty(browser, user):
    browser.login_with_cookie(user)
    box = browser.find("#composer-input")
    send = browser.find("#send-button")
    assert not send.is_enabled()

    box.send_keys("   ")
    assert not send.is_enabled()
    box.send_keys("line one", Keys.SHIFT, Keys.ENTER, Keys.NULL, "line two")

    assert box.get_attribute("value") == "   line one\nline two"
    assert send.is_enabled()
    assert browser.find_all("#messages article") == []
    height_one_line = browser.js("return arguments[0].getBoundingClientRect().height", box)
    box.send_keys(Keys.SHIFT, Keys.ENTER, Keys.ENTER, Keys.ENTER, Keys.NULL)
    assert browser.js("return arguments[0].getBoundingClientRect().height", box) > height_one_line  # it grows
    send.click()
    browser.wait_answer("complete")
    assert box.get_attribute("value") == ""


def test_expired_session_goes_to_login_and_keeps_the_typed_text(browser, server, user):
    browser.login_with_cookie(user)
    draft = "A long question I do not want to type again"
    browser.type_message(draft)
    new_password = "pw-" + uuid.uuid4().hex[:16]
    server.admin.update_user(user["id"], password=new_password)  # ends the user's sessions at once

    browser.find("#composer-input").send_keys(Keys.ENTER)

    info = browser.visible("#login-info")
    assert "session has ended" in info.text
    browser.find("#login-username").send_keys(user["username"])
    browser.find("#login-password").send_keys(new_password, Keys.ENTER)
    browser.visible("#composer-input")
    assert browser.find("#composer-input").get_attribute("value") == draft
    browser.find("#composer-input").send_keys(Keys.ENTER)
    browser.wait_answer("complete")
    assert browser.find("#messages .user-bubble").text == draft


def test_unreachable_server_shows_retry_and_keeps_the_text(browser, user):
    browser.login_with_cookie(user)
    browser.set_offline(True)

    browser.send("Sent while offline [[mock:reply=back online]]")

    notice = browser.visible(".notice[data-notice='offline']")
    assert "reach the server" in notice.text
    assert browser.find("#composer-input").get_attribute("value") == "Sent while offline [[mock:reply=back online]]"
    browser.set_offline(False)
    notice.find_element(By.CSS_SELECTOR, ".notice-action").click()
    browser.wait(lambda d: not browser.find_all(".notice[data-notice='offline']"), 10, "notice stayed")
    browser.find("#composer-input").send_keys(Keys.ENTER)
    assert browser.wait_answer_text("complete") == "back online"


def test_draft_survives_a_reload(browser, user):
    browser.login_with_cookie(user)
    browser.type_message("half-written thought")

    browser.driver.refresh()
    browser.wait_app()

    assert browser.find("#composer-input").get_attribute("value") == "half-written thought"
