#!/usr/bin/env bash
# The benchmark of issue 8 (and issue 5's quota admission numbers): builds release binaries, starts the mock
# upstream, nginx (plain reverse proxy), LiteLLM proxy (pinned) and ChatMirror with its features on, runs
# interleaved rounds against all four, and prints one table of medians (min-max) with every target met/missed.
# Not part of the test suite. Method and latest numbers: docs/benchmarks.md.
#
#   scripts/bench.sh [--quick] [--rounds N] [--soak-seconds S] [--no-litellm] [--no-postgres] [--profile] [--rev REV]
#
# --rev REV builds ChatMirror from that commit (exported to .build-bench-src/) instead of the working tree.
# Everything listens on 127.0.0.1 on free ports; everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

LITELLM_VERSION=1.82.6   # pinned; never 1.82.7 or 1.82.8 (withdrawn after a compromise)
QUICK=0
ROUNDS=3
SOAK=600
WITH_LITELLM=1
WITH_POSTGRES=1
PROFILE=0
REV=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; ROUNDS=1; SOAK=60 ;;
    --rounds) ROUNDS=$2; shift ;;
    --soak-seconds) SOAK=$2; shift ;;
    --no-litellm) WITH_LITELLM=0 ;;
    --no-postgres) WITH_POSTGRES=0 ;;
    --profile) PROFILE=1 ;;
    --rev) REV=$2; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || { echo "bench.sh: --rounds 1-20" >&2; exit 2; }
[ "$SOAK" -ge 10 ] && [ "$SOAK" -le 7200 ] || { echo "bench.sh: --soak-seconds 10-7200" >&2; exit 2; }

# Seconds per measurement (quick mode for iteration, full for the numbers in docs/benchmarks.md).
if [ $QUICK = 1 ]; then
  T_LAT=4; T_THR=5; T_STREAM_A=4; T_STREAM_B=7; T_LEVEL=4; T_IDLE=15; T_WEB=4; T_ADMIT=5
  STREAM_LEVELS="256 512 768"
else
  T_LAT=10; T_THR=10; T_STREAM_A=8; T_STREAM_B=13; T_LEVEL=6; T_IDLE=60; T_WEB=10; T_ADMIT=10
  STREAM_LEVELS="128 256 512 768 1024"
fi
IDLE_STREAMS=8000
OUT=$ROOT/bench-results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl

log() { printf '== %s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- what a fresh Debian 12 machine lacks
need_apt=()
command -v nginx >/dev/null 2>&1 || need_apt+=(nginx-light)
[ $WITH_POSTGRES = 0 ] || [ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql)
[ $PROFILE = 0 ] || command -v strace >/dev/null 2>&1 || need_apt+=(strace)
[ $PROFILE = 0 ] || command -v perf >/dev/null 2>&1 || need_apt+=(linux-perf)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
CACHE=${BENCH_CACHE:-/var/tmp/chat-mirror-bench}
VENV=$CACHE/venv-litellm-$LITELLM_VERSION
if [ $WITH_LITELLM = 1 ] && [ ! -x "$VENV/bin/litellm" ]; then
  log "installing litellm[proxy]==$LITELLM_VERSION into $VENV"
  mkdir -p "$CACHE"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "litellm[proxy]==$LITELLM_VERSION"
fi

# ---------------------------------------------------------------- release builds (own scratch paths)
SOURCE=$ROOT
if [ -n "$REV" ]; then
  SOURCE=$ROOT/.build-bench-src
  rm -rf "$SOURCE"; mkdir -p "$SOURCE"
  git archive "$REV" | tar -x -C "$SOURCE"
  [ -f Package.resolved ] && cp Package.resolved "$SOURCE/"
fi
log "building release binaries from ${REV:-the working tree} ($(git rev-parse --short "${REV:-HEAD}"))"
quiet() { "$@" >>"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log" >&2; exit 1; }; }
quiet bash -c "cd '$SOURCE' && swift build -c release --scratch-path '$ROOT/.build-release' --product chat-mirror"
quiet bash -c "cd '$SOURCE' && swift build -c release --scratch-path '$ROOT/.build-release' --product mock-upstream"
quiet bash -c "cd Benchmarks && swift build -c release --product bench-load"
BIN=$(cd "$SOURCE" && swift build -c release --scratch-path "$ROOT/.build-release" --show-bin-path)
LOAD=$ROOT/Benchmarks/.build/release/bench-load

# ---------------------------------------------------------------- process bookkeeping
WORK=$(mktemp -d /tmp/chat-mirror-bench.XXXXXX)
PIDS=()
PGDATA_DIR=""
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  if [ -n "$PGDATA_DIR" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDATA_DIR/data" -m fast stop >/dev/null 2>&1
  fi
  mkdir -p "$OUT/logs"
  for f in "$WORK"/*.log "$WORK"/*/log "$WORK"/nginx/error.log; do
    [ -f "$f" ] && cp "$f" "$OUT/logs/$(echo "${f#$WORK/}" | tr / _)"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL SECONDS
  for _ in $(seq 1 $(($2 * 10))); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench.sh: $1 did not answer in $2 s" >&2; return 1
}
# All threads of a process and its children onto one CPU.
pin() { # CPU PID...
  local cpu=$1; shift
  for pid in "$@"; do
    for p in $pid $(pgrep -P "$pid" || true); do taskset -a -p -c "$cpu" "$p" >/dev/null; done
  done
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
record() { echo "$1" >>"$RESULTS"; } # a JSON line

# ---------------------------------------------------------------- the peers
MOCK_PORT=$(free_port)
"$BIN/mock-upstream" --port "$MOCK_PORT" --chunks 8 --chunk-delay-ms 0 >"$WORK/mock.log" 2>&1 &
MOCK_PID=$!; PIDS+=($MOCK_PID)
wait_http "http://127.0.0.1:$MOCK_PORT/v1/models" 30
MOCK=http://127.0.0.1:$MOCK_PORT

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
error_log $WORK/nginx/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 40000; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  upstream mock { server 127.0.0.1:$MOCK_PORT; keepalive 256; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" -g 'daemon off; worker_rlimit_nofile 65536;' &
NGINX_PID=$!; PIDS+=($NGINX_PID)
wait_http "http://127.0.0.1:$NGINX_PORT/v1/models" 30

LITELLM_PORT=$(free_port)
if [ $WITH_LITELLM = 1 ]; then
  cat >"$WORK/litellm.yaml" <<EOF
model_list:
  - model_name: mock-gpt
    litellm_params:
      model: openai/mock-gpt
      api_base: $MOCK/v1
      api_key: sk-mock
litellm_settings:
  callbacks: []
  success_callback: []
  failure_callback: []
  telemetry: false
EOF
  (cd "$WORK" && exec env -u DATABASE_URL LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOG=ERROR \
    "$VENV/bin/litellm" --config "$WORK/litellm.yaml" --host 127.0.0.1 --port "$LITELLM_PORT" --num_workers 1 \
    >"$WORK/litellm.log" 2>&1) &
  LITELLM_PID=$!; PIDS+=($LITELLM_PID)
  wait_http "http://127.0.0.1:$LITELLM_PORT/health/liveliness" 180
fi

# ChatMirror: SQLite, ledger on (always), API keys on /v1, limits at all four levels, a pool of two accounts.
start_chat_mirror() { # NAME PORT [DATABASE_URL]
  local dir=$WORK/$1
  mkdir -p "$dir"
  env CHAT_MIRROR_ADMIN_PASSWORD=bench-admin-password CHAT_MIRROR_MASTER_KEY="$MASTER_KEY" LOG_LEVEL=warning \
    ${3:+DATABASE_URL=$3} "$BIN/chat-mirror" serve --port "$2" --data-dir "$dir" >"$dir/log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
  wait_http "http://127.0.0.1:$2/readyz" 60
}
MASTER_KEY=$(python3 -c 'import os,base64; print(base64.b64encode(os.urandom(32)).decode())')
CM_PORT=$(free_port)
start_chat_mirror cm "$CM_PORT"
CM_PID=$LAST_PID
WEB_CONVERSATIONS=4
SETUP=$(python3 scripts/bench/setup.py "http://127.0.0.1:$CM_PORT" bench-admin-password "$MOCK/v1" $WEB_CONVERSATIONS)
echo "$SETUP" >"$OUT/setup.json"
KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$SETUP")
COOKIE=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["cookie"])' <<<"$SETUP")
CSRF=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])' <<<"$SETUP")
mapfile -t CONVERSATIONS < <(python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["conversations"]))' <<<"$SETUP")
sleep 2
record "{\"label\": \"test=rss_idle target=chatmirror\", \"rss_kib\": $(rss_kib "$CM_PID")}"
log "ChatMirror ready (pid $CM_PID), quota levels for the user: $(python3 -c 'import json,sys; print(json.load(sys.stdin)["user_levels"])' <<<"$SETUP")"

# ---------------------------------------------------------------- what each target is
declare -A URL PIDOF AUTH
URL[direct]=$MOCK/v1/chat/completions;                       PIDOF[direct]=$MOCK_PID; AUTH[direct]="Authorization: Bearer sk-mock"
URL[nginx]=http://127.0.0.1:$NGINX_PORT/v1/chat/completions; PIDOF[nginx]="$NGINX_PID,$(pgrep -P $NGINX_PID | paste -sd,)"; AUTH[nginx]="Authorization: Bearer sk-mock"
URL[chatmirror]=http://127.0.0.1:$CM_PORT/v1/chat/completions; PIDOF[chatmirror]=$CM_PID; AUTH[chatmirror]="Authorization: Bearer $KEY"
URL[litellm]=http://127.0.0.1:$LITELLM_PORT/v1/chat/completions; AUTH[litellm]="Authorization: Bearer sk-none"
[ $WITH_LITELLM = 1 ] && PIDOF[litellm]=$(echo $LITELLM_PID $(pgrep -P $LITELLM_PID) | tr " " ,)
TARGETS="direct nginx chatmirror"
[ $WITH_LITELLM = 1 ] && TARGETS="$TARGETS litellm"
SERVER_PIDS="$MOCK_PID $NGINX_PID $CM_PID ${LITELLM_PID:-}"

# A fresh ChatMirror process on the same data (same port, key, sessions) before each phase, so a phase does not
# inherit the backlog an earlier one left (requests queued or still draining).
restart_chat_mirror() {
  kill "$CM_PID"
  for _ in $(seq 1 200); do kill -0 "$CM_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$CM_PID" 2>/dev/null || true
  local dir=$WORK/cm
  env CHAT_MIRROR_ADMIN_PASSWORD=bench-admin-password CHAT_MIRROR_MASTER_KEY="$MASTER_KEY" LOG_LEVEL=warning \
    "$BIN/chat-mirror" serve --port "$CM_PORT" --data-dir "$dir" >>"$dir/log" 2>&1 &
  CM_PID=$!; PIDS+=($CM_PID)
  wait_http "http://127.0.0.1:$CM_PORT/readyz" 60
  PIDOF[chatmirror]=$CM_PID
  SERVER_PIDS="$MOCK_PID $NGINX_PID $CM_PID ${LITELLM_PID:-}"
}

body() { # STREAM(true|false) DIRECTIVES
  printf '{"model":"mock-gpt","stream":%s,"messages":[{"role":"user","content":"%s hello"}]}' "$1" "$2"
}
BODY_PLAIN=$(body false "")
# A reply of 4 characters per chunk, so the mock splits it into exactly the asked number of chunks; the pieces
# differ ("000 ", "001 ", ...) because LiteLLM aborts a stream that repeats one chunk 100 times.
reply() { printf '[[mock:reply=%s]]' "$(printf '%03d ' $(seq 0 $(($1 - 1))))"; }
BODY_A=$(body true "[[mock:chunks=64]][[mock:delay_ms=20]][[mock:ttft_ms=0]]$(reply 64)")
BODY_B=$(body true "[[mock:chunks=200]][[mock:delay_ms=30]][[mock:ttft_ms=300]]$(reply 200)")

load() { # CPU LABEL bench-load args...  (appends the JSON result)
  local cpu=$1 label=$2; shift 2
  local line
  line=$(taskset -c "$cpu" "$LOAD" "$@" --label "$label") || { echo "bench.sh: bench-load failed for $label" >&2; return 1; }
  record "$line"
  printf '%s\n' "$line" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("   %-45s done=%s /s=%.0f errors=%s p50=%s ttft50=%s stalls=%s" % (r["label"], r["completed"], r["per_second"], r["errors"], r.get("latency_p50_us"), r.get("ttft_p50_us"), r["stalls"]))' >&2
}
all_on_cpu0() { pin 0 $SERVER_PIDS; }
server_on_cpu1() { all_on_cpu0; pin 1 ${PIDOF[$1]//,/ }; }

# ---------------------------------------------------------------- interleaved rounds
for round in $(seq 1 "$ROUNDS"); do
  log "round $round of $ROUNDS"
  [ "$round" = 1 ] || restart_chat_mirror
  for target in $TARGETS; do
    url=${URL[$target]}
    auth=${AUTH[$target]}
    all_on_cpu0
    load 0 "round=$round test=latency target=$target" request --url "$url" --header "$auth" --body "$BODY_PLAIN" \
      --connections 1 --warmup 1 --duration $T_LAT
    load 0 "round=$round test=stream_a target=$target" stream --url "$url" --header "$auth" --body "$BODY_A" \
      --connections 8 --warmup 1.5 --duration $T_STREAM_A --interval-ms 20 --expect-chunks 64
    load 0 "round=$round test=stream_b target=$target" stream --url "$url" --header "$auth" --body "$BODY_B" \
      --connections 8 --warmup 1 --duration $T_STREAM_B --interval-ms 30 --expect-chunks 200
    server_on_cpu1 "$target"
    load 0 "round=$round test=throughput target=$target" request --url "$url" --header "$auth" --body "$BODY_PLAIN" \
      --connections 64 --warmup 2 --duration $T_THR --pid "${PIDOF[$target]}"
  done
  # The web path: cookie + CSRF, history saved (ChatMirror only; one connection per conversation).
  all_on_cpu0
  WEB_BODY="{\"content\":\"[[mock:chunks=8]][[mock:delay_ms=0]]$(reply 8)\"}"
  web_urls=()
  for id in "${CONVERSATIONS[@]}"; do web_urls+=(--url "http://127.0.0.1:$CM_PORT/api/conversations/$id/messages"); done
  load 0 "round=$round test=web_latency target=chatmirror" stream "${web_urls[@]:0:2}" --header "Cookie: $COOKIE" \
    --header "X-CSRF-Token: $CSRF" --body "$WEB_BODY" \
    --connections 1 --warmup 1 --duration $T_WEB --expect-chunks 8
  server_on_cpu1 chatmirror
  load 0 "round=$round test=web_throughput target=chatmirror" stream "${web_urls[@]}" --header "Cookie: $COOKIE" \
    --header "X-CSRF-Token: $CSRF" --body "$WEB_BODY" \
    --connections $WEB_CONVERSATIONS --warmup 1 --duration $T_WEB --expect-chunks 8 --pid "$CM_PID"
done

# History saved: every turn the web runs completed is in the store, user and assistant messages, complete.
python3 - "http://127.0.0.1:$CM_PORT" "$COOKIE" "${CONVERSATIONS[@]}" >>"$RESULTS" <<'EOF'
import json, sys, urllib.request
base, cookie, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
messages = complete = 0
for cid in ids:
    req = urllib.request.Request(f"{base}/api/conversations/{cid}", headers={"Cookie": cookie})
    conv = json.load(urllib.request.urlopen(req, timeout=30))
    messages += len(conv["messages"])
    complete += sum(1 for m in conv["messages"] if m["status"] == "complete")
print(json.dumps({"label": "test=web_history target=chatmirror", "messages": messages, "complete": complete}))
EOF

# ---------------------------------------------------------------- most concurrent streams without a stall
log "concurrent streams at 50 chunks/s (64 x 20 ms): $STREAM_LEVELS"
for level in $STREAM_LEVELS; do
  restart_chat_mirror
  for target in direct chatmirror; do
    server_on_cpu1 "$target"
    load 0 "test=streams_$level target=$target" stream --url "${URL[$target]}" --header "${AUTH[$target]}" \
      --body "$BODY_A" --connections "$level" --warmup 1.5 --duration $T_LEVEL --interval-ms 20 --expect-chunks 64 \
      --grace 20
  done
done

# ---------------------------------------------------------------- memory: idle, per idle stream, soak
restart_chat_mirror
all_on_cpu0
sleep 2
record "{\"label\": \"test=rss_before_idle target=chatmirror\", \"rss_kib\": $(rss_kib "$CM_PID")}"
log "idle streams: $IDLE_STREAMS at 1 chunk/s for $T_IDLE s"
server_on_cpu1 chatmirror
IDLE_BODY=$(body true "[[mock:chunks=$((T_IDLE + 60))]][[mock:delay_ms=1000]]")
load 0 "test=idle_streams target=chatmirror" idle --url "${URL[chatmirror]}" --header "${AUTH[chatmirror]}" \
  --body "$IDLE_BODY" --connections $IDLE_STREAMS --ramp-per-second 1000 --warmup 4 --duration $T_IDLE \
  --interval-ms 1000 --pid "$CM_PID"
sleep 5
record "{\"label\": \"test=rss_after_idle target=chatmirror\", \"rss_kib\": $(rss_kib "$CM_PID")}"

restart_chat_mirror
log "soak: $SOAK s of streaming and plain requests"
server_on_cpu1 chatmirror
(
  for _ in $(seq 1 $((SOAK / 5 + 2))); do
    [ -f "$WORK/soak.done" ] && break
    echo "$(date +%s) $(rss_kib "$CM_PID")" >>"$OUT/soak-rss.txt"
    sleep 5
  done
) &
SAMPLER=$!
taskset -c 0 "$LOAD" request --url "${URL[chatmirror]}" --header "${AUTH[chatmirror]}" --body "$BODY_PLAIN" \
  --connections 8 --warmup 0 --duration "$SOAK" --label "test=soak_requests target=chatmirror" >>"$RESULTS" &
SOAK_REQUESTS=$!
load 0 "test=soak_streams target=chatmirror" stream --url "${URL[chatmirror]}" --header "${AUTH[chatmirror]}" \
  --body "$BODY_A" --connections 64 --warmup 0 --duration "$SOAK" --interval-ms 20 --expect-chunks 64
wait $SOAK_REQUESTS
touch "$WORK/soak.done"
wait $SAMPLER || true
sleep 10
record "{\"label\": \"test=rss_after_soak target=chatmirror\", \"rss_kib\": $(rss_kib "$CM_PID")}"

# The web path's own soak: web turns one after another (history saved; conversations created and deleted as it
# goes), RSS sampled every 500 turns; the slope over the second half says whether memory rises with each turn.
restart_chat_mirror
log "web soak: $SOAK s of web turns"
server_on_cpu1 chatmirror
taskset -c 0 python3 scripts/bench/web_soak.py "http://127.0.0.1:$CM_PORT" "$COOKIE" "$CSRF" "$CM_PID" \
  --seconds "$SOAK" --sample-every 500 | tee -a "$OUT/soak-web-rss.txt" | grep -v ' sample"' >>"$RESULTS"

# ---------------------------------------------------------------- quota admissions per second (issue 5)
restart_chat_mirror
log "admissions per second, four quota levels, SQLite and PostgreSQL"
pin 0,1 $SERVER_PIDS
quota_rows() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("SELECT COUNT(*) FROM quota_events").fetchone()[0])' "$1"; }
record "{\"label\": \"test=quota_rows_before_admit target=chatmirror\", \"rows\": $(quota_rows "$WORK/cm/chat-mirror.sqlite")}"
load 0,1 "test=admit_sqlite_1 target=chatmirror" request --url "${URL[chatmirror]}" --header "${AUTH[chatmirror]}" \
  --body "$BODY_PLAIN" --connections 64 --warmup 2 --duration $T_ADMIT --pid "$CM_PID"
# The same on a fresh database (no quota history yet), to show what the history costs.
FRESH_PORT=$(free_port); start_chat_mirror fresh "$FRESH_PORT"; FRESH_PID=$LAST_PID
FRESH_SETUP=$(python3 scripts/bench/setup.py "http://127.0.0.1:$FRESH_PORT" bench-admin-password "$MOCK/v1" 1)
FRESH_KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$FRESH_SETUP")
load 0,1 "test=admit_sqlite_fresh target=chatmirror" request --url "http://127.0.0.1:$FRESH_PORT/v1/chat/completions" \
  --header "Authorization: Bearer $FRESH_KEY" --body "$BODY_PLAIN" --connections 64 --warmup 2 --duration $T_ADMIT \
  --pid "$FRESH_PID"
kill "$FRESH_PID"
if [ $WITH_POSTGRES = 1 ]; then
  PGDATA_DIR=$(mktemp -d /tmp/chat-mirror-bench-pg.XXXXXX); chown postgres "$PGDATA_DIR"
  PG_PORT=$(free_port)
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$PGDATA_DIR/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDATA_DIR/data" \
    -o "-p $PG_PORT -k $PGDATA_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" -l "$PGDATA_DIR/log" -w start >/dev/null
  PG_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres
  PG1_PORT=$(free_port); start_chat_mirror pg1 "$PG1_PORT" "$PG_URL"; PG1_PID=$LAST_PID
  PG2_PORT=$(free_port); start_chat_mirror pg2 "$PG2_PORT" "$PG_URL"; PG2_PID=$LAST_PID
  PG_SETUP=$(python3 scripts/bench/setup.py "http://127.0.0.1:$PG1_PORT" bench-admin-password "$MOCK/v1" 1)
  PG_KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$PG_SETUP")
  load 0,1 "test=admit_postgres_1 target=chatmirror" request --url "http://127.0.0.1:$PG1_PORT/v1/chat/completions" \
    --header "Authorization: Bearer $PG_KEY" --body "$BODY_PLAIN" --connections 64 --warmup 2 --duration $T_ADMIT \
    --pid "$PG1_PID"
  load 0,1 "test=admit_postgres_2 target=chatmirror" request --url "http://127.0.0.1:$PG1_PORT/v1/chat/completions" \
    --url "http://127.0.0.1:$PG2_PORT/v1/chat/completions" --header "Authorization: Bearer $PG_KEY" \
    --body "$BODY_PLAIN" --connections 64 --warmup 2 --duration $T_ADMIT --pid "$PG1_PID,$PG2_PID"
fi

# ---------------------------------------------------------------- the table
{
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/ {print $2}') GB;" \
    "$(uname -sr); $(swift --version 2>/dev/null | head -1); nginx $(nginx -v 2>&1 | cut -d/ -f2); litellm $LITELLM_VERSION"
  echo "mode: $([ $QUICK = 1 ] && echo quick || echo full), rounds $ROUNDS, soak $SOAK s;" \
    "ChatMirror $(git rev-parse --short "${REV:-HEAD}")$([ -z "$REV" ] && [ -n "$(git status --porcelain -- Sources Package.swift)" ] && echo ' + uncommitted changes')"
  python3 scripts/bench/report.py "$RESULTS" "$OUT/soak-rss.txt"
} | tee "$OUT/table.md"
log "results in $OUT"

if [ $PROFILE = 1 ]; then
  bash scripts/bench/profile.sh "$BIN" "$LOAD" "$MOCK" "$OUT"
fi
