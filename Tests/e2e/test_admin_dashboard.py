"""The admin console's dashboard, alerts, plans, bindings, audit log and settings in a real browser."""

from __future__ import annotations

import threading
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import conftest
from e2e_support import api_chat, user_session
from test_admin_console import admin_user, other_browser  # noqa: F401  (fixtures: a fresh admin, a second browser)

SLOW = "[[mock:chunks=40]][[mock:delay_ms=150]]"


def open_console(browser, who, path="/admin"):
    """Signs `who` in through the API, hands the cookie to the browser and opens `path` in the console."""
    session = user_session(browser.base_url, who)
    browser.driver.execute_cdp_cmd("Network.setCookie", {
        "name": "cm_session", "value": session.cookies.get("cm_session"), "url": browser.base_url + "/",
        "httpOnly": True, "sameSite": "Lax"})
    browser.open(path)
    browser.visible("#nav-list a")
    return session


def stat(browser, key):
    return browser.find(f"[data-stat='{key}'] .stat-value").text


def text_of(browser, css):
    return " ".join(e.text for e in browser.find_all(css))


def dedicated_account(server, mock_upstream, user_id, prefix):
    """An account in the dedicated pool, bound to the user (whose access becomes dedicated)."""
    account = server.admin.create_account(f"{prefix}-{uuid.uuid4().hex[:6]}", mock_upstream + "/v1", conftest.MODELS)
    server.admin._call("PATCH", f"/api/admin/accounts/{account['id']}", json={"pool": "dedicated"})
    server.admin._call("PUT", f"/api/admin/users/{user_id}/bindings", json={"account_ids": [account["id"]]})
    server.admin.update_user(user_id, access_mode="dedicated")
    return account


def test_dashboard_counts_a_streaming_chat_live_without_reload(browser, server, admin_user, user):
    # setup: the dashboard is open and live
    open_console(browser, admin_user)
    browser.wait(lambda d: browser.find("#live-state").get_attribute("data-state") == "live", 15, "the feed never went live")
    browser.wait(lambda d: stat(browser, "streams_in_flight") == "0", 15, "streams in flight did not start at 0")
    browser.js("window.__sameDocument = true;")
    # act: the user chats with a slow answer
    session = user_session(server.base_url, user)
    chat = threading.Thread(target=api_chat, args=(server.base_url, session, SLOW + " count me"))
    chat.start()
    try:
        # check: the counter and the mock account's tile show the stream, then go back to 0
        browser.wait(lambda d: stat(browser, "streams_in_flight") == "1", 15, "the stream never showed up")
        assert "1" in text_of(browser, "#dash-tiles .tile-in-flight")
        browser.screenshot("admin-dashboard-streaming")
    finally:
        chat.join(30)
    browser.wait(lambda d: stat(browser, "streams_in_flight") == "0", 15, "the stream never ended on the dashboard")
    browser.wait(lambda d: browser.find_all("#dash-charts svg.chart"), 15, "no charts drawn")
    assert browser.js("return window.__sameDocument === true"), "the page was reloaded"


def test_disabling_a_user_ends_their_open_chat(browser, other_browser, server, admin_user, user):
    # setup: the user is chatting
    other_browser.login_with_cookie(user)
    open_console(browser, admin_user, f"/admin/users/{user['id']}")
    # act: the admin disables them
    browser.visible("#user-toggle-status").click()
    browser.visible("dialog[open] [data-testid='confirm-ok']").click()
    browser.wait(lambda d: "disabled" in text_of(browser, ".page-subtitle .badge").lower(), 10, "not shown as disabled")
    # check: the user's next request sends them to the sign-in form
    other_browser.send("are you still there?")
    other_browser.visible("#login-username", timeout=15)
    server.admin.update_user(user["id"], status="active")


def test_a_plan_with_two_limits_shows_as_the_users_quota(browser, other_browser, server, admin_user, user):
    name = f"Team {uuid.uuid4().hex[:6]}"
    open_console(browser, admin_user, "/admin/plans/new")
    form = browser.visible("#plan-form")
    form.find_element(By.NAME, "name").send_keys(name)
    # the first limit: 40 requests per 3 hours (rolling) is there already; a bad second limit is refused here
    browser.find("[data-testid='limit-add']").click()
    browser.visible("[name='limits[1].window']").clear()
    browser.find("[name='limits[1].window']").send_keys("soon")
    browser.find("#plan-save").click()
    assert browser.visible("[data-error-for='limits[1].window']").text
    assert "/admin/plans/new" in browser.driver.current_url
    # fixed: a calendar day with 100 requests and 50000 tokens
    Select(browser.find("[name='limits[1].window_kind']")).select_by_value("calendar")
    Select(browser.find("[name='limits[1].window#calendar']")).select_by_value("day")
    browser.find("[name='limits[1].max_requests']").send_keys("100")
    browser.find("[name='limits[1].max_tokens']").send_keys("50000")
    browser.find("#plan-save").click()
    browser.wait(lambda d: "/admin/plans/new" not in d.current_url, 10, "the plan was not created")
    plan = next(p for p in server.admin._call("GET", "/api/admin/plans")["plans"] if p["name"] == name)
    assert [(l["window"], l.get("max_requests"), l.get("max_tokens")) for l in plan["limits"]] == [
        ("3h", 40, None), ("day", 100, 50000)]
    # assign it on the user's page
    browser.open(f"/admin/users/{user['id']}")
    Select(browser.visible("#user-plan-form select")).select_by_visible_text(name)
    browser.find("#user-plan-form button[type='submit']").click()
    browser.wait(lambda d: server.admin._call("GET", f"/api/admin/users/{user['id']}").get("plan_id") == plan["id"], 10,
                 "the plan was not assigned")
    # the plan page lists the user
    browser.open(f"/admin/plans/{plan['id']}")
    browser.wait(lambda d: user["username"] in text_of(browser, "#plan-used-by"), 10, "the user is not listed on the plan")
    # check: the user sees what is left in the chat app
    other_browser.login_with_cookie(user)
    quota = other_browser.visible("#quota")
    assert "40" in quota.text


def test_binding_a_user_to_an_account(browser, server, mock_upstream, admin_user, user):
    account = server.admin.create_account(f"bind-{uuid.uuid4().hex[:6]}", mock_upstream + "/v1", conftest.MODELS)
    open_console(browser, admin_user, f"/admin/users/{user['id']}")
    box = browser.visible(f"#user-bindings-form [data-account-id='{account['id']}'] input")
    box.click()
    browser.find("#user-bindings-save").click()
    browser.wait(lambda d: server.admin._call("GET", f"/api/admin/users/{user['id']}/bindings")["account_ids"]
                 == [account["id"]], 10, "the binding was not saved")
    browser.open(f"/admin/accounts/{account['id']}")
    browser.wait(lambda d: user["username"] in text_of(browser, "#account-bound-rows"), 10, "the account does not list the user")


def test_an_alert_appears_live_with_a_badge_and_is_acknowledged(browser, server, mock_upstream, admin_user, user):
    account = dedicated_account(server, mock_upstream, user["id"], "flaky")
    server.admin._call("POST", "/api/admin/alerts/ack")
    open_console(browser, admin_user)
    browser.wait(lambda d: browser.find("#live-state").get_attribute("data-state") == "live", 15, "the feed never went live")
    badge = browser.find("[data-badge-for='alerts']")
    assert not badge.is_displayed()
    # act: the upstream refuses the account's credential
    session = user_session(server.base_url, user)
    created = session.post(f"{server.base_url}/api/conversations", json={"model": "mock-gpt"}, timeout=10).json()
    session.post(f"{server.base_url}/api/conversations/{created['id']}/messages",
                 json={"content": "[[mock:fail=401]] hello", "model": "mock-gpt"}, timeout=30)
    # check: the alert and the badge appear without reload
    item = browser.wait(lambda d: next((e for e in browser.find_all("#dash-alerts [data-alert-id]")
                                        if account["name"] in e.text), False), 15, "no live alert")
    browser.wait(lambda d: badge.is_displayed() and badge.text == "1", 10, "no badge")
    # keep the health monitor from raising more while we look
    server.admin._call("PATCH", f"/api/admin/accounts/{account['id']}", json={"status": "disabled"})
    browser.screenshot("admin-dashboard-alert")
    alert_id = int(item.get_attribute("data-alert-id"))
    item.find_element(By.CSS_SELECTOR, ".alert-ack").click()
    browser.wait(lambda d: any(a["id"] == alert_id and a["acknowledged_at"]
                               for a in server.admin._call("GET", "/api/admin/alerts")["alerts"]), 10, "the page did not acknowledge")
    # The health monitor may have probed the account back to active (a second alert) before it was disabled: that
    # one is acknowledged here too, so the badge counts only what this test raised.
    server.admin._call("POST", "/api/admin/alerts/ack")
    browser.wait(lambda d: not badge.is_displayed(), 15, "the badge stayed")
    assert server.admin._call("GET", "/api/admin/alerts?open=true")["unacknowledged"] == 0
    # the alerts page shows it as acknowledged
    browser.find("[data-nav='alerts']").click()
    Select(browser.visible("#alerts-filter")).select_by_value("all")
    browser.wait(lambda d: account["name"] in text_of(browser, "#alerts-list .alert-item:not(.alert-open)"), 10,
                 "the acknowledged alert is not listed")


def test_the_audit_log_shows_the_admins_actions(browser, server, admin_user, user):
    session = open_console(browser, admin_user, "/admin/settings")
    # a bad timezone is refused next to its field, and nothing is saved
    form = browser.visible("#settings-form")
    zone = form.find_element(By.NAME, "timezone")
    zone.clear()
    zone.send_keys("Mars/Olympus")
    name = form.find_element(By.NAME, "site_name")
    name.clear()
    name.send_keys("Half Saved")
    browser.find("#settings-save").click()
    assert "timezone" in browser.visible("[data-error-for='timezone']").text
    assert server.admin._call("GET", "/api/admin/settings")["site_name"] != "Half Saved"
    zone.clear()
    zone.send_keys("Asia/Shanghai")
    name.clear()
    name.send_keys("ChatMirror")
    browser.find("#settings-save").click()
    browser.wait(lambda d: server.admin._call("GET", "/api/admin/settings")["timezone"] == "Asia/Shanghai", 10, "not saved")
    session.patch(f"{server.base_url}/api/admin/users/{user['id']}", json={"display_name": "Audited"}, timeout=10)
    # check: the log, filtered by this admin, shows both actions with their IP
    browser.open(f"/admin/audit?actor={admin_user['username']}")
    browser.wait(lambda d: len(browser.find_all("#audit-rows tr[data-action]")) == 2, 10, "the actions are not listed")
    assert [r.get_attribute("data-action") for r in browser.find_all("#audit-rows tr[data-action]")] == [
        "user.update", "settings.update"]
    assert "127.0.0.1" in browser.find("#audit-rows").text
    assert "Audited" in browser.find("#audit-rows").text
    Select(browser.find("#audit-filters [name='action']")).select_by_value("settings.")
    browser.find("#audit-filters button[type='submit']").click()
    browser.wait(lambda d: [r.get_attribute("data-action") for r in browser.find_all("#audit-rows tr[data-action]")]
                 == ["settings.update"], 10, "the action filter did not apply")


def full_page_screenshot(browser, name):
    """The whole page, not only the first screen: the viewport is stretched to the content for the picture."""
    height = browser.js("return Math.min(4000, Math.max(document.documentElement.scrollHeight,"
                        " document.getElementById('page').scrollHeight))")
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1280, "height": max(800, height), "deviceScaleFactor": 1, "mobile": False})
    try:
        browser.screenshot(name)
    finally:
        browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


PAGES = [
    ("dashboard", "/admin", "#dash-charts svg"),
    ("users", "/admin/users", "#users-rows tr"),
    ("user", "/admin/users/{user}", "#user-bindings-form .check-row"),
    ("accounts", "/admin/accounts", "#account-rows tr"),
    ("account", "/admin/accounts/{account}", "#account-bound-rows tr"),
    ("plans", "/admin/plans", "#plan-rows tr"),
    ("plan", "/admin/plans/{plan}", "#plan-used-by .chip"),
    ("plan-new", "/admin/plans/new", "#plan-form .limit-row"),
    ("alerts", "/admin/alerts?show=all", "#alerts-list li"),
    ("audit", "/admin/audit", "#audit-rows tr"),
    ("settings", "/admin/settings", "#settings-form [name='default_plan_id']"),
]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_screenshots_of_every_admin_page(request, server, mock_upstream, admin_user, user, lang):
    browser = request.getfixturevalue("browser" if lang == "en" else "zh_browser")
    api_chat(server.base_url, user_session(server.base_url, user), "for the charts")
    plan = server.admin._call("POST", "/api/admin/plans", json={"name": f"Shot {lang} {uuid.uuid4().hex[:4]}", "limits": [
        {"window": "3h", "max_requests": 40}, {"window": "day", "max_tokens": 200000, "model_pattern": "mock-*"}]})
    server.admin._call("PUT", f"/api/admin/users/{user['id']}/plan", json={"plan_id": plan["id"]})
    account = server.admin._call("GET", "/api/admin/accounts")["accounts"][0]
    open_console(browser, admin_user)
    for name, path, ready in PAGES:
        browser.open(path.format(user=user["id"], account=account["id"], plan=plan["id"]))
        browser.visible(ready)
        # selects filled from the API (plans) have more than their empty choice
        browser.wait(lambda d: browser.js("return Array.from(document.querySelectorAll('#page select'))"
                                          ".every((s) => s.options.length > 1)"), 10, f"{name}: a select stayed empty")
        browser.wait(lambda d: browser.js("return document.documentElement.lang") == ("en" if lang == "en" else "zh-CN"))
        full_page_screenshot(browser, f"admin-{name}-{lang}")
        assert not browser.find_all("[data-i18n]:empty"), f"{name}: untranslated markup"
