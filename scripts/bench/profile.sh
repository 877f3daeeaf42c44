#!/usr/bin/env bash
# Where ChatMirror's time goes on the /v1 hot path: runs a fresh ChatMirror (SQLite, the same setup as the
# benchmark), warms it up, then samples it with `perf record -e cpu-clock` (software clock: this machine's
# perf has no hardware counters, and valgrind 3.19 crashes on Swift 6 binaries) while one connection sends
# plain /v1 requests back to back, and counts its system calls per request with strace. Writes profile.md.
# Called by scripts/bench.sh --profile; standalone: profile.sh BIN_DIR BENCH_LOAD MOCK_URL OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$1 LOAD=$2 MOCK=$3 OUT=$4
for tool in perf strace; do
  command -v $tool >/dev/null || { echo "profile.sh: $tool is needed (apt-get install linux-perf strace)" >&2; exit 1; }
done
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
env CHAT_MIRROR_ADMIN_PASSWORD=bench-admin-password LOG_LEVEL=warning \
  "$BIN/chat-mirror" serve --port "$PORT" --data-dir "$WORK/data" >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { tail -5 "$WORK/log" >&2; exit 1; }
  sleep 0.2
done
SETUP=$(python3 scripts/bench/setup.py "http://127.0.0.1:$PORT" bench-admin-password "$MOCK/v1" 1)
KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$SETUP")
URL=http://127.0.0.1:$PORT/v1/chat/completions
PLAIN='{"model":"mock-gpt","stream":false,"messages":[{"role":"user","content":"hello"}]}'
run() { # SECONDS -> completed requests
  "$LOAD" request --url "$URL" --header "Authorization: Bearer $KEY" --body "$PLAIN" --connections 1 --warmup 0 \
    --duration "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["completed"])'
}
quota_rows() {
  python3 -c 'import sqlite3,sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM quota_events").fetchone()[0])' "$WORK/data/chat-mirror.sqlite"
}

run 5 >/dev/null # warm-up
{
  echo "ChatMirror $(git rev-parse --short HEAD), fresh SQLite database, one connection of plain /v1 requests."
  echo
  # Latency as the quota history grows: every admission sums its window's rows in quota_events.
  echo "| quota_events rows before | requests/s at c=1 over 5 s |"
  echo "|---|---|"
  for _ in 1 2 3 4 5 6; do
    rows=$(quota_rows)
    echo "| $rows | $(( $(run 5) / 5 )) |"
  done
  echo
} >"$OUT/profile.md"

# CPU samples (4 kHz software clock) with call graphs while requests run.
perf record -q -e cpu-clock -F 4000 -g -p "$PID" -o "$WORK/perf.data" -- sleep 15 2>/dev/null &
PERF=$!
sleep 0.5
count=$(run 14)
wait $PERF || true
set +o pipefail # the reports below are cut with head
samples=$(perf report -i "$WORK/perf.data" --stdio --sort dso 2>/dev/null | awk '/^# Samples:/ {print $3}')
{
  echo "perf: $count requests in 14 s, $samples samples at 4 kHz (one sample = 250 µs of CPU)."
  echo
  echo '```'
  echo "by library (self):"
  perf report -i "$WORK/perf.data" --stdio --no-children --sort dso -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
  echo
  echo "by function, self time (top 40):"
  perf report -i "$WORK/perf.data" --stdio --no-children --sort symbol -g none 2>/dev/null | grep -v '^#' \
    | grep -v '^$' | head -40 | swift demangle --simplified | cut -c1-200
  echo
  echo "by function, including callees (top 60):"
  perf report -i "$WORK/perf.data" --stdio --children --sort symbol -g none 2>/dev/null | grep -v '^#' \
    | grep -v '^$' | head -60 | swift demangle --simplified | cut -c1-200
  echo '```'
  echo
} >>"$OUT/profile.md"

# System calls per request: thread hops (futex), SQLite I/O (pread/pwrite), sockets.
timeout 30 strace -c -f -q -p "$PID" -o "$WORK/strace.txt" &
STRACE=$!
sleep 1
count=$(run 10)
kill -INT $STRACE 2>/dev/null || true
wait $STRACE 2>/dev/null || true
{
  echo "strace -c -f: $count requests in 10 s (strace slows the process; the counts are what matters)."
  echo
  echo '```'
  python3 - "$WORK/strace.txt" "$count" <<'EOF'
import sys
path, count = sys.argv[1], max(1, int(sys.argv[2]))
print(f"{'syscall':<18}{'calls':>10}{'per request':>14}")
for line in open(path):
    parts = line.split()
    if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] not in ("total",):
        calls = int(parts[3])
        print(f"{parts[-1]:<18}{calls:>10}{calls / count:>14.1f}")
EOF
  echo '```'
} >>"$OUT/profile.md"
echo "profile written to $OUT/profile.md" >&2
