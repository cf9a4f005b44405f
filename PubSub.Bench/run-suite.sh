#!/usr/bin/env bash
# Runs every benchmark of docs/benchmarks.md in one session: our server (Release build, defaults) and a
# redis-server side by side, driven by the same load generator. Prints each run's summary and collects the
# JSON lines in $OUT (default bench-results.jsonl). Needs redis-server on PATH. Usage:
#   PubSub.Bench/run-suite.sh                 # everything (about 10 minutes)
#   PubSub.Bench/run-suite.sh fanout          # only the scenarios whose name contains "fanout"
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench-results.jsonl}
PORT=${PORT:-8000}
REDIS_PORT=${REDIS_PORT:-6390}
ONLY=${1:-}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

dotnet build -c Release PubSub.Server/PubSub.Server.csproj -v q -nologo >/dev/null
dotnet build -c Release PubSub.Bench/PubSub.Bench.csproj -v q -nologo >/dev/null
BENCH=(dotnet PubSub.Bench/bin/Release/net10.0/PubSub.Bench.dll)
URL="ws://127.0.0.1:$PORT/ws"

server_pid=""; redis_pid=""
stop_all() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
  server_pid=""; redis_pid=""
}
trap stop_all EXIT

# A fresh server and redis-server for every scenario, so one run's memory does not carry into the next.
start_all() {
  stop_all
  Logging__LogLevel__Default=Warning dotnet PubSub.Server/bin/Release/net10.0/PubSub.Server.dll --urls "http://127.0.0.1:$PORT" >/dev/null 2>&1 &
  server_pid=$!
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --maxclients 20000 >/dev/null 2>&1 &
  redis_pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server or redis-server did not start" >&2; exit 1
}

# run NAME TRANSPORT ARGS...: one measured run; the server gets a 15 s warm-up of the same load first (JIT tiering).
run() {
  local name=$1 transport=$2; shift 2
  if [ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]]; then return 0; fi
  start_all
  local pid=$server_pid target=(--url "$URL")
  if [ "$transport" = redis ]; then pid=$redis_pid; target=(--redis "127.0.0.1:$REDIS_PORT"); fi
  if [ "${WARM:-1}" = 1 ] && [[ "$name" != connections* ]]; then
    "${BENCH[@]}" fanout --transport "$transport" "${target[@]}" "$@" --duration 15s --no-progress --json >/dev/null 2>&1 || true
  fi
  echo "== $name ($transport)"
  "${BENCH[@]}" "$@" --transport "$transport" "${target[@]}" --server-pid "$pid" --label "$name" --no-progress --json 2>&1 >>"$OUT" | grep -v '^$' || true
}

: >"$OUT"
for t in ws hub-json hub-msgpack redis; do run fanout-1x100x1 "$t" fanout --publishers 1 --subscribers 100 --topics 1; done
for t in ws hub-msgpack redis; do run fanout-rate5000-x100 "$t" fanout --publishers 1 --subscribers 100 --topics 1 --rate 5000; done
for t in ws redis; do run fanout-10x10x10 "$t" fanout --publishers 10 --subscribers 100 --topics 10; done
for t in ws redis; do run slowconsumer "$t" slowconsumer --publishers 1 --subscribers 20 --topics 1 --rate 5000; done
for t in ws hub-msgpack redis; do run connections-10000 "$t" connections --count 10000; done
echo "results: $OUT"
