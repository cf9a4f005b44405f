#!/usr/bin/env bash
# Round 2 (docs/benchmarks.md, issue 22): the same scenarios for two builds of the server and redis-server, in the same
# interleaved rounds, so the machine's drift hits all three alike. JSON lines go to OUT, labelled
# "ROUND:SCENARIO:WHO" with WHO = before | after | redis (and "idle:WHO" for the idle-connection run).
# Usage: PubSub.Bench/run-round2.sh OUT BEFORE_TREE AFTER_TREE [ROUNDS]   (TREE: a checkout of the build)
#   BEFORE_ENV / AFTER_ENV: extra environment for that build's server, e.g. BEFORE_ENV="DOTNET_X=1".
# Scenarios: closed loop 1 x 100 x 1 (ws, redis); fixed 1,000 and 3,000 msg/s x 100 (100k and 300k deliveries/s);
# the hub with the JSON protocol (raw subscribers) beside /ws of the same build; then 10,000 idle subscribed
# connections on a fresh server of each.
set -u
OUT=$1; BEFORE=$2; AFTER=$3; ROUNDS=${4:-3}
ulimit -n "$(ulimit -Hn)"
for t in "$BEFORE" "$AFTER"; do (cd "$t" && dotnet build -c Release PubSub.Server/PubSub.Server.csproj -v q -nologo >/dev/null) || exit 1; done
(cd "$AFTER" && dotnet build -c Release PubSub.Bench/PubSub.Bench.csproj -v q -nologo >/dev/null) || exit 1
BENCH="dotnet $AFTER/PubSub.Bench/bin/Release/net10.0/PubSub.Bench.dll"
RPORT=6391
declare -A PORT=([before]=8301 [after]=8302) TREE=([before]=$BEFORE [after]=$AFTER) ENVS=([before]=${BEFORE_ENV:-} [after]=${AFTER_ENV:-})
declare -A PID
stop_all() { for p in "${PID[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; PID=(); }
trap stop_all EXIT

start_all() {
  local who
  for who in before after; do
    env ${ENVS[$who]} Logging__LogLevel__Default=Warning dotnet "${TREE[$who]}/PubSub.Server/bin/Release/net10.0/PubSub.Server.dll" \
      --urls "http://127.0.0.1:${PORT[$who]}" >/dev/null 2>&1 &
    PID[$who]=$!
  done
  redis-server --port $RPORT --bind 127.0.0.1 --save "" --appendonly no --maxclients 20000 >/dev/null 2>&1 &
  PID[redis]=$!
  for _ in $(seq 150); do
    curl -sf "http://127.0.0.1:${PORT[before]}/health" >/dev/null && curl -sf "http://127.0.0.1:${PORT[after]}/health" >/dev/null \
      && redis-cli -p $RPORT ping >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "a server did not start" >&2; exit 1
}

target() {
  case $1 in
    redis) echo "--transport redis --redis 127.0.0.1:$RPORT --server-pid ${PID[redis]}" ;;
    *) echo "--transport ${2:-ws} --url ws://127.0.0.1:${PORT[$1]}/ws --server-pid ${PID[$1]}" ;;
  esac
}

run() { # LABEL WHO TRANSPORT ARGS...
  local label=$1 who=$2 transport=$3; shift 3
  echo "== $label" >&2
  $BENCH "$@" $(target "$who" "$transport") --no-progress --json --label "$label" 2>/dev/null | grep '^{' >>"$OUT"
}

CL="fanout --publishers 1 --subscribers 100 --topics 1"
: >"$OUT"
start_all
for who in before after redis; do $BENCH $CL $(target $who) --duration 15s --no-progress --json >/dev/null 2>&1; done
for who in before after; do $BENCH $CL $(target $who hub-json) --duration 10s --no-progress --json >/dev/null 2>&1; done
for r in $(seq "$ROUNDS"); do
  for who in before after redis; do run "$r:closed:$who" $who ws $CL; done
  for rate in 1000 3000; do
    for who in before after redis; do run "$r:rate$rate:$who" $who ws $CL --rate $rate; done
  done
  for who in before after; do run "$r:hub-json:$who" $who hub-json $CL; done
done
stop_all
for who in before after redis; do
  start_all
  run "idle:$who" $who ws connections --count 10000
  stop_all
done
echo "results: $OUT" >&2
