#!/usr/bin/env bash
# Redis commands per second caused by N open dashboards on one Redis-engine node (docs/benchmarks.md).
# Starts its own redis-server and node from a Release build, creates 5 topics, opens N headless Chromium
# dashboards (one process each: headless Chromium has one target per process), waits for them to settle,
# and counts Redis's total_commands_processed over a window (commands inside scripts included).
#   usage: PubSub.Bench/dashboards-redis-load.sh [N=20] [SECONDS=10]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}; S=${2:-10}
RP=6391; PORT=8021; WORK=$(mktemp -d)
dotnet build PubSub.Server -c Release -o "$WORK/srv" >/dev/null
redis-server --port $RP --save '' --appendonly no --daemonize yes --logfile "$WORK/redis.log" --pidfile "$WORK/redis.pid"
trap 'kill $(jobs -p) 2>/dev/null; redis-cli -p $RP shutdown nosave >/dev/null 2>&1; rm -rf "$WORK"' EXIT
PubSub__Redis__Configuration=127.0.0.1:$RP dotnet "$WORK/srv/PubSub.Server.dll" --urls http://127.0.0.1:$PORT >"$WORK/node.log" 2>&1 &
until curl -sf http://127.0.0.1:$PORT/health >/dev/null; do sleep 0.2; done
for t in orders news alerts metrics chat; do
  curl -sf -XPOST http://127.0.0.1:$PORT/topics -H 'content-type: application/json' -d "{\"name\":\"$t\"}" >/dev/null
done
count() { redis-cli -p $RP info stats | tr -d '\r' | sed -n 's/^total_commands_processed://p'; }
measure() {
  local n=$1 pids=()
  for i in $(seq 1 "$n"); do
    chromium --headless=new --no-sandbox --disable-gpu --remote-debugging-port=$((9400 + i)) \
      --user-data-dir="$WORK/profile-$i" "http://127.0.0.1:$PORT/" >/dev/null 2>&1 &
    pids+=($!)
  done
  sleep 20
  local a b; a=$(count); sleep "$S"; b=$(count)
  [ ${#pids[@]} -eq 0 ] || { kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null || true; }
  echo "dashboards=$n redis_commands_per_second=$(( (b - a) / S ))"
}
measure 0
measure "$N"
