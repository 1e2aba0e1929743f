#!/usr/bin/env bash
# The whole test suite: installs the Node interop backend's packages, then runs every .NET test
# (unit tests and end-to-end tests over real loopback sockets).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# The DNS discovery tests run a real dnsmasq, the shared idempotency store tests a real PostgreSQL server, the
# browser test Debian's Chromium (Playwright's own browser builds are a download, which is not to be had here), the
# cleartext listener test curl (Debian's speaks HTTP/2 with prior knowledge).
# /usr/sbin is not on every PATH, hence the second dnsmasq check. `set -e` ignores a failure on the left of `&&`,
# so an install's failure is handled explicitly.
missing=()
if ! command -v dnsmasq >/dev/null 2>&1 && [ ! -x /usr/sbin/dnsmasq ]; then
    missing+=(dnsmasq-base)
fi
if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
    missing+=(postgresql)
fi
if [ ! -x /usr/bin/chromium ]; then
    missing+=(chromium)
fi
if ! command -v curl >/dev/null 2>&1; then
    missing+=(curl)
fi
# The tests start their own throwaway servers: the package need not create and start a system cluster.
if [[ " ${missing[*]-} " == *" postgresql "* ]] && [ "$(id -u)" -eq 0 ] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
fi
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
            || { echo "test.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
    else
        echo "test.sh: ${missing[*]} missing and cannot apt-get install (not root or no apt-get); the DNS, PostgreSQL, browser or curl tests will fail" >&2
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
