#!/usr/bin/env bash
# Hedging against a slow tail: GET /v1/tasks (ListTasks) through two gateways in front of the same three TaskService
# replicas, each of which answers one call in twenty 500 ms late (--tail-rate 0.05 --tail-ms 500). One gateway runs
# the default policy (retries, no hedging), the other hedges reads: a second attempt to another replica after a delay.
# Prints latency percentiles and the upstream attempts per request (the extra load hedging costs, paid from the
# cluster's retry budget).
# Usage: bench/run-hedging.sh [requests] [concurrency] [hedging-delay]     e.g. bench/run-hedging.sh 4000 8 00:00:00.020
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
requests="${1:-4000}"
concurrency="${2:-8}"
delay="${3:-00:00:00.020}"
replicas=3
build load bench/Strait.LoadTest
build strait src/Strait.Server
build taskservice samples/TaskService

track_processes
addresses=()
for i in $(seq "$replicas"); do
  log="$logs/replica-$i.log"
  dotnet "$out/taskservice/TaskService.dll" --port 0 --replica-id "replica-$i" --tail-rate 0.05 --tail-ms 500 \
    > "$log" 2>&1 < "$logs/stdin" & pids+=($!)
  wait_for "$log" LISTENING
  addresses+=("\"127.0.0.1:$(listening_port "$log")\"")
done
list=$(IFS=,; echo "${addresses[*]}")

# Starts a gateway from a YAML file; sets $gateway and $admin.
start_gateway() {
  local name="$1" resilience="$2" config="$logs/$1.yaml" log="$logs/$1.log"
  cat > "$config" <<YAML
schema:
  protos: ["$root/samples/TaskService/Protos/todo.proto"]
admin:
  listen: http://127.0.0.1:0
backend:
  addresses: [$list]
  lbPolicy: round_robin
  outlierDetection:
    enabled: false
$resilience
YAML
  dotnet "$out/strait/Strait.Server.dll" serve --config "$config" --listen http://127.0.0.1:0 > "$log" 2>&1 & pids+=($!)
  await_gateway "$log"
}

attempts() { curl -s "$1/clusters" | jq '[.clusters[].endpoints[].requestsTotal] | add // 0'; }

names=("no hedging (default retries)" "hedging: 2 attempts, delay $delay")
start_gateway plain ""; urls=("$gateway"); admins=("$admin")
start_gateway hedged "resilience:
  default:
    hedging:
      maxAttempts: 2
      delay: $delay"; urls+=("$gateway"); admins+=("$admin")

echo "$(nproc) cores; $replicas replicas, each 1 call in 20 500 ms late; $requests measured requests per run, concurrency $concurrency"
# Warm both gateways (and the replicas through them) out of tier-0 code first.
for g in "${!names[@]}"; do dotnet "$out/load/Strait.LoadTest.dll" rest-list "${urls[g]}" 16 5000 > /dev/null || true; done
for round in 1 2; do
  for g in "${!names[@]}"; do
    before=$(attempts "${admins[g]}")
    result=$(dotnet "$out/load/Strait.LoadTest.dll" rest-list "${urls[g]}" "$concurrency" "$requests") || true
    after=$(attempts "${admins[g]}")
    measured=$(( requests + (requests / 5 < 2000 ? requests / 5 : 2000) ))
    echo "round $round | ${names[g]} | $result | upstream attempts per request (warm-up included): $(jq -n "($after - $before) / $measured * 1000 | round / 1000")"
  done
done
