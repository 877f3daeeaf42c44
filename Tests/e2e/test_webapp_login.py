"""Signing in: password, share link, a bad link, a wrong password, logging out."""

from e2e_support import EXPECTED_PROBES


def test_password_login_shows_the_chat_app(browser, user):
    browser.login_with_password(user)

    assert browser.find("#user-name").text == user["username"].title()
    assert browser.find("#empty-state").is_displayed()
    options = [o.get_attribute("value") for o in browser.find_all("#model-select option")]
    assert options == ["mock-gpt", "mock-gpt-mini"]
    assert browser.console_errors(allowed=EXPECTED_PROBES) == []


def test_wrong_password_says_so_and_keeps_the_username(browser, user):
    browser.submit_login(user["username"], "not-the-password")

    error = browser.visible("#login-error")
    assert "Wrong username or password" in error.text
    assert browser.find("#login-username").get_attribute("value") == user["username"]
    assert not browser.find("#app").is_displayed()


def test_share_link_signs_in_and_leaves_the_address_bar(browser, server, user):
    url = server.admin.share_link(user["id"])

    browser.open_share_link(url)

    browser.wait_app()
    assert "/s/" not in browser.driver.current_url
    assert browser.find("#user-name").text == user["username"].title()


def test_a_share_link_for_someone_else_asks_before_switching(browser, server, user):
    """Before: opening another user's link while signed in switched users silently."""
    other = server.admin.create_user("other")
    browser.login_with_cookie(user)
    url = server.admin.share_link(other["id"], max_uses=1)

    # Stay: nothing changes, the link keeps its use.
    browser.open_share_link(url)
    dialog = browser.visible("#confirm-dialog")
    assert user["username"].title() in dialog.text and other["username"].title() in dialog.text
    assert "#switch" not in browser.driver.current_url  # the token leaves the address bar
    browser.screenshot("share_link_switch_question")
    dialog.find_element("css selector", "button[value='cancel']").click()
    browser.wait(lambda d: not browser.js("return document.getElementById('confirm-dialog').open"), 10, "dialog stays open")
    assert browser.find("#user-name").text == user["username"].title()
    links = server.admin._call("GET", f"/api/admin/users/{other['id']}/share-links")["share_links"]
    assert links[0]["uses"] == 0

    # Switch: the link is used, the browser is now the other user.
    browser.open_share_link(url)
    browser.visible("#confirm-ok").click()
    browser.wait(lambda d: browser.find("#user-name").text == other["username"].title(), 15, "did not switch users")
    links = server.admin._call("GET", f"/api/admin/users/{other['id']}/share-links")["share_links"]
    assert links[0]["uses"] == 1


def test_a_share_link_for_yourself_just_opens_the_app(browser, server, user):
    browser.login_with_cookie(user)
    url = server.admin.share_link(user["id"], max_uses=1)

    browser.open_share_link(url)

    browser.wait_app()
    assert not browser.js("return document.getElementById('confirm-dialog').open")
    assert browser.find("#user-name").text == user["username"].title()
    links = server.admin._call("GET", f"/api/admin/users/{user['id']}/share-links")["share_links"]
    assert links[0]["uses"] == 0


def test_invalid_share_link_explains_on_the_login_page(browser):
    browser.open("/s/this-is-not-a-valid-token")

    error = browser.visible("#login-error")
    assert "invalid" in error.text.lower()
    assert "error=" not in browser.driver.current_url  # the query is cleaned up once shown


def test_logout_returns_to_the_login_page(browser, user):
    browser.login_with_cookie(user)

    browser.find("#user-button").click()
    browser.visible("#logout").click()

    browser.visible("#login-username")
    browser.open("/")
    browser.visible("#login-username")  # the session is really gone
