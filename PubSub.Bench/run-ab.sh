#!/usr/bin/env bash
# Two builds side by side (docs/benchmarks.md, "Follow-up"): the in-memory engine and the Redis engine (two nodes on
# their own redis-server) of each, all up at once, in interleaved rounds of 1 publisher x 100 subscribers x 1 topic, so
# the machine's drift hits both builds alike. JSON lines go to OUT, labelled ROUND:0-memory, 0-redis, 1-memory, 1-redis.
# Usage: PubSub.Bench/run-ab.sh OUT TREE_A TREE_B [ROUNDS]   (TREE_x: checkouts of the two builds)
set -u
OUT=$1; TA=$2; TB=$3; ROUNDS=${4:-5}
export PubSub__Queue__Capacity=10000
for t in "$TA" "$TB"; do (cd $t && dotnet build -c Release PubSub.Server/PubSub.Server.csproj -v q -nologo >/dev/null && dotnet build -c Release PubSub.Bench/PubSub.Bench.csproj -v q -nologo >/dev/null) || exit 1; done
BENCH="dotnet $TB/PubSub.Bench/bin/Release/net10.0/PubSub.Bench.dll"
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null' EXIT
declare -A TARGET
i=0
for t in "$TA" "$TB"; do
  rport=$((6401+i)); base=$((8201+10*i))
  redis-server --port $rport --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 & rp=$!; pids+=($rp)
  S=$t/PubSub.Server/bin/Release/net10.0/PubSub.Server.dll
  Logging__LogLevel__Default=Warning dotnet $S --urls http://127.0.0.1:$base >/dev/null 2>&1 & mp=$!; pids+=($mp)
  Logging__LogLevel__Default=Warning PubSub__Redis__Configuration=127.0.0.1:$rport dotnet $S --urls http://127.0.0.1:$((base+1)) >/dev/null 2>&1 & ap=$!; pids+=($ap)
  Logging__LogLevel__Default=Warning PubSub__Redis__Configuration=127.0.0.1:$rport dotnet $S --urls http://127.0.0.1:$((base+2)) >/dev/null 2>&1 & bp=$!; pids+=($bp)
  for _ in $(seq 150); do curl -sf http://127.0.0.1:$base/health >/dev/null && curl -sf http://127.0.0.1:$((base+1))/health >/dev/null && curl -sf http://127.0.0.1:$((base+2))/health >/dev/null && break; sleep 0.2; done
  TARGET[$i-memory]="--url ws://127.0.0.1:$base/ws --server-pid $mp"
  TARGET[$i-redis]="--url ws://127.0.0.1:$((base+1))/ws --node ws://127.0.0.1:$((base+2))/ws --server-pid $ap --server-pid $bp --store-pid $rp"
  i=$((i+1))
done
ARGS="fanout --publishers 1 --subscribers 100 --topics 1 --transport ws --no-progress --json"
for k in 0-memory 0-redis 1-memory 1-redis; do $BENCH $ARGS ${TARGET[$k]} --duration 8s >/dev/null 2>&1; done
: > $OUT
for r in $(seq $ROUNDS); do
  for k in 0-memory 0-redis 1-memory 1-redis; do
    $BENCH $ARGS ${TARGET[$k]} --duration 10s --label "$r:$k" 2>/dev/null | grep '^{' >> $OUT
  done
done
