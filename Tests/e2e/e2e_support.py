"""Helpers for the browser suite: the admin API client and a thin page-object over Selenium."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


class AdminClient:
    """The admin API over a cookie session with the CSRF header."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url
        self.session = requests.Session()
        answer = self.session.post(f"{base_url}/api/auth/login", json={"username": username, "password": password},
                                   timeout=10)
        answer.raise_for_status()
        self.session.headers["X-CSRF-Token"] = answer.json()["csrf"]

    def _call(self, method: str, path: str, **kwargs):
        answer = self.session.request(method, self.base_url + path, timeout=10, **kwargs)
        if answer.status_code >= 400:
            raise AssertionError(f"{method} {path} -> {answer.status_code} {answer.text}")
        return answer.json() if answer.content else None

    def create_account(self, name: str, base_url: str, models: list[str]):
        return self._call("POST", "/api/admin/accounts",
                          json={"name": name, "base_url": base_url, "api_key": "k", "models": models})

    def create_user(self, prefix: str = "user") -> dict:
        username = f"{prefix}-{uuid.uuid4().hex[:10]}"
        password = "pw-" + uuid.uuid4().hex[:16]
        created = self._call("POST", "/api/admin/users",
                             json={"username": username, "password": password, "display_name": username.title()})
        return {"id": created["user"]["id"], "username": username, "password": password}

    def update_user(self, user_id: int, **fields):
        return self._call("PATCH", f"/api/admin/users/{user_id}", json=fields)

    def share_link(self, user_id: int, **fields) -> str:
        return self._call("POST", f"/api/admin/users/{user_id}/share-links", json=fields)["url"]


def user_session(base_url: str, user: dict) -> requests.Session:
    """A requests session signed in as `user`, with its CSRF header."""
    session = requests.Session()
    answer = session.post(f"{base_url}/api/auth/login",
                          json={"username": user["username"], "password": user["password"]}, timeout=10)
    answer.raise_for_status()
    session.headers["X-CSRF-Token"] = answer.json()["csrf"]
    return session


class Browser:
    """The chat app in one Chromium, with waits that read as what a user sees."""

    def __init__(self, driver: WebDriver, base_url: str):
        self.driver = driver
        self.base_url = base_url

    # --- waiting -------------------------------------------------------------------------------------------
    def wait(self, condition, timeout: float = 15, message: str = ""):
        def safe(driver):
            try:
                return condition(driver)
            except StaleElementReferenceException:
                return False
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(safe, message)

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def visible(self, css: str, timeout: float = 15):
        return self.wait(lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()), False),
                         timeout, f"{css} never became visible")

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    # --- signing in ----------------------------------------------------------------------------------------
    def open(self, path: str = "/"):
        self.driver.get(self.base_url + path)

    def submit_login(self, username: str, password: str):
        """Fills in and submits the sign-in form."""
        self.open("/")
        self.visible("#login-username").send_keys(username)
        self.find("#login-password").send_keys(password)
        self.find("#login-submit").click()

    def login_with_password(self, user: dict):
        self.submit_login(user["username"], user["password"])
        self.wait_app()

    def login_with_cookie(self, user: dict, path: str = "/"):
        """Signs in through the API and hands the session cookie to the browser (faster than the form)."""
        session = user_session(self.base_url, user)
        self.driver.execute_cdp_cmd("Network.setCookie", {
            "name": "cm_session", "value": session.cookies.get("cm_session"), "url": self.base_url + "/",
            "httpOnly": True, "sameSite": "Lax"})
        self.open(path)
        self.wait_app()
        return session

    def open_share_link(self, url: str):
        # The server builds the link from its public address; keep its path on our base URL.
        self.driver.get(self.base_url + urlsplit(url).path)

    def wait_app(self):
        self.visible("#composer-input")
        # The model list has arrived when the picker is enabled.
        self.wait(lambda d: self.js("return !document.getElementById('model-select').disabled"), 15,
                  "no model offered")

    # --- chatting ------------------------------------------------------------------------------------------
    def type_message(self, text: str):
        box = self.find("#composer-input")
        if "\n" in text:
            self.js("const el = arguments[0]; el.value = arguments[1];"
                    "el.dispatchEvent(new Event('input', {bubbles: true}));", box, text)
        else:
            box.send_keys(text)
        return box

    def send(self, text: str):
        box = self.type_message(text)
        box.send_keys(Keys.ENTER)

    def messages(self, role: str | None = None):
        css = "#messages article" + (f"[data-role='{role}']" if role else "")
        return self.find_all(css)

    def last_answer(self):
        answers = self.messages("assistant")
        return answers[-1] if answers else None

    def answer_text(self, article=None) -> str:
        article = article or self.last_answer()
        return article.find_element(By.CSS_SELECTOR, ".msg-body").text if article else ""

    def wait_answer(self, status: str = "complete", timeout: float = 20, count: int | None = None):
        """Waits until the last answer has `status` (and, optionally, `count` answers are shown)."""
        def ready(_):
            answers = self.messages("assistant")
            if not answers or (count is not None and len(answers) != count):
                return False
            return answers[-1] if answers[-1].get_attribute("data-status") == status else False
        return self.wait(ready, timeout, f"no answer with status {status}")

    def wait_answer_text(self, status: str = "complete", timeout: float = 20) -> str:
        """Waits until the last answer has `status` and returns its text. The app may redraw the conversation
        when an answer ends (a new chat gets its address and is read back), so the text is read inside the
        wait, where a redrawn (stale) element is simply looked up again."""
        def text(_):
            answer = self.last_answer()
            if answer is None or answer.get_attribute("data-status") != status:
                return False
            return (self.answer_text(answer),)
        return self.wait(text, timeout, f"no answer with status {status}")[0]

    def wait_idle(self, timeout: float = 20):
        """Waits until no answer streams (the Send button is back)."""
        self.wait(lambda d: self.js("return document.getElementById('stop-button').hidden"), timeout,
                  "an answer is still streaming")

    def conversation_id(self) -> str:
        self.wait(lambda d: "/c/" in d.current_url, 10, "no conversation in the address bar")
        return self.driver.current_url.rsplit("/c/", 1)[1].split("?")[0]

    # --- quality checks ------------------------------------------------------------------------------------
    def console_errors(self, allowed=()):
        """Console errors, except network entries for `allowed` URL fragments (expected 401/404 probes)."""
        errors = []
        for entry in self.driver.get_log("browser"):
            if entry["level"] != "SEVERE":
                continue
            if entry.get("source") == "network" and any(fragment in entry["message"] for fragment in allowed):
                continue
            errors.append(entry["message"])
        return errors

    def set_offline(self, offline: bool):
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    def drop_connections(self):
        """Cuts the page's open requests (the answer stream) as a network drop would."""
        self.js("window.stop();")

    def screenshot(self, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


# Probes the app makes on purpose, whose failure it handles: the session check before sign-in (401) and
# the optional quota and API-key features (404 until the server has them).
EXPECTED_PROBES = ("/api/me - ", "/api/me/quota - ", "/api/me/api-keys - ")


def api_chat(base_url: str, session: requests.Session, text: str, conversation_id: str | None = None) -> str:
    """Sends one message through the API (reading the whole answer stream); returns the conversation id."""
    if conversation_id is None:
        created = session.post(f"{base_url}/api/conversations", json={"model": "mock-gpt"}, timeout=10)
        created.raise_for_status()
        conversation_id = created.json()["id"]
    with session.post(f"{base_url}/api/conversations/{conversation_id}/messages",
                      json={"content": text, "model": "mock-gpt"}, stream=True, timeout=30) as answer:
        answer.raise_for_status()
        events = [line for line in answer.iter_lines(decode_unicode=True) if line.startswith("event:")]
    assert events and events[-1] == "event: done", events
    return conversation_id
