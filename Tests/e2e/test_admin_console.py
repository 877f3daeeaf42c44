"""The admin console at /admin in a real browser: sign-in, users, share links, upstream accounts, refusals."""

from __future__ import annotations

import uuid

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import conftest
from e2e_support import user_session


@pytest.fixture
def other_browser(request, server):
    """A second, independent Chromium (another person's browser)."""
    yield from conftest._browser_fixture(request, server, width=1280, height=800)


@pytest.fixture
def admin_user(server):
    """A fresh admin (known password, so the sign-in form can be used)."""
    created = server.admin.create_user("admin")
    server.admin.update_user(created["id"], role="admin")
    return created


def sign_in_at_admin(browser, who):
    browser.open("/admin/users")
    browser.visible("#login-username").send_keys(who["username"])
    browser.find("#login-password").send_keys(who["password"])
    browser.find("#login-submit").click()


def sign_in_admin(browser, who):
    sign_in_at_admin(browser, who)
    browser.visible("#users-table")


def click_text(browser, css, text):
    """Clicks the visible element matching `css` whose text is `text`."""
    def found(d):
        return next((e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed() and e.text.strip() == text), False)
    browser.wait(found, 10, f"no {css} saying {text!r}").click()


def confirm(browser):
    browser.visible("dialog[open] [data-testid='confirm-ok']").click()
    browser.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"), 5, "the dialog stayed open")


def field_error(browser, name):
    return browser.visible(f"[data-error-for='{name}']").text


def test_admin_creates_a_user_and_their_share_link_signs_them_in_to_chat(browser, other_browser, server, admin_user):
    # setup: nobody signed in sees the login form
    sign_in_admin(browser, admin_user)
    username = f"alice-{uuid.uuid4().hex[:8]}"

    # act: create the user (no password: one is generated and shown once)
    click_text(browser, "a.btn", "New users")
    browser.visible("#users-create-form textarea[name='lines']").send_keys(f"{username},Alice Example")
    browser.find("#users-create-submit").click()
    generated = browser.visible(f"[data-generated-password='{username}']").text
    assert len(generated) >= 12
    click_text(browser, "#created-users a", username)

    # act: a share link limited to one use, read from the page
    browser.visible("#share-link-form input[name='max_uses']").send_keys("1")
    browser.find("#share-link-create").click()
    url = browser.visible("[data-testid='share-url']").get_attribute("value")
    assert "/s/" in url
    browser.find("#share-link-created button").click()  # Copy
    browser.wait(lambda d: browser.find("#share-link-created button").text == "Copied", 5, "copy not confirmed")
    browser.wait(lambda d: len(browser.find_all("#share-link-rows tr[data-state='active']")) == 1, 10, "link not listed")

    # check: the link signs the user in, in another browser, and they can chat
    other_browser.open_share_link(url)
    other_browser.wait_app()
    other_browser.send("Hello from a share link")
    answer_text = other_browser.wait_answer_text("complete", timeout=30)
    assert answer_text.strip()

    # check: the admin sees the link used up
    browser.driver.refresh()
    browser.wait(lambda d: len(browser.find_all("#share-link-rows tr[data-state='used_up']")) == 1, 10,
                 "the used link is not shown as used up")


def test_admin_adds_an_account_for_the_mock_and_tests_its_connection(browser, server, admin_user, mock_upstream):
    sign_in_admin(browser, admin_user)
    name = f"mock-{uuid.uuid4().hex[:6]}"

    # act: add the account
    browser.open("/admin/accounts/new")
    form = browser.visible("#account-form")
    form.find_element(By.NAME, "name").send_keys(name)
    form.find_element(By.NAME, "base_url").send_keys(mock_upstream + "/v1")
    form.find_element(By.NAME, "api_key").send_keys("sk-test-key-1234")
    form.find_element(By.NAME, "models").send_keys("mock-gpt")
    browser.find("#account-save").click()

    # check: it is saved and tested straight away; the upstream's model list is shown
    result = browser.visible("#test-result[data-ok='true']", timeout=20)
    models = [e.text for e in browser.find_all("#test-models code")]
    assert {"mock-gpt", "mock-gpt-mini"} <= set(models), models
    assert "ms" in result.text

    # act: test again with the button, take the upstream's models, save
    browser.find("#test-connection").click()
    browser.visible("#test-result[data-ok='true']")
    browser.find("#test-use-models").click()
    browser.find("#account-save").click()
    browser.wait(lambda d: "mock-gpt-mini" in browser.find("#account-form [name='models']").get_attribute("value"), 10,
                 "models not saved")

    # check: the list shows it with the masked key; disable it, then delete it
    browser.open("/admin/accounts")
    row = browser.visible(f"#account-rows tr[data-name='{name}']")
    assert "1234" in row.text and "mock-gpt-mini" in row.text
    row.find_element(By.XPATH, ".//button[normalize-space()='Disable']").click()
    browser.wait(lambda d: browser.find(f"#account-rows tr[data-name='{name}'] .badge").get_attribute("data-value")
                 == "disabled", 10, "account not disabled")
    browser.find(f"#account-rows tr[data-name='{name}']").find_element(By.XPATH, ".//button[normalize-space()='Delete']").click()
    confirm(browser)
    browser.wait(lambda d: not browser.find_all(f"#account-rows tr[data-name='{name}']"), 10, "account not deleted")


def test_bad_base_url_is_explained_next_to_the_field(browser, server, admin_user):
    sign_in_admin(browser, admin_user)
    browser.open("/admin/accounts/new")
    form = browser.visible("#account-form")
    form.find_element(By.NAME, "name").send_keys("broken")
    form.find_element(By.NAME, "base_url").send_keys("not a url")
    form.find_element(By.NAME, "models").send_keys("m")
    browser.find("#account-save").click()

    assert "base_url" in field_error(browser, "base_url")
    assert browser.find("#account-form [name='base_url']").get_attribute("aria-invalid") == "true"
    assert "/admin/accounts/new" in browser.driver.current_url  # nothing saved, still on the form
    names = [a["name"] for a in server.admin._call("GET", "/api/admin/accounts")["accounts"]]
    assert "broken" not in names


def test_disabling_a_user_ends_their_open_session(browser, server, admin_user, user):
    session = user_session(server.base_url, user)
    assert session.get(server.base_url + "/api/me", timeout=10).status_code == 200
    sign_in_admin(browser, admin_user)

    browser.open(f"/admin/users/{user['id']}")
    browser.visible("#user-toggle-status").click()
    confirm(browser)
    browser.wait(lambda d: browser.find("#user-toggle-status").text == "Enable user", 10, "user not disabled")

    assert session.get(server.base_url + "/api/me", timeout=10).status_code == 401
    browser.open("/admin/users?status=disabled")
    browser.visible(f"#users-rows tr[data-username='{user['username']}']")


def test_bulk_create_saves_nothing_when_a_line_fails(browser, server, admin_user, user):
    sign_in_admin(browser, admin_user)
    fresh = f"bulk-{uuid.uuid4().hex[:8]}"
    browser.open("/admin/users/new")
    browser.visible("#users-create-form textarea[name='lines']").send_keys(
        f"{fresh},Fresh One\n{user['username']}\nbad name!")
    browser.find("#users-create-submit").click()

    report = browser.visible("#bulk-report").text
    assert "Line 3" in report and "bad name!" in report
    browser.find("#users-create-form textarea[name='lines']").clear()
    browser.find("#users-create-form textarea[name='lines']").send_keys(f"{fresh},Fresh One\n{user['username']}")
    browser.find("#users-create-submit").click()
    browser.wait(lambda d: "Line 2" in browser.find("#bulk-report").text and "taken" in browser.find("#bulk-report").text,
                 10, "the taken username is not reported")
    found = server.admin._call("GET", f"/api/admin/users?q={fresh}")
    assert found["total"] == 0, "a half-saved batch"


def test_a_non_admin_is_refused_with_a_way_back_to_the_chat(browser, server, user):
    sign_in_at_admin(browser, user)
    refusal = browser.visible("#refused-view")
    assert user["username"].title() in refusal.text and "not an admin" in refusal.text
    assert browser.find("#refused-chat").get_attribute("href").endswith("/")
    assert not browser.find("#console").is_displayed()
    # the API agrees
    assert user_session(server.base_url, user).get(server.base_url + "/api/admin/users", timeout=10).status_code == 403
    browser.screenshot("admin-refused-en")
    browser.js("localStorage.setItem('cm-lang', 'zh-CN')")
    browser.driver.refresh()
    browser.wait(lambda d: "不是管理员" in browser.visible("#refused-view").text, 10, "refusal not in Chinese")
    browser.screenshot("admin-refused-zh-CN")
    browser.js("localStorage.removeItem('cm-lang')")
    browser.driver.refresh()
    browser.visible("#refused-chat")
    # and going back to the chat works
    browser.find("#refused-chat").click()
    browser.wait_app()


PAGES = ["users", "users/new", "user", "accounts", "accounts/new", "account", "accounts/import"]
# What each page shows once its data has arrived (so the screenshot is of the finished page).
LOADED = {"users": "#users-rows tr", "user": "#api-key-rows tr", "accounts": "#account-rows tr",
          "account": "#test-result", "users/new": "#created-users", "accounts/new": "#account-form",
          "accounts/import": "#accounts-import-form"}


def test_screenshots_of_every_admin_page_in_both_languages(browser, server, admin_user, user):
    account_id = server.admin._call("GET", "/api/admin/accounts")["accounts"][0]["id"]
    server.admin.share_link(user["id"], max_uses=3)
    sign_in_at_admin(browser, {"username": "nobody", "password": "wrong-password"})
    browser.visible("#login-error")
    browser.screenshot("admin-login-en")
    Select(browser.find("#login-lang")).select_by_value("zh-CN")
    browser.wait(lambda d: browser.find("#login-submit").text == "登录", 5, "login form not in Chinese")
    browser.screenshot("admin-login-zh-CN")
    Select(browser.find("#login-lang")).select_by_value("en")
    browser.find("#login-username").clear()
    browser.find("#login-password").clear()
    sign_in_admin(browser, admin_user)
    for lang in ["en", "zh-CN"]:
        Select(browser.visible("#console-lang")).select_by_value(lang)
        for page in PAGES:
            path = {"user": f"users/{user['id']}", "account": f"accounts/{account_id}"}.get(page, page)
            browser.open(f"/admin/{path}")
            browser.visible(".page-title")
            if page == "account":
                browser.find("#test-connection").click()
            if page == "users/new":
                browser.find("textarea[name='lines']").send_keys(
                    f"shot-{uuid.uuid4().hex[:6]}\nshot-{uuid.uuid4().hex[:6]},Shot Two,own-password-1")
                browser.find("#users-create-submit").click()
            browser.wait(lambda d: browser.find_all(LOADED[page]), 15, f"{page} did not finish loading")
            browser.js("document.activeElement && document.activeElement.blur()")
            height = browser.js("return document.documentElement.scrollHeight")
            browser.driver.set_window_size(1280, max(800, height + 90))
            browser.screenshot(f"admin-{page.replace('/', '-')}-{lang}")
            browser.driver.set_window_size(1280, 800)
        assert browser.js("return document.documentElement.lang") == lang
    browser.js("localStorage.setItem('cm-theme', 'dark')")
    browser.open(f"/admin/users/{user['id']}")
    browser.wait(lambda d: browser.find_all(LOADED["user"]), 15, "user page did not load")
    browser.screenshot("admin-user-zh-CN-dark")
    browser.js("localStorage.removeItem('cm-theme'); localStorage.removeItem('cm-lang')")
