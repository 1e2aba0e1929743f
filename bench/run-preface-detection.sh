#!/usr/bin/env bash
# What reading the HTTP/2 preface costs a cleartext listen port: GET /v1/tasks/{id} through Strait with detection
# (listenProtocols unset: HTTP/1.1 and h2c) and without it (listenProtocols: http1), and, given BASELINE_DLL (a
# Strait.Server.dll built from an older commit), through that build too. Every gateway runs beside the others on one
# TaskService; the sides take turns, in a rotating order, so that a busy moment of the machine falls on every side.
#   keep-alive:     Strait.LoadTest rest (HttpClient, 16 pooled connections): detection runs once per connection.
#   wrk keep-alive: the same with wrk, 16 connections.
#   wrk close:      wrk with Connection: close, a new connection for every request: detection runs once per request.
# The wrk lines add the gateway's CPU time per request (from /proc), which a busy machine disturbs less than req/s.
# Usage: [BASELINE_DLL=/path/Strait.Server.dll] bench/run-preface-detection.sh [rounds] [requests] [wrk-seconds]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rounds="${1:-3}"
requests="${2:-50000}"
seconds="${3:-5}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
build load bench/Strait.LoadTest
build strait src/Strait.Server
build taskservice samples/TaskService

pids=()
logs=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -f "${stdin_pipe:-}" "${logs[@]}"; }
trap cleanup EXIT

backend_log="$(mktemp)"; stdin_pipe="$(mktemp -u)"; logs+=("$backend_log")
# The backend exits when its (redirected) stdin closes, so it is fed from a pipe held open until cleanup.
mkfifo "$stdin_pipe"
sleep infinity > "$stdin_pipe" & pids+=($!)
dotnet "$out/taskservice/TaskService.dll" --port 0 > "$backend_log" 2>&1 < "$stdin_pipe" & pids+=($!)
wait_for "$backend_log" LISTENING 600
port=$(listening_port "$backend_log")
[ -n "$port" ] || { echo "TaskService did not start: $(cat "$backend_log")" >&2; exit 1; }

# start NAME DLL [VAR=VALUE]: a gateway on a free loopback port; prints its URL.
start() {
  local log; log="$(mktemp)"; logs+=("$log")
  # The gateway refuses STRAIT_ variables it does not know, such as the load generator's.
  env $(compgen -e | sed -n 's/^STRAIT_LOAD_/-u &/p') ${3:+"$3"} dotnet "$2" serve --proto "$root/samples/TaskService/Protos/todo.proto" \
    --backend "127.0.0.1:$port" --listen http://127.0.0.1:0 > "$log" 2>&1 & pids+=($!); gateway_pid[$1]=$!
  wait_for "$log" 'strait: serving' 600
  urls[$1]=$(sed -n 's/.* on \(http[^ ,]*\).*/\1/p' "$log" | head -1)
  [ -n "${urls[$1]}" ] || { echo "gateway $1 did not start: $(cat "$log")" >&2; exit 1; }
}
ticks=$(getconf CLK_TCK)
# measure LABEL [WRK-ARGS...]: wrk against $side for $seconds, with the gateway's CPU time per request.
measure() {
  local label=$1 before used report; shift
  before=$(process_ticks "${gateway_pid[$side]}")
  report=$(wrk -t1 -c16 -d"${seconds}s" --latency "$@" "${urls[$side]}/v1/$name")
  used=$(( $(process_ticks "${gateway_pid[$side]}") - before ))
  echo "$label $(awk -v used="$used" -v ticks="$ticks" '/requests in/ {n=$1} /Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Non-2xx|Socket errors/ {err=err", "$0} END {printf "%s req/s, p50 %s, p99 %s, gateway CPU %.0f us/request%s\n", rps, p50, p99, used / ticks * 1e6 / n, err}' <<< "$report")"
}
declare -A urls gateway_pid
sides=(detect http1)
start detect "$out/strait/Strait.Server.dll"
start http1 "$out/strait/Strait.Server.dll" STRAIT_LISTENPROTOCOLS=http1
if [ -n "${BASELINE_DLL:-}" ]; then
  sides+=(baseline)
  start baseline "$BASELINE_DLL"
fi

name=$(create_task "${urls[detect]}")
echo "backend 127.0.0.1:$port, task $name; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for side in "${sides[@]}"; do echo "$side: ${urls[$side]}"; done
for round in $(seq "$rounds"); do
  # Each round starts with the next side, so that no side always follows the same one.
  shift_by=$(( (round - 1) % ${#sides[@]} ))
  for side in "${sides[@]:shift_by}" "${sides[@]:0:shift_by}"; do
    echo "round $round $side keep-alive: $(dotnet "$out/load/Strait.LoadTest.dll" rest "${urls[$side]}" "$name" 16 "$requests")"
    measure "round $round $side wrk keep-alive:"
    wrk -t1 -c16 -d2s -H 'Connection: close' "${urls[$side]}/v1/$name" > /dev/null
    measure "round $round $side wrk close:" -H 'Connection: close'
  done
done
