#!/usr/bin/env bash
# Where ChatMirror's time goes on the /v1 hot path: runs a fresh ChatMirror (SQLite, the same setup as the
# benchmark) under valgrind's callgrind, warms it up, zeroes the counters, sends plain (non-streaming) and then
# streaming /v1 requests one at a time, and writes instructions per request plus the top functions.
# Called by scripts/bench.sh --profile; standalone: profile.sh BIN_DIR BENCH_LOAD MOCK_URL OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$1 LOAD=$2 MOCK=$3 OUT=$4
command -v valgrind >/dev/null || { echo "profile.sh: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/chat-mirror-profile.XXXXXX)
PID=""
cleanup() {
  set +e
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env CHAT_MIRROR_ADMIN_PASSWORD=bench-admin-password CHAT_MIRROR_BCRYPT_COST=4 LOG_LEVEL=warning \
  valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out.%p" \
  "$BIN/chat-mirror" serve --port "$PORT" --data-dir "$WORK/data" >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break; sleep 0.5; done
SETUP=$(python3 scripts/bench/setup.py "http://127.0.0.1:$PORT" bench-admin-password "$MOCK/v1" 1)
KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$SETUP")
URL=http://127.0.0.1:$PORT/v1/chat/completions
PLAIN='{"model":"mock-gpt","stream":false,"messages":[{"role":"user","content":"hello"}]}'
STREAM='{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"[[mock:chunks=64]][[mock:delay_ms=0]] hello"}]}'

profile_one() { # NAME BODY
  "$LOAD" request --url "$URL" --header "Authorization: Bearer $KEY" --body "$2" --connections 1 --warmup 0 \
    --duration 15 >/dev/null # warm-up
  callgrind_control -z "$PID" >/dev/null
  local result count
  result=$("$LOAD" request --url "$URL" --header "Authorization: Bearer $KEY" --body "$2" --connections 1 \
    --warmup 0 --duration 30 --grace 60)
  callgrind_control -d "$1" "$PID" >/dev/null
  sleep 2
  count=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["completed"])' <<<"$result")
  local file
  file=$(ls -t "$WORK"/callgrind.out.* | head -1)
  cp "$file" "$OUT/callgrind.$1.out"
  local total
  total=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1; exit}')
  {
    echo "### $1: $count requests, $total instructions, $((total / (count > 0 ? count : 1))) instructions per request"
    echo
    echo '```'
    echo "inclusive (top 45):"
    callgrind_annotate --inclusive=yes --threshold=100 "$file" 2>/dev/null | sed -n '/^--* *$/,$p' | grep -v '^$' \
      | swift demangle --simplified | head -60 | cut -c1-220
    echo
    echo "self (top 30):"
    callgrind_annotate --threshold=100 "$file" 2>/dev/null | sed -n '/^--* *$/,$p' | grep -v '^$' \
      | swift demangle --simplified | head -45 | cut -c1-220
    echo '```'
    echo
  } >>"$OUT/profile.md"
}
: >"$OUT/profile.md"
profile_one plain "$PLAIN"
profile_one stream "$STREAM"
echo "profile written to $OUT/profile.md" >&2
