#!/usr/bin/env bash
# The whole test suite: installs the Node interop backend's packages, then runs every .NET test
# (unit tests and end-to-end tests over real loopback sockets).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# The DNS discovery tests run a real dnsmasq. /usr/sbin is not on every PATH, hence the second check.
# `set -e` ignores a failure on the left of `&&`, so the install's failure is handled explicitly.
if ! command -v dnsmasq >/dev/null 2>&1 && [ ! -x /usr/sbin/dnsmasq ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq-base >/dev/null; } \
            || { echo "test.sh: apt-get install dnsmasq-base failed" >&2; exit 1; }
    else
        echo "test.sh: dnsmasq not found and cannot apt-get install dnsmasq-base (not root or no apt-get); the DNS tests will fail" >&2
    fi
fi

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
