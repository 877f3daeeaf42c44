"""The chat app and the site around it: the admin's site name on every page, the way to the admin console, and
a language switch that reaches what is already on screen."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

SITE_NAME = "Acme 助手"


@pytest.fixture
def site_name(server):
    """The site named SITE_NAME by its admin for one test (the server is shared: the name is put back)."""
    server.admin._call("PUT", "/api/admin/settings", json={"site_name": SITE_NAME})
    yield SITE_NAME
    server.admin._call("PUT", "/api/admin/settings", json={"site_name": "ChatMirror"})


@pytest.fixture
def admin_user(server):
    """A fresh admin (known password)."""
    created = server.admin.create_user("admin")
    server.admin.update_user(created["id"], role="admin")
    return created


def translated(browser, key: str, **params) -> str:
    """What the page's own translator says for `key` in the language it has now."""
    return browser.driver.execute_async_script(
        "const [key, params, done] = arguments;"
        "import('/common/i18n.js').then((m) => done(m.t(key, params)));", key, params)


def test_the_site_name_is_on_the_sign_in_page_the_tab_and_the_composer(browser, user, site_name):
    browser.open("/")

    title = browser.visible(".login-title")
    browser.wait(lambda d: title.text == site_name, 10, "the sign-in page does not show the site name")
    browser.wait(lambda d: d.title == site_name, 10, "the tab does not show the site name")
    browser.screenshot("site-name-login")
    browser.login_with_cookie(user)
    box = browser.find("#composer-input")
    browser.wait(lambda d: box.get_attribute("placeholder") == f"Message {site_name}", 10, "composer placeholder")
    browser.send("Name the tab [[mock:reply=Named]]")
    browser.wait_answer("complete")
    browser.wait(lambda d: d.title.endswith(f" · {site_name}") and len(d.title) > len(site_name) + 3, 10,
                 "the tab does not show the conversation and the site name")
    browser.screenshot("site-name-chat")


def test_the_site_name_in_chinese(zh_browser, user, site_name):
    zh_browser.login_with_cookie(user)

    box = zh_browser.find("#composer-input")

    zh_browser.wait(lambda d: box.get_attribute("placeholder") == f"给 {site_name} 发送消息", 10, "composer placeholder")
    assert zh_browser.driver.title == site_name
    zh_browser.screenshot("site-name-chat-zh")


def test_an_admin_finds_the_admin_console_in_the_user_menu_and_a_user_does_not(browser, user, admin_user):
    browser.login_with_cookie(user)
    browser.find("#user-button").click()
    browser.visible("#open-settings")
    assert not browser.find("#open-admin").is_displayed()
    browser.find("#user-button").click()

    browser.login_with_cookie(admin_user)
    browser.find("#user-button").click()
    link = browser.visible("#open-admin")
    assert link.text == "Admin console"
    assert browser.js("return document.activeElement.id") == "open-admin"
    browser.screenshot("user-menu-admin")
    link.click()

    browser.wait(lambda d: d.current_url.endswith("/admin"), 10, "the admin console did not open")
    browser.visible("#users-table, .dashboard, main")


def open_settings(browser):
    browser.find("#user-button").click()
    browser.find("#open-settings").click()
    return browser.visible("#settings-lang")


def test_switching_language_translates_what_is_already_on_screen(browser, user):
    browser.login_with_cookie(user)
    # Things on screen that code wrote: the list of API keys and a message under the password form ...
    open_settings(browser)
    browser.visible("#api-key-name").send_keys("laptop")
    browser.find("#api-key-form button[type='submit']").click()
    browser.wait(lambda d: "laptop" in browser.find("#api-key-list").text, 10, "the key was not listed")
    browser.find("#new-password").send_keys("abcdefgh1")
    browser.find("#confirm-password").send_keys("different1")
    browser.find("#password-form button[type='submit']").click()
    message = browser.visible("#password-message")
    assert message.text == "The new passwords do not match."

    Select(browser.find("#settings-lang")).select_by_value("zh-CN")

    assert message.text == translated(browser, "settings.password_mismatch") != "The new passwords do not match."
    assert browser.find("#api-key-list .btn-danger").text == translated(browser, "keys.revoke")
    assert translated(browser, "keys.never_used") in browser.find("#api-key-list").text
    browser.screenshot("language-switch-settings-zh")
    browser.find("#settings-close").click()

    # ... and a notice: "can't reach the server", in Chinese, then switched back to English.
    browser.set_offline(True)
    browser.send("Sent while offline [[mock:reply=later]]")
    notice = browser.visible(".notice[data-notice='offline']")
    assert notice.find_element(By.CSS_SELECTOR, ".notice-text").text == translated(browser, "error.network")
    language = open_settings(browser)
    # Opening the settings tried to read the keys, failed and said so again: that notice is the one to follow.
    browser.wait(lambda d: not browser.find("#api-keys-section").is_displayed(), 10, "the keys were read offline")
    notice = browser.find(".notice[data-notice='offline']")
    Select(language).select_by_value("en")
    browser.find("#settings-close").click()
    assert notice.find_element(By.CSS_SELECTOR, ".notice-text").text == translated(browser, "error.network")
    assert "reach the server" in notice.text
    assert notice.find_element(By.CSS_SELECTOR, ".notice-action").text == "Retry"
    assert notice.find_element(By.CSS_SELECTOR, ".notice-close").get_attribute("aria-label") == "Dismiss"
    browser.set_offline(False)


def test_switching_language_on_the_sign_in_page_translates_its_error(browser, user):
    browser.submit_login(user["username"], "wrong-password")
    error = browser.visible("#login-error")
    english = error.text

    Select(browser.find("#login-lang-select")).select_by_value("zh-CN")

    assert error.text == translated(browser, "login.invalid") != english
    browser.screenshot("language-switch-login-zh")
