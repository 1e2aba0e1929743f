# Sourced by the bench/run-*.sh scripts, after their `set -euo pipefail`: where things are, the builds, the processes a
# run starts (stopped however it ends) and the waits for them to listen.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/artifacts/bench"

# build NAME PROJECT: builds PROJECT (a folder of the repository) in Release into $out/NAME, printing errors only.
build() { dotnet build "$root/$2" -c Release -o "$out/$1" --nologo -v quiet -clp:ErrorsOnly; }

# track_processes: the run starts its processes as `command & pids+=($!)` and writes its logs into $logs, a temporary
# folder; on exit, whatever the cause, every process is stopped and waited for and the folder removed. The backends
# exit when their (redirected) stdin closes, so they read $logs/stdin, a pipe held open until then.
track_processes() {
  pids=()
  logs="$(mktemp -d)"
  trap stop_processes EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mkfifo "$logs/stdin"
  sleep infinity > "$logs/stdin" & pids+=($!)
}

stop_processes() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}

# wait_for LOG PATTERN [TRIES]: reads LOG every 0.1 s until a line matches PATTERN, TRIES times at most (100); then the
# run goes on either way, as a process that did not start shows in what follows.
wait_for() {
  for _ in $(seq "${3:-100}"); do grep -q "$2" "$1" && return; sleep 0.1; done
}

# listening_port LOG: the port a backend or the minimal proxy printed as `LISTENING <port>`.
listening_port() { awk '/LISTENING/ {print $2}' "$1"; }

# serving_url LOG, grpc_url LOG, admin_url LOG: the gateway's first listen URL, its HTTP/2 (gRPC) URL, its admin URL.
serving_url() { sed -n 's/^strait: serving .* on \(http[^ ,]*\).*/\1/p' "$1" | head -1; }
grpc_url() { sed -n 's/^strait: HTTP\/2 (gRPC) on \(http[^ ,]*\).*/\1/p' "$1" | head -1; }
admin_url() { sed -n 's/^strait: admin on \(http[^ ,]*\).*/\1/p' "$1" | head -1; }

# await_gateway LOG: waits up to 30 s for the gateway writing LOG to serve, else prints LOG and ends the run; sets
# $gateway and $admin to its URLs.
await_gateway() {
  wait_for "$1" 'strait: serving' 300
  grep -q 'strait: serving' "$1" || { cat "$1"; exit 1; }
  gateway=$(serving_url "$1")
  admin=$(admin_url "$1")
}

# start_minimal_proxy BACKEND [COMMAND...]: bench/Strait.MinimalProxy on a free port in front of BACKEND (host:port),
# run under COMMAND (e.g. taskset -c 1) if given; sets $minimal_port and $minimal_pid once it listens.
start_minimal_proxy() {
  local backend=$1; shift
  minimal_port=$(free_port)
  "$@" dotnet "$out/minimal/Strait.MinimalProxy.dll" "http://$backend" "$minimal_port" > "$logs/minimal.log" 2>&1 & pids+=($!)
  minimal_pid=$!
  wait_for "$logs/minimal.log" LISTENING
}

# create_task URL: creates a task of ordinary size through the REST edge at URL; prints its name.
create_task() {
  curl -s -X POST "$1/v1/tasks" -H 'content-type: application/json' \
    -d '{"task":{"title":"bench","description":"a task of ordinary size","tags":["bench","load"],"priority":"PRIORITY_HIGH"}}' \
    | sed -n 's/.*"name":"\([^"]*\)".*/\1/p'
}

# free_port: a loopback TCP port free at the moment, for a process that cannot pick its own.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# process_ticks PID: the process's user + system CPU time so far, in clock ticks.
process_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
