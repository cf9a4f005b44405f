#!/usr/bin/env bash
# SSE beside /ws (docs/benchmarks.md, "Server-Sent Events beside /ws"): one Release server, one /ws publisher at a fixed
# rate, and in alternating rounds either S /ws subscribers (ws) or S/2 /ws and S/2 SSE subscribers (ws+sse), so both
# configurations deliver the same messages per second and the server's CPU tells what SSE costs beside /ws. Each run
# prints its summary on stderr; the JSON lines go to $OUT. Usage:
#   PubSub.Bench/run-sse.sh                       # 5 rounds of each, 2,000 msg/s, 20 subscribers, 256 B
#   ROUNDS=3 RATE=1000 SUBSCRIBERS=40 PubSub.Bench/run-sse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench-sse.jsonl}
PORT=${PORT:-8000}
ROUNDS=${ROUNDS:-5}
RATE=${RATE:-2000}
SUBSCRIBERS=${SUBSCRIBERS:-20}
PAYLOAD=${PAYLOAD:-256}
HALF=$((SUBSCRIBERS / 2))

dotnet build -c Release PubSub.Server/PubSub.Server.csproj -v q -nologo >/dev/null
dotnet build -c Release PubSub.Bench/PubSub.Bench.csproj -v q -nologo >/dev/null
BENCH=(dotnet PubSub.Bench/bin/Release/net10.0/PubSub.Bench.dll)

Logging__LogLevel__Default=Warning dotnet PubSub.Server/bin/Release/net10.0/PubSub.Server.dll --urls "http://127.0.0.1:$PORT" >/dev/null 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done

common=(fanout --url "ws://127.0.0.1:$PORT/ws" --server-pid "$server_pid" --rate "$RATE" --payload "$PAYLOAD" --no-progress --json)
ws_only=(--subscribers "$SUBSCRIBERS")
mixed=(--subscribers "$HALF" --sse-subscribers "$((SUBSCRIBERS - HALF))")

# Warm-up of both paths (JIT tiering), not recorded.
"${BENCH[@]}" "${common[@]}" "${mixed[@]}" --duration 15s >/dev/null 2>&1
: >"$OUT"
for round in $(seq "$ROUNDS"); do
  "${BENCH[@]}" "${common[@]}" "${ws_only[@]}" --duration 10s --label "ws#$round" >>"$OUT"
  "${BENCH[@]}" "${common[@]}" "${mixed[@]}" --duration 10s --label "ws+sse#$round" >>"$OUT"
done

# Medians per configuration: server cores, /ws latency, SSE latency (µs), lost.
/usr/bin/python3 - "$OUT" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for config in ("ws", "ws+sse"):
    rs = [r for r in runs if r["label"].split("#")[0] == config]
    med = lambda f: statistics.median(f(r) for r in rs)
    line = f"{config:7} rounds {len(rs)}  server cores {med(lambda r: r['server']['cpu_cores']):.3f}  deliveries/s {med(lambda r: r['deliveries_per_sec']):,.0f}"
    line += f"  ws p50/p99 ms {med(lambda r: r['latency_us']['p50'])/1000:.2f}/{med(lambda r: r['latency_us']['p99'])/1000:.2f}"
    if config == "ws+sse":
        line += f"  sse p50/p99 ms {med(lambda r: r['sse_latency_us']['p50'])/1000:.2f}/{med(lambda r: r['sse_latency_us']['p99'])/1000:.2f}"
    line += f"  lost {sum(r['lost'] for r in rs)}"
    print(line)
PY
