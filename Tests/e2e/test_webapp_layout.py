"""Phone-sized drawer, settings (language, theme, password), and screenshots to look at."""

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from e2e_support import api_chat, user_session

SHOWCASE = "\n".join([
    "Here is a quick **overview** with a list, a table and some code:", "",
    "1. Install the package", "2. Configure `CONFIG_PATH`", "3. Start the server", "",
    "| Setting | Default |", "|---|---|", "| port | 8082 |", "| data dir | ./data |", "",
    "```swift", "struct Greeter {", "    let name: String", "    func greet() -> String { \"Hello, \\(name)\" }", "}", "```",
    "", "> Tip: links like https://example.com open in a new tab.",
])


def showcase_conversation(server, user) -> str:
    session = user_session(server.base_url, user)
    conversation = api_chat(server.base_url, session, "How do I set up the server? [[mock:chunks=6]][[mock:reply="
                            + SHOWCASE + "]]")
    api_chat(server.base_url, session, "Another chat about travel plans [[mock:reply=ok]]")
    return conversation


def wait_drawer_in(browser, sidebar):
    """Waits until the drawer has finished sliding in (clicks during the slide may miss)."""
    browser.wait(lambda d: sidebar.is_displayed()
                 and browser.js("return arguments[0].getBoundingClientRect().left", sidebar) == 0, 5,
                 "drawer did not slide in")


def test_phone_drawer_opens_navigates_and_closes(mobile_browser, server, user):
    browser = mobile_browser
    conversation = showcase_conversation(server, user)
    browser.login_with_cookie(user)
    sidebar = browser.find("#sidebar")
    assert not sidebar.is_displayed()

    browser.find("#drawer-open").click()
    wait_drawer_in(browser, sidebar)
    browser.find(f".conv-item[data-id='{conversation}'] .conv-link").click()

    browser.wait(lambda d: not sidebar.is_displayed(), 5, "drawer did not close after choosing")
    browser.wait_answer("complete")
    assert browser.conversation_id() == conversation
    width = browser.js("return document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    browser.screenshot("mobile-conversation")

    browser.find("#drawer-open").click()
    wait_drawer_in(browser, sidebar)
    browser.screenshot("mobile-drawer")
    browser.find("#new-chat").send_keys(Keys.ESCAPE)
    browser.wait(lambda d: not sidebar.is_displayed(), 5, "Escape did not close the drawer")
    # A message can be sent from the phone layout too.
    browser.send("From my phone [[mock:reply=Hello phone]]")
    browser.wait(lambda d: browser.answer_text() == "Hello phone", 15, "no answer on the phone")


def test_settings_switch_language_and_theme_and_change_password(browser, server, user):
    browser.login_with_cookie(user)
    browser.find("#user-button").click()
    browser.visible("#open-settings").click()
    dialog = browser.visible("#settings-dialog")
    assert not browser.find("#api-keys-section").is_displayed() or browser.find("#api-key-form").is_displayed()

    browser.find("#settings-lang").send_keys("简体中文")
    browser.wait(lambda d: browser.find("#settings-title").text == "设置", 5, "language did not switch")
    assert browser.js("return document.documentElement.lang") == "zh-CN"
    browser.find("#settings-theme").send_keys("深色")
    browser.wait(lambda d: browser.js("return document.documentElement.dataset.theme") == "dark", 5, "theme")

    new_password = "pw-" + uuid.uuid4().hex[:16]
    browser.find("#current-password").send_keys(user["password"])
    browser.find("#new-password").send_keys(new_password)
    browser.find("#confirm-password").send_keys(new_password)
    dialog.find_element(By.CSS_SELECTOR, "#password-form button[type='submit']").click()
    message = browser.visible("#password-message")
    browser.wait(lambda d: "密码已修改" in message.text, 5, "password change not confirmed")

    # Choices are remembered across a reload.
    browser.driver.refresh()
    browser.wait_app()
    assert browser.js("return document.documentElement.dataset.theme") == "dark"
    assert browser.find("#new-chat .new-chat-label").text == "新对话"
    user_session(server.base_url, {**user, "password": new_password})  # the new password works


def test_screenshots_desktop_light_and_dark(browser, server, user):
    conversation = showcase_conversation(server, user)
    browser.login_with_cookie(user, f"/c/{conversation}")
    browser.wait_answer("complete")
    browser.js("localStorage.setItem('cm-theme', 'light')")
    browser.driver.refresh()
    browser.wait_app()
    browser.wait_answer("complete")
    browser.screenshot("desktop-light")

    browser.js("localStorage.setItem('cm-theme', 'dark')")
    browser.driver.refresh()
    browser.wait_app()
    browser.wait_answer("complete")
    assert browser.js("return document.documentElement.dataset.theme") == "dark"
    browser.screenshot("desktop-dark")

    browser.find(f".conv-item[data-id='{conversation}'] .conv-menu-btn").click()
    browser.visible(".popup-menu")
    browser.screenshot("desktop-dark-menu")


def test_chinese_browser_gets_the_chinese_interface(zh_browser, server, user):
    browser = zh_browser
    browser.open("/")
    browser.visible("#login-username")
    assert browser.find("#login-submit").text == "登录"
    browser.screenshot("zh-CN-login")

    conversation = showcase_conversation(server, user)
    browser.login_with_cookie(user, f"/c/{conversation}")
    browser.wait_answer("complete")
    assert browser.find("#new-chat .new-chat-label").text == "新对话"
    assert browser.find(".conv-group-title").text == "今天"
    assert browser.find("#composer-input").get_attribute("placeholder") == "给 ChatMirror 发送消息"
    browser.screenshot("zh-CN-desktop")
