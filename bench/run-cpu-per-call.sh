#!/usr/bin/env bash
# Gateway CPU per proxied unary call: the gateway process's user+system time (/proc/<pid>/stat) over a run of
# <requests> GetTask calls, for Strait's HTTP/2 port, Strait's REST edge and bench/Strait.MinimalProxy, in alternating
# rounds after an 8 s warm-up each. Steadier than throughput on a shared VM, whose req/s swings up to 2x between
# identical runs; the machine's idle share is printed to show whether the run was CPU-bound.
# Usage: bench/run-cpu-per-call.sh [rounds] [requests] [concurrency]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rounds="${1:-3}"
requests="${2:-20000}"
concurrency="${3:-16}"
build load bench/Strait.LoadTest
build strait src/Strait.Server
build taskservice samples/TaskService
build minimal bench/Strait.MinimalProxy

track_processes
dotnet "$out/taskservice/TaskService.dll" --port 0 > "$logs/tasks.log" 2>&1 < "$logs/stdin" & pids+=($!)
wait_for "$logs/tasks.log" LISTENING
tasks=$(listening_port "$logs/tasks.log")
cat > "$logs/strait.yaml" <<YAML
listen: http://127.0.0.1:0
http2Listen: http://127.0.0.1:0
schema:
  protos: ["$root/samples/TaskService/Protos/todo.proto"]
  protoPaths: ["$root/samples/TaskService/Protos"]
backend:
  addresses: ["127.0.0.1:$tasks"]
YAML
dotnet "$out/strait/Strait.Server.dll" serve --config "$logs/strait.yaml" > "$logs/gateway.log" 2>&1 & pids+=($!)
strait_pid=$!
wait_for "$logs/gateway.log" 'strait: serving' 200
start_minimal_proxy "127.0.0.1:$tasks"
rest=$(serving_url "$logs/gateway.log")
grpc=$(grpc_url "$logs/gateway.log")
name=$(create_task "$rest")
echo "TaskService 127.0.0.1:$tasks, minimal proxy 127.0.0.1:$minimal_port, gateway $rest (REST) $grpc (gRPC); $(nproc) cores"

ticks_per_second=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }
load() { dotnet "$out/load/Strait.LoadTest.dll" "$@"; }
measure() {
  local label=$1 pid=$2 mode=$3 url=$4
  local before idle0 total0 after idle1 total1 result
  before=$(process_ticks "$pid"); read -r idle0 total0 < <(machine_ticks)
  result=$(STRAIT_LOAD_WARMUP_SECONDS=0 load "$mode" "$url" "$name" "$concurrency" "$requests" | sed 's/.*concurrency [0-9]*, //; s/, p90.*//')
  after=$(process_ticks "$pid"); read -r idle1 total1 < <(machine_ticks)
  python3 -c "print(f'$label: $result; gateway CPU {($after - $before) * 1e6 / $ticks_per_second / $requests:.1f} us/call; machine idle {100 * ($idle1 - $idle0) / max(1, $total1 - $total0):.0f} %')"
}

for target in "grpc http://127.0.0.1:$minimal_port" "grpc $grpc" "rest $rest"; do
  STRAIT_LOAD_WARMUP_SECONDS=8 load ${target% *} ${target#* } "$name" "$concurrency" 2000 > /dev/null
done
for round in $(seq "$rounds"); do
  echo "== round $round"
  measure "minimal proxy, gRPC" "$minimal_pid" grpc "http://127.0.0.1:$minimal_port"
  measure "Strait, gRPC passthrough" "$strait_pid" grpc "$grpc"
  measure "Strait, REST/JSON" "$strait_pid" rest "$rest"
done
