#!/usr/bin/env bash
# GET /v1/tasks (ListTasks) through Strait with 1 vs 5 TaskService replicas behind it, at concurrency 16 and 64.
# For each backend latency given (default: 0 and 2 ms), starts 5 replicas (separate processes, one port each on
# 127.0.0.1) and three gateways: replica 1 only; all 5 under least_request (the default); all 5 under round_robin.
# ListTasks is used because every replica has its own in-memory store: a task created through the gateway exists on
# one replica only, while listing succeeds on all of them.
# Usage: bench/run-replicas.sh [requests] [latency-ms ...]      e.g. bench/run-replicas.sh 30000 0 2
# MAX_CONCURRENCY=N gives every replica N workers (TaskService --max-concurrency): calls beyond N wait, as on a
# backend whose capacity is bounded; without it a replica overlaps any number of delays (Task.Delay holds no core).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
requests="${1:-30000}"
shift || true
latencies=("$@")
[ ${#latencies[@]} -gt 0 ] || latencies=(0 2)
replicas=5
build load bench/Strait.LoadTest
build strait src/Strait.Server
build taskservice samples/TaskService

track_processes  # $pids: everything this script started, stopped on exit
set_pids=()      # the processes of the current latency, stopped before the next one starts
stop_set() {
  for pid in "${set_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${set_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  set_pids=()
}
start() { "$@" & pids+=($!); set_pids+=($!); }

# Starts a gateway on a free port with the admin listener on (for the calls per endpoint); sets $gateway and $admin.
start_gateway() {
  local log="$logs/gateway-$1.log"; shift
  start env STRAIT_ADMIN__LISTEN=http://127.0.0.1:0 dotnet "$out/strait/Strait.Server.dll" serve \
    --proto "$root/samples/TaskService/Protos/todo.proto" --listen http://127.0.0.1:0 "$@" > "$log" 2>&1
  await_gateway "$log"
}

# Calls each replica has served through the gateway whose admin URL is $1, in replica order.
calls_per_replica() {
  local json
  json=$(curl -s "$1/clusters")
  for port in "${ports[@]}"; do
    jq -r --arg a "127.0.0.1:$port" '[.clusters[].endpoints[] | select(.authority == $a) | .requestsTotal] | add // 0' <<< "$json"
  done | paste -sd' '
}

echo "$(nproc) cores; $requests measured requests per run (plus $(( requests / 5 < 2000 ? requests / 5 : 2000 )) warm-up)"
for latency in "${latencies[@]}"; do
  ports=()
  for i in $(seq "$replicas"); do
    log="$logs/replica-$i.log"
    # Not through start(): a background command inside a function gets /dev/null as stdin unless it redirects its own.
    dotnet "$out/taskservice/TaskService.dll" --host 127.0.0.1 --port 0 --replica-id "replica-$i" \
      --latency-ms "$latency" --max-concurrency "${MAX_CONCURRENCY:-0}" > "$log" 2>&1 < "$logs/stdin" & pids+=($!); set_pids+=($!)
    wait_for "$log" LISTENING
    ports+=("$(listening_port "$log")")
  done

  backends=()
  for port in "${ports[@]}"; do backends+=(--backend "127.0.0.1:$port"); done
  names=("1 replica" "5 replicas, least_request" "5 replicas, round_robin"); urls=(); admins=()
  start_gateway one --backend "127.0.0.1:${ports[0]}"; urls+=("$gateway"); admins+=("$admin")
  start_gateway least "${backends[@]}"; urls+=("$gateway"); admins+=("$admin")
  start_gateway rr "${backends[@]}" --lb-policy round_robin; urls+=("$gateway"); admins+=("$admin")
  echo "== backend latency ${latency} ms: replicas on ports ${ports[*]}"
  # Fresh processes run unoptimised (tier-0) code for their first thousands of calls, and LoadTest's own warm-up
  # (2,000 requests, 400 per replica when spread over 5) does not cover that: every gateway and, through it, every
  # replica first serves 20,000 unmeasured requests.
  for g in "${!names[@]}"; do
    dotnet "$out/load/Strait.LoadTest.dll" rest-list "${urls[g]}" 64 20000 > /dev/null || true
  done

  for concurrency in 16 64; do
    # The three setups take turns at each concurrency, so that the machine's drift hits them alike.
    for g in "${!names[@]}"; do
      read -ra before <<< "$(calls_per_replica "${admins[g]}")"
      # A run with failures exits 1; its line (with the failure count) is still printed.
      result=$(dotnet "$out/load/Strait.LoadTest.dll" rest-list "${urls[g]}" "$concurrency" "$requests") || true
      read -ra after <<< "$(calls_per_replica "${admins[g]}")"
      split=""; for i in "${!after[@]}"; do split+="$(( after[i] - before[i] )) "; done
      echo "latency ${latency} ms | ${names[g]} | $result | calls per replica (warm-up included): ${split% }"
    done
  done
  stop_set
done
