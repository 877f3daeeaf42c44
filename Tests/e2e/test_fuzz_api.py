"""Fuzzing of the whole HTTP API against its OpenAPI document (GET /api/openapi.json) with schemathesis.

A ChatMirror of its own (own data dir and port, SQLite, a fast mock upstream as its account) so the users,
accounts and plans the fuzzer creates at random never reach the shared server of the other e2e tests. Three
identities: an admin session for /api/admin, a user session for the rest of /api, the user's personal API key
for /v1. Every generated request must get no 5xx, leave the process running, and get a response the document
describes (status code, content type, JSON schema). Bounded: a fixed number of examples per operation, a fixed
seed (derandomized), a request timeout.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import threading
import time
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from conftest import CHAT_MIRROR_BIN, MOCK_UPSTREAM_BIN, MODELS, REPO, _require, _stop, free_port

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
REQUEST_TIMEOUT = 30
ADMIN_PASSWORD = "admin-fuzz-" + uuid.uuid4().hex[:12]
USER_PASSWORD = "user-fuzz-" + uuid.uuid4().hex[:12]


def _start_mock() -> tuple[subprocess.Popen, str]:
    """A mock upstream answering at once (3 pieces, no delays), so /v1 and chat calls stay fast."""
    _require(MOCK_UPSTREAM_BIN, "mock-upstream")
    proc = subprocess.Popen([str(MOCK_UPSTREAM_BIN), "--port", "0", "--chunks", "3", "--chunk-delay-ms", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", lines.get(timeout=0.5))
        except queue.Empty:
            continue
        if match:
            return proc, match.group(1)
    _stop(proc)
    pytest.fail("mock-upstream did not report its address")


class FuzzTarget:
    """The fuzzed server, its identities, and the ids the fuzzer must not destroy."""

    def __init__(self, proc: subprocess.Popen, base_url: str, log_path):
        self.proc = proc
        self.base_url = base_url
        self.log_path = log_path
        self.admin = self._login("admin", ADMIN_PASSWORD)
        created = self.admin.post(base_url + "/api/admin/users", json={
            "username": "fuzz-user", "password": USER_PASSWORD, "access_mode": "shared"}, timeout=10)
        created.raise_for_status()
        self.user_id = created.json()["user"]["id"]
        self.admin_id = self.admin.get(base_url + "/api/me", timeout=10).json()["id"]
        self.user = self._login("fuzz-user", USER_PASSWORD)
        key = self.user.post(base_url + "/api/me/api-keys", json={"name": "fuzz"}, timeout=10)
        key.raise_for_status()
        self.api_key_id = key.json()["id"]
        self.api_key = key.json()["key"]

    def _login(self, username: str, password: str) -> requests.Session:
        session = requests.Session()
        answer = session.post(self.base_url + "/api/auth/login", json={"username": username, "password": password}, timeout=10)
        answer.raise_for_status()
        session.headers["X-CSRF-Token"] = answer.json()["csrf"]
        return session

    def credentials(self, path: str) -> tuple[dict, dict]:
        """Headers and cookies of the identity that fits the route."""
        if path.startswith("/v1/"):
            return {"Authorization": f"Bearer {self.api_key}"}, {}
        if path.startswith("/api/admin/"):
            session = self.admin
        elif path.startswith("/api/"):
            session = self.user
        else:
            return {}, {}
        return {"X-CSRF-Token": session.headers["X-CSRF-Token"]}, {"cm_session": session.cookies["cm_session"]}

    def log_tail(self) -> str:
        return "".join(self.log_path.read_text(errors="replace").splitlines(True)[-40:])


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory):
    _require(CHAT_MIRROR_BIN, "chat-mirror")
    mock, mock_url = _start_mock()
    data_dir = tmp_path_factory.mktemp("chat-mirror-fuzz")
    log_path = data_dir / "server.log"
    port = free_port()
    # Short upstream timeouts: the fuzzer adds accounts whose base_url goes nowhere, and a turn that tries one
    # must fail over (or give up) in seconds, not minutes.
    env = {**os.environ, "CHAT_MIRROR_ADMIN_PASSWORD": ADMIN_PASSWORD, "CHAT_MIRROR_BCRYPT_COST": "4",
           "UPSTREAM_CONNECT_TIMEOUT_SECONDS": "2", "UPSTREAM_FIRST_TOKEN_TIMEOUT_SECONDS": "5",
           "UPSTREAM_IDLE_TIMEOUT_SECONDS": "5", "UPSTREAM_MAX_ATTEMPTS": "1"}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(CHAT_MIRROR_BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(data_dir))
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if requests.get(base_url + "/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("chat-mirror did not become ready:\n" + log_path.read_text(errors="replace")[-4000:])
        target = FuzzTarget(proc, base_url, log_path)
        target.admin.post(base_url + "/api/admin/accounts", json={
            "name": "mock", "base_url": mock_url + "/v1", "models": MODELS}, timeout=10).raise_for_status()
        conversation = target.user.post(base_url + "/api/conversations", json={"title": "fuzzed"}, timeout=10)
        conversation.raise_for_status()
        KNOWN.update(protected_users={target.admin_id, target.user_id}, protected_api_keys={target.api_key_id},
                     conversations={conversation.json()["id"]})
        yield target
    finally:
        _stop(proc)
        _stop(mock)


# The document as it is bundled; test_served_document_is_the_bundled_one checks the server serves this file. (It is
# loaded here, not from the live server, because schemathesis' lazy pytest loader does not run on pytest 9.)
DOCUMENT_PATH = REPO / "Sources/ChatMirror/Web/Resources/openapi.json"
schema = (schemathesis.openapi.from_dict(json.loads(DOCUMENT_PATH.read_text()))
          # Ends the user session the fuzzer uses for every other /api route.
          .exclude(method="POST", path="/api/auth/logout")
          # An endless event stream (stats every 2 s until the client leaves): a response that never completes
          # cannot be checked; test_admin_events_stream below checks its status and content type.
          .exclude(method="GET", path="/api/admin/events"))
# What the fuzz_target fixture made: the ids the fuzzer must not destroy, and ids worth aiming at.
KNOWN: dict[str, set] = {"protected_users": set(), "protected_api_keys": set(), "conversations": set()}
DESTROYS_USER = {("DELETE", "/api/admin/users/{id}"), ("PATCH", "/api/admin/users/{id}")}
REVOKES_KEY = {("DELETE", "/api/me/api-keys/{id}"), ("DELETE", "/api/admin/api-keys/{id}")}


@schema.hook
def map_path_parameters(context, path_parameters):
    """Aims most ids at objects that exist (random ones only ever find 404s), sparing the fuzzer's own identities."""
    operation = context.operation
    value = (path_parameters or {}).get("id")
    if operation is None or value is None:
        return path_parameters
    route = (operation.method.upper(), operation.path)
    if isinstance(value, int) and value > 8:
        value = value % 8 + 1
    if isinstance(value, str) and operation.path.startswith("/api/conversations/") and value[:1] in "01234567":
        value = min(KNOWN["conversations"], default=value)
    # The fuzzer's own identities must survive it: no deleting, disabling or re-passwording the two users whose
    # sessions it uses, no revoking the API key it calls /v1 with (an id no object has instead: a 404).
    if (route in DESTROYS_USER and value in KNOWN["protected_users"]) or (
            route in REVOKES_KEY and value in KNOWN["protected_api_keys"]):
        value = 1_000_000
    return {**path_parameters, "id": value}


@schema.hook
def map_body(context, body):
    """Names a model the mock serves in every other body that names one: random names only ever find 404s."""
    if isinstance(body, dict) and isinstance(body.get("model"), str) and len(body["model"]) % 2 == 0:
        return {**body, "model": MODELS[len(body["model"]) % 4 // 2]}
    return body


# The documented answers to an upstream's failure: the fuzzer adds accounts whose base_url goes nowhere, and a
# /v1 or chat call that lands on one is answered 502/503/504 with one of these codes, as docs/api.md says.
UPSTREAM_FAILURES = {"upstream_error", "upstream_auth_failed", "upstream_bad_response", "upstream_timeout",
                     "no_upstream", "upstream_unavailable", "generation_timeout"}


def no_server_fault(ctx, response, case):
    """No 5xx but an upstream's failure reported as one: never a 500, never a 5xx without a JSON error."""
    if response.status_code < 500:
        return True
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = None
    assert response.status_code in (502, 503, 504) and code in UPSTREAM_FAILURES, (
        f"server error {response.status_code}: {response.text[:500]}")
    return True


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case, fuzz_target):
    headers, cookies = fuzz_target.credentials(case.path)
    # The identity's credentials, not values generated for the security schemes (schemathesis still leaves them out
    # of some requests on purpose: the 401 or 403 those get is checked like any answer).
    for name in [name for name in case.headers or {} if name.lower() in ("authorization", "x-csrf-token", "cookie")]:
        del case.headers[name]
    # No redirects followed: GET /s/{token} answers 303 itself; following it would fetch the web app's HTML.
    response = case.call(base_url=fuzz_target.base_url, headers=headers, cookies=cookies, timeout=REQUEST_TIMEOUT,
                         allow_redirects=False)
    assert fuzz_target.proc.poll() is None, "chat-mirror died:\n" + fuzz_target.log_tail()
    case.validate_response(response, checks=[
        no_server_fault, status_code_conformance, content_type_conformance, response_schema_conformance])


def test_served_document_is_the_bundled_one(fuzz_target):
    response = requests.get(fuzz_target.base_url + "/api/openapi.json", timeout=REQUEST_TIMEOUT)
    assert response.status_code == 200
    assert response.json() == json.loads(DOCUMENT_PATH.read_text())


def test_admin_events_stream(fuzz_target):
    headers, cookies = fuzz_target.credentials("/api/admin/events")
    with requests.get(fuzz_target.base_url + "/api/admin/events", headers=headers, cookies=cookies, stream=True,
                      timeout=REQUEST_TIMEOUT) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
    assert requests.get(fuzz_target.base_url + "/api/admin/events", timeout=REQUEST_TIMEOUT).status_code == 401
