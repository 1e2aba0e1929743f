#!/usr/bin/env bash
# GET /v1/tasks/{id} through Strait vs GetTask straight to the same backend, same concurrency, one run each.
# Usage: bench/run-gateway-vs-direct.sh [concurrency] [requests]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
concurrency="${1:-16}"
requests="${2:-50000}"
out="$root/artifacts/bench"
dotnet build "$root/bench/Strait.LoadTest" -c Release -o "$out/load" --nologo -v quiet -clp:ErrorsOnly
dotnet build "$root/src/Strait.Server" -c Release -o "$out/strait" --nologo -v quiet -clp:ErrorsOnly
dotnet build "$root/samples/TaskService" -c Release -o "$out/taskservice" --nologo -v quiet -clp:ErrorsOnly

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -f "${stdin_pipe:-}"; }
trap cleanup EXIT

backend_log="$(mktemp)"; gateway_log="$(mktemp)"; stdin_pipe="$(mktemp -u)"
# The backend exits when its (redirected) stdin closes, so it is fed from a pipe held open until cleanup.
mkfifo "$stdin_pipe"
sleep infinity > "$stdin_pipe" & pids+=($!)
dotnet "$out/taskservice/TaskService.dll" --port 0 > "$backend_log" 2>&1 < "$stdin_pipe" & pids+=($!)
for _ in $(seq 100); do grep -q LISTENING "$backend_log" && break; sleep 0.1; done
port=$(awk '/LISTENING/ {print $2}' "$backend_log")

dotnet "$out/strait/Strait.Server.dll" serve --proto "$root/samples/TaskService/Protos/todo.proto" \
  --backend "127.0.0.1:$port" --listen http://127.0.0.1:0 > "$gateway_log" 2>&1 & pids+=($!)
for _ in $(seq 200); do grep -q 'strait: serving' "$gateway_log" && break; sleep 0.1; done
gateway=$(sed -n 's/.* on \(http[^ ,]*\).*/\1/p' "$gateway_log" | head -1)

name=$(curl -s -X POST "$gateway/v1/tasks" -H 'content-type: application/json' \
  -d '{"task":{"title":"bench","description":"a task of ordinary size","tags":["bench","load"],"priority":"PRIORITY_HIGH"}}' \
  | sed -n 's/.*"name":"\([^"]*\)".*/\1/p')
echo "backend 127.0.0.1:$port, gateway $gateway, task $name; $(nproc) cores"
dotnet "$out/load/Strait.LoadTest.dll" grpc "http://127.0.0.1:$port" "$name" "$concurrency" "$requests"
# Access logging is part of the gateway's cost in production, so it stays on (to a file) here too.
dotnet "$out/load/Strait.LoadTest.dll" rest "$gateway" "$name" "$concurrency" "$requests"
