#!/usr/bin/env bash
# Runs every benchmark of docs/benchmarks.md in one session: our server (Release build, defaults) and a
# redis-server side by side, driven by the same load generator. Prints each run's summary and collects the
# JSON lines in $OUT (default bench-results.jsonl). Needs redis-server on PATH. Usage:
#   PubSub.Bench/run-suite.sh                 # everything (about 15 minutes)
#   PubSub.Bench/run-suite.sh fanout          # only the scenarios whose name contains "fanout"
#   TRANSPORTS="ws redis" PubSub.Bench/run-suite.sh   # only these transports
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench-results.jsonl}
PORT=${PORT:-8000}
REDIS_PORT=${REDIS_PORT:-6390}
ONLY=${1:-}
ulimit -n "$(ulimit -Hn)"  # 10,000 connections need as many descriptors

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

# scenario NAME "TRANSPORTS" ARGS...: one fresh server and redis-server, each transport warmed up for 15 s with the
# same load (JIT tiering), then REPEAT measured rounds that take the transports in turn, so that the machine's
# drift over the session hits every transport alike. Labels are NAME#ROUND.
scenario() {
  local name=$1; shift
  local transports=() t
  for t in $1; do
    if [ -z "${TRANSPORTS:-}" ] || [[ " $TRANSPORTS " == *" $t "* ]]; then transports+=("$t"); fi
  done
  shift
  if [ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]]; then return 0; fi
  [ ${#transports[@]} -gt 0 ] || return 0
  start_all
  if [[ "$1" == fanout || "$1" == slowconsumer ]]; then
    for t in "${transports[@]}"; do
      "${BENCH[@]}" fanout "${@:2}" --transport "$t" $(target "$t") --duration 15s --no-progress --json >/dev/null 2>&1 || true
    done
  fi
  local rounds=${REPEAT:-3}
  [[ "$1" == fanout ]] || rounds=1
  for r in $(seq "$rounds"); do
    for t in "${transports[@]}"; do
      echo "== $name#$r ($t)"
      "${BENCH[@]}" "$@" --transport "$t" $(target "$t") --server-pid "$(pid_of "$t")" --label "$name#$r" --no-progress --json 2>&1 >>"$OUT" | grep -v '^$' || true
    done
  done
}

target() { if [ "$1" = redis ]; then echo "--redis 127.0.0.1:$REDIS_PORT"; else echo "--url $URL"; fi; }
pid_of() { if [ "$1" = redis ]; then echo "$redis_pid"; else echo "$server_pid"; fi; }

: >"$OUT"
scenario fanout-1x100x1 "ws hub-json hub-msgpack redis" fanout --publishers 1 --subscribers 100 --topics 1
scenario fanout-rate5000-x100 "ws redis" fanout --publishers 1 --subscribers 100 --topics 1 --rate 5000
scenario fanout-10x10x10 "ws redis" fanout --publishers 10 --subscribers 100 --topics 10
scenario slowconsumer "ws redis" slowconsumer --publishers 1 --subscribers 20 --topics 1 --rate 5000
# Memory per connection: a fresh server for each transport.
for t in ws hub-msgpack redis; do scenario connections-10000 "$t" connections --count 10000; done
echo "results: $OUT"
