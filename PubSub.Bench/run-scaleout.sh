#!/usr/bin/env bash
# The scale-out figures of docs/benchmarks.md in one session: the Redis engine (two nodes on one redis-server,
# connections split between them), the in-memory engine (one node) and redis-server's own PUBLISH/SUBSCRIBE,
# driven by the same load generator in alternating rounds. JSON lines go to $OUT (default bench-scaleout.jsonl).
# Needs redis-server on PATH. Usage:
#   PubSub.Bench/run-scaleout.sh              # everything (about 8 minutes)
#   PubSub.Bench/run-scaleout.sh 10x10        # only the scenarios whose name contains "10x10"
#   PubSub.Bench/run-scaleout.sh idem         # keyed (idempotency_key) beside unkeyed publishes, both engines
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench-scaleout.jsonl}
MEM_PORT=${MEM_PORT:-8100}
A_PORT=${A_PORT:-8101}
B_PORT=${B_PORT:-8102}
REDIS_PORT=${REDIS_PORT:-6391}
DURATION=${DURATION:-10s}
# Every node (in memory too, for a fair comparison) gets a deeper queue than the default 1000 frames: over Redis
# events reach a node in bursts, and at the default a 100 ms stall of the machine overflows a subscriber (DropOldest).
export PubSub__Queue__Capacity=${QUEUE_CAPACITY:-10000}
ONLY=${1:-}

dotnet build -c Release PubSub.Server/PubSub.Server.csproj -v q -nologo >/dev/null
dotnet build -c Release PubSub.Bench/PubSub.Bench.csproj -v q -nologo >/dev/null
BENCH=(dotnet PubSub.Bench/bin/Release/net10.0/PubSub.Bench.dll)
SERVER=PubSub.Server/bin/Release/net10.0/PubSub.Server.dll

pids=()
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  pids=()
}
trap stop_all EXIT

# Fresh processes for every scenario: redis-server (no persistence: the figure is the engine's, not the disk's),
# one in-memory node and two Redis-engine nodes.
start_all() {
  stop_all
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --maxclients 20000 >/dev/null 2>&1 &
  redis_pid=$!; pids+=("$redis_pid")
  Logging__LogLevel__Default=Warning dotnet "$SERVER" --urls "http://127.0.0.1:$MEM_PORT" >/dev/null 2>&1 &
  mem_pid=$!; pids+=("$mem_pid")
  for port in "$A_PORT" "$B_PORT"; do
    Logging__LogLevel__Default=Warning PubSub__Redis__Configuration="127.0.0.1:$REDIS_PORT" \
      dotnet "$SERVER" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
    pids+=("$!")
  done
  a_pid=${pids[2]}; b_pid=${pids[3]}
  for _ in $(seq 100); do
    if curl -sf "http://127.0.0.1:$MEM_PORT/health" >/dev/null && curl -sf "http://127.0.0.1:$A_PORT/health" >/dev/null \
      && curl -sf "http://127.0.0.1:$B_PORT/health" >/dev/null && redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "a server or redis-server did not start" >&2; exit 1
}

# The targets, as load-generator arguments; "-keyed" ones put a unique idempotency_key on every publish.
target() {
  case $1 in
    memory) echo "--transport ws --url ws://127.0.0.1:$MEM_PORT/ws --server-pid $mem_pid" ;;
    memory-keyed) echo "$(target memory) --idempotency-keys" ;;
    redis-engine) echo "--transport ws --url ws://127.0.0.1:$A_PORT/ws --node ws://127.0.0.1:$B_PORT/ws --server-pid $a_pid --server-pid $b_pid --store-pid $redis_pid" ;;
    redis-engine-keyed) echo "$(target redis-engine) --idempotency-keys" ;;
    redis) echo "--transport redis --redis 127.0.0.1:$REDIS_PORT --server-pid $redis_pid" ;;
  esac
}

# scenario NAME "TARGETS" ARGS...: warm every target up for 10 s (JIT tiering), then REPEAT rounds that take the
# targets in turn, so the machine's drift over the session hits each alike. Labels are NAME#ROUND:TARGET.
scenario() {
  local name=$1 targets=$2; shift 2
  if [ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]]; then return 0; fi
  start_all
  local t
  for t in $targets; do
    # shellcheck disable=SC2046
    "${BENCH[@]}" "$@" $(target "$t") --duration 10s --no-progress --json >/dev/null 2>&1 || true
  done
  for r in $(seq "${REPEAT:-3}"); do
    for t in $targets; do
      echo "== $name#$r ($t)"
      # shellcheck disable=SC2046
      "${BENCH[@]}" "$@" $(target "$t") --duration "$DURATION" --label "$name#$r:$t" --no-progress --json 2>&1 >>"$OUT" | grep -v '^$' || true
    done
  done
}

: >"$OUT"
scenario scaleout-1x100x1 "memory redis-engine redis" fanout --publishers 1 --subscribers 100 --topics 1
scenario scaleout-10x10x10 "memory redis-engine redis" fanout --publishers 10 --subscribers 100 --topics 10
scenario scaleout-rate1000-x100 "memory redis-engine redis" fanout --publishers 1 --subscribers 100 --topics 1 --rate 1000
# Idempotent publishes: keyed beside unkeyed, same build, same rounds (run with an argument: "idem").
if [ -n "$ONLY" ]; then
  scenario idem-1p-100s-1t "memory memory-keyed redis-engine redis-engine-keyed" fanout --publishers 1 --subscribers 100 --topics 1
  scenario idem-10p-10s-10t "memory memory-keyed redis-engine redis-engine-keyed" fanout --publishers 10 --subscribers 10 --topics 10
fi
echo "results: $OUT"
