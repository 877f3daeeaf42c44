"""Browser end-to-end fixtures: a real ChatMirror server, the mock upstream, and headless Chromium.

Binaries come from CHAT_MIRROR_BIN and MOCK_UPSTREAM_BIN (defaults: <repo>/.build/debug/...). The server and
the mock run once per session on free 127.0.0.1 ports; each test gets a fresh browser and, usually, a fresh
user, so tests do not see each other's conversations.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from e2e_support import AdminClient, Browser

REPO = Path(__file__).resolve().parents[2]
CHAT_MIRROR_BIN = Path(os.environ.get("CHAT_MIRROR_BIN", REPO / ".build" / "debug" / "chat-mirror"))
MOCK_UPSTREAM_BIN = Path(os.environ.get("MOCK_UPSTREAM_BIN", REPO / ".build" / "debug" / "mock-upstream"))
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
ADMIN_PASSWORD = "admin-e2e-" + uuid.uuid4().hex[:12]
MODELS = ["mock-gpt", "mock-gpt-mini"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _require(path: Path, what: str) -> None:
    if not path.exists():
        pytest.exit(f"{what} not found at {path}: build it first (swift build --product {path.name})", returncode=2)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def mock_upstream():
    """The mock OpenAI-compatible upstream; yields its base URL (http://127.0.0.1:PORT)."""
    _require(MOCK_UPSTREAM_BIN, "mock-upstream")
    proc = subprocess.Popen(
        [str(MOCK_UPSTREAM_BIN), "--port", "0", "--chunks", "30", "--chunk-delay-ms", "60", "--transcripts-dir", str(REPO / "Tests/Fixtures/transcripts")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:  # keep draining so the pipe never fills up
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 30
    seen = []
    url = None
    while time.monotonic() < deadline and url is None:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if match:
            url = match.group(1)
    if url is None:
        _stop(proc)
        pytest.exit("mock-upstream did not report its address:\n" + "".join(seen[-20:]), returncode=2)
    yield url
    _stop(proc)


class Server:
    """A running ChatMirror with its admin API client."""

    def __init__(self, base_url: str, admin: AdminClient, log_path: Path):
        self.base_url = base_url
        self.admin = admin
        self.log_path = log_path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "".join(self.log_path.read_text(errors="replace").splitlines(True)[-lines:])
        except OSError:
            return ""


@pytest.fixture(scope="session")
def server(mock_upstream, tmp_path_factory):
    """ChatMirror serving on a free port, with the mock upstream registered as an account."""
    _require(CHAT_MIRROR_BIN, "chat-mirror")
    port = free_port()
    data_dir = tmp_path_factory.mktemp("chat-mirror-data")
    log_path = data_dir / "server.log"
    env = {**os.environ, "CHAT_MIRROR_ADMIN_PASSWORD": ADMIN_PASSWORD}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(CHAT_MIRROR_BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(data_dir),
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    ready = False
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if requests.get(base_url + "/readyz", timeout=2).status_code == 200:
                ready = True
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    if not ready:
        _stop(proc)
        pytest.exit("chat-mirror did not become ready:\n" + log_path.read_text(errors="replace")[-4000:], returncode=2)
    admin = AdminClient(base_url, "admin", ADMIN_PASSWORD)
    admin.create_account("mock", mock_upstream + "/v1", MODELS)
    srv = Server(base_url, admin, log_path)
    yield srv
    _stop(proc)


@pytest.fixture
def user(server):
    """A fresh user (so each test starts with an empty history): dict with id, username, password."""
    return server.admin.create_user()


def _chrome(width: int, height: int, mobile: bool = False, lang: str = "en-US") -> webdriver.Chrome:
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", f"--lang={lang}", "--hide-scrollbars"]:
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"intl.accept_languages": lang})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    if mobile:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    return driver


def _browser_fixture(request, server, **kwargs):
    driver = _chrome(**kwargs)
    browser = Browser(driver, server.base_url)
    yield browser
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    script_errors = []
    try:
        # Network failures are some tests' point (offline, 401, 404); script errors never are.
        script_errors = [e["message"] for e in driver.get_log("browser")
                         if e["level"] == "SEVERE" and e.get("source") in ("javascript", "console-api")]
    except Exception:  # the browser may already be gone
        pass
    if failed or script_errors:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            driver.save_screenshot(str(SCREENSHOTS / f"failed-{request.node.name}.png"))
        except Exception:  # the browser may already be gone
            pass
    driver.quit()
    if script_errors and not failed:
        pytest.fail("script errors in the browser console:\n" + "\n".join(script_errors))


@pytest.fixture
def browser(request, server):
    """Headless Chromium at 1280x800 in English."""
    yield from _browser_fixture(request, server, width=1280, height=800)


@pytest.fixture
def mobile_browser(request, server):
    """Headless Chromium emulating a 390x844 phone."""
    yield from _browser_fixture(request, server, width=390, height=844, mobile=True)


@pytest.fixture
def zh_browser(request, server):
    """Headless Chromium whose language is Simplified Chinese."""
    yield from _browser_fixture(request, server, width=1280, height=800, lang="zh-CN")


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def pytest_sessionstart(session):
    if shutil.which(CHROMEDRIVER) is None and not Path(CHROMEDRIVER).exists():
        pytest.exit("chromedriver not found: apt-get install -y chromium chromium-driver", returncode=2)
