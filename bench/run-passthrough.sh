#!/usr/bin/env bash
# Native gRPC through Strait vs straight to the backend: the same client (Strait.LoadTest on Strait's GrpcClient), the
# same concurrency, one run each. Unary GetTask against the C# TaskService; server streams of <messages> replies
# against @grpc/grpc-js's StreamService (samples/node-echo); then the same streams as NDJSON and SSE through the REST
# edge, for messages/s. Unary also goes through bench/Strait.MinimalProxy, the floor for any .NET proxy of this shape.
# With PIN=1 the gateway gets core 1 to itself and the load generator and backends share core 0, as when the gateway
# runs on a host of its own: the comparison then measures the hop, not the gateway's share of two cores.
# With BACKEND_LATENCY_MS=N TaskService spends N ms on every unary call (--latency-ms), as a backend doing real work
# does; the comparison then measures what the gateway adds to a call whose time the backend sets.
# With ROUNDS=N every mode runs N times, alternating, and a summary gives medians and per-round ratios to direct.
# CONNECTIONS=N spreads the gRPC load generator's calls over N HTTP/2 connections (1 by default).
# With STREAM_INTERVAL_MS=N the stream backend waits N ms between messages, as a backend producing a feed does.
# (These reach only the load generator: the gateway reads every STRAIT_* variable as its own configuration.)
# Usage: [PIN=1] [ROUNDS=N] [BACKEND_LATENCY_MS=N] [STREAM_INTERVAL_MS=N] [CONNECTIONS=N] bench/run-passthrough.sh [concurrency] [unary-requests] [streams] [messages-per-stream]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
concurrency="${1:-16}"
requests="${2:-30000}"
streams="${3:-400}"
messages="${4:-500}"
if [ "${PIN:-0}" = 1 ]; then here=(taskset -c 0); gw=(taskset -c 1); else here=(); gw=(); fi
build load bench/Strait.LoadTest
build strait src/Strait.Server
build taskservice samples/TaskService
build minimal bench/Strait.MinimalProxy
[ -d "$root/samples/node-echo/node_modules" ] || npm ci --prefix "$root/samples/node-echo" --no-audit --no-fund --loglevel=error

track_processes
${here[@]+"${here[@]}"} dotnet "$out/taskservice/TaskService.dll" --port 0 --latency-ms "${BACKEND_LATENCY_MS:-0}" > "$logs/tasks.log" 2>&1 < "$logs/stdin" & pids+=($!)
tasks_pid=$!
${here[@]+"${here[@]}"} node "$root/samples/node-echo/server.js" --port 0 > "$logs/echo.log" 2>&1 < "$logs/stdin" & pids+=($!)
echo_pid=$!
wait_for "$logs/tasks.log" LISTENING
wait_for "$logs/echo.log" LISTENING
tasks=$(listening_port "$logs/tasks.log")
echo_port=$(listening_port "$logs/echo.log")

protos="$root/samples/node-echo/protos"
cat > "$logs/strait.yaml" <<YAML
listen: http://127.0.0.1:0
http2Listen: http://127.0.0.1:0
schema:
  protos: ["$root/samples/TaskService/Protos/todo.proto", "$protos/stream.proto"]
  protoPaths: ["$root/samples/TaskService/Protos", "$protos"]
backend:
  addresses: ["127.0.0.1:$tasks"]
clusters:
  echo:
    addresses: ["127.0.0.1:$echo_port"]
    services: ["strait.echo.v1.StreamService"]
http:
  rules:
    - selector: strait.echo.v1.StreamService.ServerStream
      get: "/v1/stream/{text}"
YAML
# Access logging is part of the gateway's cost in production, so it stays on (to a file) here too.
${gw[@]+"${gw[@]}"} dotnet "$out/strait/Strait.Server.dll" serve --config "$logs/strait.yaml" > "$logs/gateway.log" 2>&1 & pids+=($!)
strait_pid=$!
wait_for "$logs/gateway.log" 'strait: serving' 200
# The floor: a proxy that does nothing but copy one unary message each way, on the gateway's core.
start_minimal_proxy "127.0.0.1:$tasks" ${gw[@]+"${gw[@]}"}
rest=$(serving_url "$logs/gateway.log")
grpc=$(grpc_url "$logs/gateway.log")

name=$(create_task "$rest")
echo "TaskService 127.0.0.1:$tasks, node-echo 127.0.0.1:$echo_port, gateway $rest (REST) $grpc (gRPC), task $name; $(nproc) cores"
# Besides the load generator's own line, each run prints the backend's and the proxy's CPU per request over the whole
# run (warm-up included, so a little high), from /proc/<pid>/stat: where a hop's cost lands, and whether a side idled.
ticks_per_second=$(getconf CLK_TCK)
run() {
  local label=$1 backend_pid=$2 proxy_pid=$3; shift 3
  local backend0 proxy0 started backend1 proxy1
  echo "== $label"
  backend0=$(process_ticks "$backend_pid"); proxy0=$(process_ticks "$proxy_pid"); started=$(date +%s.%N)
  STRAIT_LOAD_CONNECTIONS="${CONNECTIONS:-1}" STRAIT_LOAD_STREAM_INTERVAL_MS="${STREAM_INTERVAL_MS:-0}" \
    ${here[@]+"${here[@]}"} dotnet "$out/load/Strait.LoadTest.dll" "$@"
  backend1=$(process_ticks "$backend_pid"); proxy1=$(process_ticks "$proxy_pid")
  python3 -c "t = $ticks_per_second; s = $(date +%s.%N) - $started; b = ($backend1 - $backend0) / t; p = ($proxy1 - $proxy0) / t; print(f'   {s:.1f} s with warm-up: backend busy {100 * b / s:.0f} % of a core, proxy {100 * p / s:.0f} %')"
}
rounds="${ROUNDS:-1}"
for round in $(seq "$rounds"); do
  [ "$rounds" = 1 ] || echo "######## round $round of $rounds"
  run "unary, direct" "$tasks_pid" "$strait_pid" grpc "http://127.0.0.1:$tasks" "$name" "$concurrency" "$requests"
  run "unary, through the minimal proxy (bench/Strait.MinimalProxy)" "$tasks_pid" "$minimal_pid" grpc "http://127.0.0.1:$minimal_port" "$name" "$concurrency" "$requests"
  run "unary, through Strait" "$tasks_pid" "$strait_pid" grpc "$grpc" "$name" "$concurrency" "$requests"
  run "unary REST/JSON through Strait (the transcoding edge, for comparison)" "$tasks_pid" "$strait_pid" rest "$rest" "$name" "$concurrency" "$requests"
  run "server streaming, direct" "$echo_pid" "$strait_pid" grpc-stream "http://127.0.0.1:$echo_port" "$messages" "$concurrency" "$streams"
  run "server streaming, through Strait" "$echo_pid" "$strait_pid" grpc-stream "$grpc" "$messages" "$concurrency" "$streams"
  run "NDJSON through Strait" "$echo_pid" "$strait_pid" ndjson "$rest" "$messages" "$concurrency" "$streams"
  run "SSE through Strait" "$echo_pid" "$strait_pid" sse "$rest" "$messages" "$concurrency" "$streams"
done 2>&1 | tee "$logs/results"

# Throughput on this VM swings by up to 2x between identical runs, so with ROUNDS>1 the modes alternate and the
# summary compares medians, and each round's ratio to the direct run of the same round.
python3 - "$logs/results" <<'PY'
import re, statistics, sys
rounds, label = [], None
for line in open(sys.argv[1]):
    if line.startswith("######## round"):
        rounds.append({})
    elif line.startswith("== "):
        label = line[3:].strip()
    elif rounds and label and (m := re.search(r"(\d+) req/s.*?(?:, (\d+) messages/s)?$", line.strip())):
        rounds[-1][label] = float(m.group(2) or m.group(1))
        label = None
if len(rounds) < 2:
    sys.exit(0)
print(f"== summary of {len(rounds)} rounds (req/s; messages/s for streams): median [min-max], and the median of each round's ratio to direct")
for name in rounds[0]:
    values = [r[name] for r in rounds if name in r]
    base = "unary, direct" if name.startswith("unary") else "server streaming, direct"
    ratios = [r[name] / r[base] for r in rounds if name in r and base in r]
    ratio = "" if name == base else f"; vs direct {100 * statistics.median(ratios):.0f} % [{100 * min(ratios):.0f}-{100 * max(ratios):.0f} %]"
    print(f"{name}: {statistics.median(values):.0f} [{min(values):.0f}-{max(values):.0f}]{ratio}")
PY
