#!/usr/bin/env bash
# loadtest.sh — the feed's fan-out and churn measurement (not a test: it reports numbers).
# Starts a feed server in a child process over a synthetic collector, connects 1,000
# reading clients and 50 that never read at a 1 s cadence for 60 s, then runs 10,000
# connect/disconnect cycles. Extra arguments go to cmd/feedload, e.g.
#   scripts/loadtest.sh -clients 200 -duration 10s -churn 1000
# or the idle-socket soak (2,000 sockets that never read against the default cap of 256):
#   scripts/loadtest.sh -idle 2000 -soak 45s
set -euo pipefail
cd "$(dirname "$0")/.."
# 1,050 sockets on each side, plus the churn's: raise the open-file limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "loadtest.sh: open-file limit $(ulimit -n)"
bin=$(mktemp -d /tmp/feedload.XXXXXX)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/feedload" ./cmd/feedload
"$bin/feedload" -clients 1000 -slow 50 -duration 60s -interval 1s -churn 10000 "$@"
