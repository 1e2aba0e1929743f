#!/usr/bin/env bash
# GET /v1/tasks/{id} through Strait vs GetTask straight to the same backend, same concurrency, one run each.
# Usage: bench/run-gateway-vs-direct.sh [concurrency] [requests]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
concurrency="${1:-16}"
requests="${2:-50000}"
build load bench/Strait.LoadTest
build strait src/Strait.Server
build taskservice samples/TaskService

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -f "${stdin_pipe:-}"; }
trap cleanup EXIT

backend_log="$(mktemp)"; gateway_log="$(mktemp)"; stdin_pipe="$(mktemp -u)"
# The backend exits when its (redirected) stdin closes, so it is fed from a pipe held open until cleanup.
mkfifo "$stdin_pipe"
sleep infinity > "$stdin_pipe" & pids+=($!)
dotnet "$out/taskservice/TaskService.dll" --port 0 > "$backend_log" 2>&1 < "$stdin_pipe" & pids+=($!)
wait_for "$backend_log" LISTENING
port=$(listening_port "$backend_log")

dotnet "$out/strait/Strait.Server.dll" serve --proto "$root/samples/TaskService/Protos/todo.proto" \
  --backend "127.0.0.1:$port" --listen http://127.0.0.1:0 > "$gateway_log" 2>&1 & pids+=($!)
wait_for "$gateway_log" 'strait: serving' 200
gateway=$(sed -n 's/.* on \(http[^ ,]*\).*/\1/p' "$gateway_log" | head -1)

name=$(create_task "$gateway")
echo "backend 127.0.0.1:$port, gateway $gateway, task $name; $(nproc) cores"
dotnet "$out/load/Strait.LoadTest.dll" grpc "http://127.0.0.1:$port" "$name" "$concurrency" "$requests"
# Access logging is part of the gateway's cost in production, so it stays on (to a file) here too.
dotnet "$out/load/Strait.LoadTest.dll" rest "$gateway" "$name" "$concurrency" "$requests"
