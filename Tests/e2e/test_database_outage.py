"""A database outage as an operator sees it: ChatMirror on its own throwaway PostgreSQL, which is stopped, started
again, then frozen (every one of its processes SIGSTOPped) and thawed.

While the database is away, /readyz must answer 503 `not_ready` at once (and say so within about a second of the
outage); with the database stopped, API requests must get 503 `not_ready` with `Retry-After` (not a 500, not a
hang). Once it is back, both recover by themselves. Every wait polls a condition against a deadline.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import CHAT_MIRROR_BIN, _require, _stop, free_port
from e2e_support import AdminClient

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "outage-" + uuid.uuid4().hex[:12]
QUICK = 1.5  # seconds: the longest /readyz or a refused request may take while the database is away
RECOVERY = 90  # seconds: PostgresNIO retries connections with a growing backoff; generous for a slow machine

pytestmark = pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason=f"PostgreSQL 15 is not installed in {PG_BIN}")


class Postgres:
    """A throwaway cluster in a temp dir, run as the `postgres` user when we are root (as scripts/test.sh does)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="cm-outage-pg-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(PG_BIN / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")

    def processes(self) -> list[int]:
        """The postmaster and every process it started (its backends serve the connections ChatMirror holds)."""
        postmaster = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == postmaster:
                    children.append(int(entry.name))
        return [postmaster, *children]

    def signal_all(self, signum: int, pids: list[int]) -> None:
        for pid in pids:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_until(what: str, check, deadline_seconds: float):
    """Polls `check` until it returns a truthy value; fails naming `what` when the deadline passes."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {deadline_seconds} s")
        time.sleep(0.05)


def timed_get(session, url: str, **kwargs) -> tuple[requests.Response | None, float]:
    """GET with a short timeout; (None, elapsed) when it did not answer in time."""
    started = time.monotonic()
    try:
        answer = session.get(url, timeout=QUICK * 4, **kwargs)
    except requests.RequestException:
        answer = None
    return answer, time.monotonic() - started


@pytest.fixture(scope="module")
def postgres():
    pg = Postgres()
    pg.start()
    yield pg
    pg.destroy()


@pytest.fixture(scope="module")
def chat_mirror(postgres, tmp_path_factory):
    _require(CHAT_MIRROR_BIN, "chat-mirror")
    data_dir = tmp_path_factory.mktemp("outage-data")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": postgres.url, "CHAT_MIRROR_ADMIN_PASSWORD": PASSWORD}
    log_path = data_dir / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(CHAT_MIRROR_BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(data_dir))
    base = f"http://127.0.0.1:{port}"

    def ready():
        if proc.poll() is not None:
            pytest.fail("chat-mirror exited:\n" + log_path.read_text(errors="replace")[-4000:])
        answer, _ = timed_get(requests, base + "/readyz")
        return answer is not None and answer.status_code == 200

    wait_until("chat-mirror ready", ready, 60)
    yield base, AdminClient(base, "admin", PASSWORD)
    _stop(proc)


def readyz(base: str) -> tuple[int | None, float]:
    answer, elapsed = timed_get(requests, base + "/readyz")
    return (answer.status_code if answer is not None else None), elapsed


def assert_unavailable(answer: requests.Response | None, elapsed: float, what: str) -> None:
    assert answer is not None, f"{what}: no answer within {QUICK * 4} s"
    assert answer.status_code == 503, f"{what}: {answer.status_code} {answer.text}"
    assert answer.json()["error"]["code"] == "not_ready", answer.text
    assert answer.headers.get("Retry-After", "").isdigit(), answer.headers
    assert elapsed < QUICK, f"{what} took {elapsed:.2f} s"


def wait_for_outage(base: str, what: str) -> None:
    """Polls /readyz until it says 503; every answer on the way must come quickly."""
    started = time.monotonic()
    slowest = 0.0

    def not_ready():
        nonlocal slowest
        status, elapsed = readyz(base)
        slowest = max(slowest, elapsed)
        assert status is not None and elapsed < QUICK, f"/readyz took {elapsed:.2f} s ({what})"
        return status == 503
    wait_until(f"/readyz 503 ({what})", not_ready, 15)
    print(f"\n{what}: /readyz said 503 {(time.monotonic() - started) * 1000:.0f} ms after the outage began; "
          f"its slowest answer took {slowest * 1000:.0f} ms")


def wait_for_recovery(base: str, admin: AdminClient) -> None:
    wait_until("/readyz 200 after recovery", lambda: readyz(base)[0] == 200, RECOVERY)
    wait_until("API 200 after recovery",
               lambda: (timed_get(admin.session, base + "/api/admin/users")[0] or requests.Response()).status_code == 200,
               RECOVERY)


def test_a_stopped_database_is_a_quick_503_and_recovery_is_automatic(postgres, chat_mirror):
    base, admin = chat_mirror
    # set-up: the service works
    assert admin.session.get(base + "/api/admin/users", timeout=10).status_code == 200

    # act: the database goes away
    postgres.stop()

    # check: readiness and requests say so at once
    wait_for_outage(base, "PostgreSQL stopped")
    answer, took = timed_get(admin.session, base + "/api/admin/users")
    assert_unavailable(answer, took, "an API request with PostgreSQL stopped")
    answer, took = timed_get(requests, base + "/v1/models", headers={"Authorization": "Bearer cm-not-checked"})
    assert_unavailable(answer, took, "a /v1 request with PostgreSQL stopped")
    assert answer.json()["error"]["type"] == "api_error", answer.text

    # act + check: the database comes back, and so does the service, by itself
    postgres.start()
    wait_for_recovery(base, admin)


def test_a_frozen_database_is_a_quick_503_and_thawing_recovers(postgres, chat_mirror):
    base, admin = chat_mirror
    # set-up: the service works (and holds a pooled connection to a backend)
    wait_for_recovery(base, admin)

    # act: every PostgreSQL process stops in its tracks (connections stay open, nothing answers)
    frozen = postgres.processes()
    postgres.signal_all(signal.SIGSTOP, frozen)
    try:
        # check: readiness still answers, quickly, and says not ready
        wait_for_outage(base, "PostgreSQL frozen")
    finally:
        postgres.signal_all(signal.SIGCONT, frozen)

    # check: thawed, it serves again by itself
    wait_for_recovery(base, admin)
