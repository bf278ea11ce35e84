#!/usr/bin/env bash
# soak.sh — hsi-top --serve at a 1 s interval against the test harness's real PostgreSQL and
# Redis and the fixture-replaying fakes (cmd/fakestack), for MINUTES minutes: prints its RSS
# and CPU every minute, so "resident memory after 1 h ≤ 40 MB, flat" can be checked.
#
#   scripts/soak.sh [MINUTES]      default 60
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
work=$(mktemp -d /tmp/hsi-soak.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/services.sh down "$work/state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
export CGO_CFLAGS="${CGO_CFLAGS:-} -Wno-deprecated-declarations"
go build -o "$work/hsi-top" . && go build -o "$work/fakestack" ./cmd/fakestack
mkdir -p "$work/state" && chmod 755 "$work/state"
scripts/services.sh up "$work/state"
# shellcheck disable=SC1091
source "$work/state/env"
"$work/fakestack" -config-out "$work/hsi-top.yaml" \
  -postgres "$HSI_TEST_PG_DSN" -redis "$HSI_TEST_REDIS_URL" > "$work/fakestack.log" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/hsi-top.yaml" ] && break; sleep 0.1; done
port=$(( (RANDOM % 20000) + 10000 )) # below the ephemeral range
"$work/hsi-top" --config "$work/hsi-top.yaml" --serve "127.0.0.1:$port" 2> "$work/serve.log" &
hpid=$!
pids+=($hpid)
hz=$(getconf CLK_TCK)
printf '%7s %9s %12s %10s\n' minute rss_mib cpu_s_total snapshots
for m in $(seq 0 "$minutes"); do
  [ "$m" -gt 0 ] && sleep 60
  kill -0 "$hpid" 2>/dev/null || { echo "hsi-top exited:"; cat "$work/serve.log"; exit 1; }
  rss=$(awk '/^VmRSS/{printf "%.1f", $2/1024}' "/proc/$hpid/status")
  cpu=$(awk -v hz="$hz" '{printf "%.2f", ($14+$15)/hz}' "/proc/$hpid/stat")
  n=$(curl -s "http://127.0.0.1:$port/api/system/performance/history?time_range=60m" | grep -o '"count":[0-9]*' | cut -d: -f2)
  printf '%7s %9s %12s %10s\n' "$m" "$rss" "$cpu" "${n:-?}"
done
