#!/usr/bin/env bash
# The whole test suite: installs the Node interop backend's packages, then runs every .NET test
# (unit tests and end-to-end tests over real loopback sockets).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

npm ci --prefix samples/node-echo --no-audit --no-fund --loglevel=error

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test Strait.sln -c Release --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test assemblies, from `dotnet test`'s per-assembly summaries.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' FS='[ ,]+' "$log"
exit "$status"
