#!/usr/bin/env bash
# The Redis topologies of docs/benchmarks.md ("Redis topologies"): two Redis-engine nodes (connections split between
# them, as in run-scaleout.sh) on one redis-server, on two standalone redis-servers as shards
# (PubSub__Redis__Shards__0/1) and on a three-master Redis Cluster started here (sharded pub/sub), all up at once and
# measured by the same load generator in alternating rounds, so the machine's drift hits each topology alike.
#
#   PubSub.Bench/run-redis-topologies.sh              # both fan-out scenarios (about 8 minutes with REPEAT=3)
#   PubSub.Bench/run-redis-topologies.sh 10x10        # only the scenarios whose name contains "10x10"
#   PubSub.Bench/run-redis-topologies.sh backplane    # what SignalR's Redis backplane costs per hub connection, and
#                                                     # classic PUBLISH against SPUBLISH on the cluster's bus
#   PubSub.Bench/run-redis-topologies.sh clustermode  # a publish-like script on a standalone redis-server and on the
#                                                     # same binary in cluster mode (one node owning every slot)
#
# JSON lines go to $OUT (default bench-topologies.jsonl): the load generator's report (with --store-pid of every
# redis-server of the topology, so store.cpuSeconds and storeCpuUsPerPublish are summed over them) plus, added by this
# script: load1 (the machine's 1-minute load before the round), redis_cpu_seconds_by_port (each redis-server's CPU over
# the whole run, connect and drain included: how the load spread over the shards) and, on the cluster,
# cluster_bus_publish / cluster_bus_publishshard (messages of those types the nodes sent each other over the cluster bus).
# With BENCH_LOCK=/path (e.g. /work/.buildlock) the builds and every round run under `flock` on it, so that a shared
# machine's builds and tests do not run beside a measurement: taken for each round, or with LOCK_SCOPE=scenario once for
# a scenario's warm-up and rounds (a few minutes; on a busy machine waiting for the lock before every round can take
# longer than the rounds). Needs redis-server, redis-cli, curl and jq on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench-topologies.jsonl}
NODE_BASE=${NODE_BASE:-8310}   # nodes on NODE_BASE+1 … NODE_BASE+6
REDIS_BASE=${REDIS_BASE:-6530} # one: +1; shards: +2, +3; cluster: +4, +5, +6 (cluster bus: port + 10000)
DURATION=${DURATION:-10s}
REPEAT=${REPEAT:-3}
HUB_CONNECTIONS=${HUB_CONNECTIONS:-2000}
LOCK=${BENCH_LOCK:-}
LOCK_SCOPE=${LOCK_SCOPE:-round}
HELD= # set while this script holds the lock for a whole scenario
# As in run-scaleout.sh: a deeper queue than the default 1000 frames, since over Redis events reach a node in bursts.
export PubSub__Queue__Capacity=${QUEUE_CAPACITY:-10000}
ONLY=${1:-}
TOPOLOGIES="one shards cluster"

locked() { if [ -n "$LOCK" ]; then flock "$LOCK" "$@"; else "$@"; fi; }

locked dotnet build -c Release PubSub.Server/PubSub.Server.csproj -v q -nologo >/dev/null
locked dotnet build -c Release PubSub.Bench/PubSub.Bench.csproj -v q -nologo >/dev/null
BENCH=(dotnet PubSub.Bench/bin/Release/net10.0/PubSub.Bench.dll)
SERVER=PubSub.Server/bin/Release/net10.0/PubSub.Server.dll

TMP=$(mktemp -d)
LOGS=${LOGS:-$TMP/logs}
mkdir -p "$LOGS"
pids=()
stop_all() { # newest first: the nodes before the redis-servers they use
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null && wait "${pids[$i]}" 2>/dev/null || true; done
  pids=()
}
finish() {
  stop_all
  # Node logs are at Warning: anything that failed or errored is worth a look.
  for f in "$LOGS"/*.log; do
    [ -e "$f" ] || continue
    n=$(grep -iE 'fail|error|exception' "$f" | grep -vcE 'maximum open files|Memory overcommit' || true)
    [ "$n" = 0 ] || echo "$(basename "$f"): $n lines with fail/error/exception (first: $(grep -iE 'fail|error|exception' "$f" | grep -vE 'maximum open files|Memory overcommit' | head -1 | cut -c1-200))"
  done
  if [ -z "${KEEP:-}" ]; then rm -rf "$TMP"; else echo "logs and redis directories kept in $TMP"; fi
}
trap finish EXIT

declare -A RPORTS NODES # topology -> its redis-server ports; topology -> "pidA pidB"
RPORTS[one]="$((REDIS_BASE + 1))"
RPORTS[shards]="$((REDIS_BASE + 2)) $((REDIS_BASE + 3))"
RPORTS[cluster]="$((REDIS_BASE + 4)) $((REDIS_BASE + 5)) $((REDIS_BASE + 6))"
declare -A RPID # redis port -> pid

# Refuses a port something already listens on: a figure from another run's process would mislead.
free_port() {
  if ss -Hltn "sport = :$1" | grep -q .; then echo "port $1 is in use: set NODE_BASE / REDIS_BASE" >&2; exit 1; fi
}

redis_at() { # PORT [more redis-server options]: no persistence, the figure is the engine's, not the disk's
  local port=$1; shift
  free_port "$port"
  mkdir -p "$TMP/redis-$port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$TMP/redis-$port" --save "" --appendonly no --maxclients 20000 \
    "$@" >"$LOGS/redis-$port.log" 2>&1 &
  RPID[$port]=$!; pids+=("$!")
  for _ in $(seq 50); do kill -0 "${RPID[$port]}" && redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis-server on $port did not start" >&2; exit 1
}

start_cluster() {
  local port
  for port in ${RPORTS[cluster]}; do
    rm -f "$TMP/redis-$port/nodes.conf"
    redis_at "$port" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-port $((port + 10000)) \
      --cluster-node-timeout 15000
  done
  # shellcheck disable=SC2046
  redis-cli --cluster create $(for port in ${RPORTS[cluster]}; do echo "127.0.0.1:$port"; done) --cluster-yes \
    >"$LOGS/cluster-create.log" 2>&1
  for _ in $(seq 150); do
    local ok=0
    for port in ${RPORTS[cluster]}; do
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && ok=$((ok + 1))
    done
    [ "$ok" = 3 ] && return 0
    sleep 0.2
  done
  echo "the cluster did not reach cluster_state:ok on every node" >&2; exit 1
}

# Two nodes per topology, on NODE_BASE+1/2 (one), +3/4 (shards), +5/6 (cluster).
start_nodes() {
  local i=0 topo env port p
  for topo in $TOPOLOGIES; do
    case $topo in
      one) env=("PubSub__Redis__Configuration=127.0.0.1:${RPORTS[one]}") ;;
      shards) set -- ${RPORTS[shards]}; env=("PubSub__Redis__Shards__0=127.0.0.1:$1" "PubSub__Redis__Shards__1=127.0.0.1:$2") ;;
      cluster) env=("PubSub__Redis__Configuration=$(for port in ${RPORTS[cluster]}; do printf '127.0.0.1:%s,' "$port"; done | sed 's/,$//')") ;;
    esac
    NODES[$topo]=""
    for p in 1 2; do
      port=$((NODE_BASE + 2 * i + p))
      env Logging__LogLevel__Default=Warning "${env[@]}" dotnet "$SERVER" --urls "http://127.0.0.1:$port" \
        >>"$LOGS/node-$topo-$p.log" 2>&1 &
      pids+=("$!"); NODES[$topo]+="$! "
    done
    i=$((i + 1))
  done
  for _ in $(seq 150); do
    local up=0
    for port in $(seq $((NODE_BASE + 1)) $((NODE_BASE + 6))); do
      curl -sf "http://127.0.0.1:$port/health" >/dev/null && up=$((up + 1))
    done
    [ "$up" = 6 ] && return 0
    sleep 0.2
  done
  echo "a node did not become healthy (logs: $LOGS)" >&2; exit 1
}

# Fresh processes for every scenario.
start_all() {
  stop_all
  local port
  for port in $(seq $((NODE_BASE + 1)) $((NODE_BASE + 6))); do free_port "$port"; done
  for port in ${RPORTS[one]} ${RPORTS[shards]}; do redis_at "$port"; done
  start_cluster
  start_nodes
}

# The load generator's arguments for one topology's two nodes and its redis-servers.
target() {
  local i n p a b
  case $1 in one) i=0 ;; shards) i=1 ;; cluster) i=2 ;; esac
  a=$((NODE_BASE + 2 * i + 1)); b=$((a + 1))
  echo -n "--transport ${TRANSPORT:-ws} --url ws://127.0.0.1:$a/ws --node ws://127.0.0.1:$b/ws"
  for n in ${NODES[$1]}; do echo -n " --server-pid $n"; done
  for p in ${RPORTS[$1]}; do echo -n " --store-pid ${RPID[$p]}"; done
}

cpu_ticks() { local s; s=$(cat "/proc/$1/stat"); s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }

# The cluster bus counters of messages of one type sent, summed over the topology's nodes (0 off a cluster).
bus_sent() {
  local topo=$1 type=$2 sum=0 port v
  [ "$topo" = cluster ] || { echo 0; return; }
  for port in ${RPORTS[cluster]}; do
    v=$(redis-cli -p "$port" cluster info | tr -d '\r' | sed -n "s/^cluster_stats_messages_${type}_sent://p")
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# Stops the run, naming the process, when one of a topology's nodes or redis-servers is gone (a figure without it would mislead).
alive() {
  local n p
  for n in ${NODES[$1]}; do kill -0 "$n" 2>/dev/null || { echo "node $n of '$1' is gone (logs: $LOGS)" >&2; exit 1; }; done
  for p in ${RPORTS[$1]}; do kill -0 "${RPID[$p]}" 2>/dev/null || { echo "redis-server on $p is gone" >&2; exit 1; }; done
}

# round TOPOLOGY LABEL ARGS…: one run of the load generator under the lock, its JSON line (plus this script's
# figures) appended to $OUT, its summary on stderr.
round() {
  local topo=$1 label=$2; shift 2
  (
    [ -z "$LOCK" ] || [ -n "$HELD" ] || flock 9
    alive "$topo"
    local load before=() after=() p i pub0 shard0 json
    load=$(cut -d' ' -f1 /proc/loadavg)
    for p in ${RPORTS[$topo]}; do before+=("$(cpu_ticks "${RPID[$p]}")"); done
    pub0=$(bus_sent "$topo" publish); shard0=$(bus_sent "$topo" publishshard)
    # shellcheck disable=SC2046
    json=$("${BENCH[@]}" "$@" $(target "$topo") --duration "$DURATION" --label "$label" --no-progress --json 2>"$TMP/summary") || true
    i=0; local byport="{"
    for p in ${RPORTS[$topo]}; do
      after=$(cpu_ticks "${RPID[$p]}")
      byport+="\"$p\":$(awk -v a="$after" -v b="${before[$i]}" 'BEGIN { printf "%.2f", (a - b) / 100 }'),"
      i=$((i + 1))
    done
    byport="${byport%,}}"
    grep -v '^$' "$TMP/summary" >&2 || true
    if [ -z "$json" ]; then echo "no report for $label" >&2; return 0; fi
    echo "$json" | jq -c --argjson load "$load" --argjson byport "$byport" \
      --argjson pub "$(( $(bus_sent "$topo" publish) - pub0 ))" --argjson shard "$(( $(bus_sent "$topo" publishshard) - shard0 ))" \
      '. + {load1: $load, redis_cpu_seconds_by_port: $byport, cluster_bus_publish: $pub, cluster_bus_publishshard: $shard}' >>"${ROUND_OUT:-$OUT}"
  ) 9>"${LOCK:-/dev/null}"
}

# scenario NAME ARGS…: warm every topology up for 10 s (JIT tiering), then REPEAT rounds that take the topologies in
# turn. Labels are NAME#ROUND:TOPOLOGY.
scenario() {
  local name=$1; shift
  if [ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]]; then return 0; fi
  start_all
  hold_lock
  local t r
  for t in $TOPOLOGIES; do
    echo "== $name warm-up ($t)"
    DURATION=10s ROUND_OUT=/dev/null round "$t" "$name#warmup:$t" "$@" 2>/dev/null
  done
  for r in $(seq "$REPEAT"); do
    for t in $TOPOLOGIES; do
      echo "== $name#$r ($t)"
      round "$t" "$name#$r:$t" "$@"
    done
  done
  release_lock
}

# LOCK_SCOPE=scenario: the lock on fd 8 from here to release_lock; taken after the servers start, so that they do not
# inherit (and hold) it.
hold_lock() {
  if [ -n "$LOCK" ] && [ "$LOCK_SCOPE" = scenario ]; then exec 8>"$LOCK"; flock 8; HELD=1; fi
}
release_lock() {
  if [ -n "$HELD" ]; then flock -u 8; exec 8>&-; HELD=; fi
}

# ---- SignalR's Redis backplane ----

# Total commands a redis-server has served (INFO commandstats, every command's calls) and one command's calls.
calls() { redis-cli -p "$1" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\).*/\1 \2/p'; }

# hub_round TOPOLOGY TRANSPORT: HUB_CONNECTIONS idle connections (subscribed to one topic) split over the topology's two
# nodes, opened, held, closed; what they cost each redis-server in commands and CPU. A JSON line to $OUT.
hub_round() {
  local topo=$1 transport=$2
  (
    [ -z "$LOCK" ] || [ -n "$HELD" ] || flock 9
    alive "$topo"
    local p before after cpu0=0 cpu1=0 json cmds
    before=$(for p in ${RPORTS[$topo]}; do calls "$p"; done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }')
    for p in ${RPORTS[$topo]}; do cpu0=$((cpu0 + $(cpu_ticks "${RPID[$p]}"))); done
    local pub0; pub0=$(bus_sent "$topo" publish)
    # shellcheck disable=SC2046
    TRANSPORT=$transport
    json=$("${BENCH[@]}" connections --count "$HUB_CONNECTIONS" --hold 2s $(target "$topo") \
      --label "backplane:$topo:$transport" --no-progress --json 2>"$TMP/summary") || true
    sleep 2 # the nodes unsubscribe closed connections after the load generator returns
    after=$(for p in ${RPORTS[$topo]}; do calls "$p"; done | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }')
    for p in ${RPORTS[$topo]}; do cpu1=$((cpu1 + $(cpu_ticks "${RPID[$p]}"))); done
    cmds=$(LC_ALL=C join <(echo "$before" | LC_ALL=C sort) <(echo "$after" | LC_ALL=C sort) -a 2 -e 0 -o 0,1.2,2.2 \
      | awk '$3 - $2 > 0 { printf "%s\"%s\":%d", sep, $1, $3 - $2; sep="," } END { print "" }')
    grep -v '^$' "$TMP/summary" >&2 || true
    [ -n "$json" ] || { echo "no report for backplane:$topo:$transport" >&2; return 0; }
    echo "$json" | jq -c --argjson cmds "{$cmds}" --argjson cpu "$(awk -v a="$cpu1" -v b="$cpu0" 'BEGIN { printf "%.2f", (a - b) / 100 }')" \
      --argjson pub "$(( $(bus_sent "$topo" publish) - pub0 ))" --argjson load "$(cut -d' ' -f1 /proc/loadavg)" \
      '. + {load1: $load, redis_commands: $cmds, redis_cpu_seconds: $cpu, cluster_bus_publish: $pub}' >>"$OUT"
  ) 9>"${LOCK:-/dev/null}"
}

# broadcast MODE: 100,000 PUBLISH (classic, what SignalR's backplane sends for IHubContext sends) or SPUBLISH (what the
# engine sends on a cluster) to one channel owned by the first master, pipelined; each cluster node's CPU and its cluster
# bus counters before and after. A JSON line to $OUT.
broadcast() {
  local cmd=$1 first channel k p n=100000
  set -- ${RPORTS[cluster]}; first=$1
  for k in $(seq 1000); do # a channel whose slot the first master owns, so SPUBLISH is not MOVED
    channel="pubsub:signalr:bench{$k}"
    redis-cli -p "$first" spublish "$channel" x 2>&1 | grep -q MOVED || break
  done
  (
    [ -z "$LOCK" ] || [ -n "$HELD" ] || flock 9
    local before=() stats="" i=0 a
    for p in ${RPORTS[cluster]}; do before+=("$(cpu_ticks "${RPID[$p]}")"); done
    local pub0 shard0; pub0=$(bus_sent cluster publish); shard0=$(bus_sent cluster publishshard)
    redis-benchmark -p "$first" -n "$n" -c 4 -P 16 -q "$cmd" "$channel" "$(head -c 200 /dev/zero | tr '\0' x)" >"$TMP/summary" 2>&1
    for p in ${RPORTS[cluster]}; do
      a=$(cpu_ticks "${RPID[$p]}")
      stats+="\"$p\":$(awk -v a="$a" -v b="${before[$i]}" 'BEGIN { printf "%.2f", (a - b) / 100 }'),"
      i=$((i + 1))
    done
    tr '\r' '\n' <"$TMP/summary" | grep -v '^$' | tail -1 >&2
    jq -cn --arg cmd "$cmd" --argjson n "$n" --argjson cpu "{${stats%,}}" --argjson load "$(cut -d' ' -f1 /proc/loadavg)" \
      --argjson pub "$(( $(bus_sent cluster publish) - pub0 ))" --argjson shard "$(( $(bus_sent cluster publishshard) - shard0 ))" \
      '{label: ("broadcast:" + $cmd), command: $cmd, count: $n, redis_cpu_seconds_by_port: $cpu, cluster_bus_publish: $pub, cluster_bus_publishshard: $shard, load1: $load}' >>"$OUT"
  ) 9>"${LOCK:-/dev/null}"
}

# clustermode: what Redis itself spends on one publish-like script (HINCRBY, RPUSH, LTRIM, then PUBLISH or SPUBLISH; three
# keys under one tag; 256-byte payload) standalone and with --cluster-enabled yes on a one-node cluster (no bus peers),
# 200,000 pipelined calls each, REPEAT rounds. JSON lines to $OUT.
clustermode() {
  local standalone=$((REDIS_BASE + 7)) clustered=$((REDIS_BASE + 8)) r cfg port cmd b a
  local script="redis.call('HINCRBY',KEYS[1],'seq',1) redis.call('RPUSH',KEYS[2],ARGV[1]) redis.call('LTRIM',KEYS[2],-100,-1) return redis.call(ARGV[2],KEYS[3],ARGV[1])"
  redis_at "$standalone"
  redis_at "$clustered" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-port $((clustered + 10000))
  redis-cli -p "$clustered" cluster addslotsrange 0 16383 >/dev/null
  for _ in $(seq 50); do redis-cli -p "$clustered" cluster info | grep -q cluster_state:ok && break; sleep 0.2; done
  hold_lock
  for r in $(seq 0 "$REPEAT"); do # round 0 warms both servers up (Lua, allocator) and is not kept
    for cfg in "$standalone PUBLISH" "$clustered PUBLISH" "$clustered SPUBLISH"; do
      set -- $cfg; port=$1; cmd=$2
      b=$(cpu_ticks "${RPID[$port]}")
      redis-benchmark -p "$port" -n 200000 -c 4 -P 16 -q EVAL "$script" 3 '{t}:meta' '{t}:hist' '{t}:ch' \
        "$(head -c 256 /dev/zero | tr '\0' x)" "$cmd" >/dev/null 2>&1
      a=$(cpu_ticks "${RPID[$port]}")
      [ "$r" != 0 ] || continue
      echo "== clustermode#$r ($port $cmd): $(awk -v t=$((a - b)) 'BEGIN { printf "%.2f", t / 100 * 1e6 / 200000 }') µs per call"
      jq -cn --arg name "clustermode#$r:$([ "$port" = "$standalone" ] && echo standalone || echo cluster):$cmd" --arg cmd "$cmd" \
        --argjson cpu "$(awk -v t=$((a - b)) 'BEGIN { printf "%.2f", t / 100 }')" --argjson load "$(cut -d' ' -f1 /proc/loadavg)" \
        '{label: $name, command: $cmd, calls: 200000, cpu_seconds: $cpu, cpu_us_per_call: ($cpu * 1e6 / 200000), load1: $load}' >>"$OUT"
    done
  done
  release_lock
}

: >"$OUT"
if [ "$ONLY" = clustermode ]; then
  clustermode
elif [ "$ONLY" = backplane ]; then
  start_all
  hold_lock
  for r in $(seq "$REPEAT"); do
    for t in one cluster; do
      for tr in ws hub-json; do
        echo "== backplane#$r ($t, $tr)"
        hub_round "$t" "$tr"
      done
    done
  done
  for r in $(seq "$REPEAT"); do
    for c in PUBLISH SPUBLISH; do echo "== broadcast#$r ($c)"; broadcast "$c"; done
  done
  release_lock
else
  scenario topo-1x100x1 fanout --publishers 1 --subscribers 100 --topics 1
  scenario topo-10x10x10 fanout --publishers 10 --subscribers 100 --topics 10
fi
echo "results: $OUT"
