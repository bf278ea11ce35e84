#!/usr/bin/env bash
# test.sh — the project's one test command: installs what is missing (Debian), starts real
# PostgreSQL, Redis and Prometheus servers on 127.0.0.1, runs go vet and go test -race on
# every package, and stops the servers it started, even on failure.
#
#   scripts/test.sh [go test args...]     e.g. scripts/test.sh -run TestEngine ./collector
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v prometheus   >/dev/null || need+=(prometheus)
command -v tmux         >/dev/null || need+=(tmux)
command -v chromium     >/dev/null || need+=(chromium)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
# The shells and the manual-page linter the completion and man tests drive.
for tool in zsh fish mandoc; do command -v "$tool" >/dev/null || need+=("$tool"); done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's postgresql package starts a cluster on 5432; the tests use their own.

state=$(mktemp -d /tmp/hsi-top-test.XXXXXX)
chmod 755 "$state"
cleanup() { scripts/services.sh down "$state" || true; rm -rf "$state"; }
trap cleanup EXIT INT TERM
scripts/services.sh up "$state"
# shellcheck disable=SC1091
source "$state/env"

# NVML's header marks functions deprecated that go-nvml still wraps; the warnings are noise.
export CGO_CFLAGS="${CGO_CFLAGS:-} -Wno-deprecated-declarations"
export CI="${CI:-}"

echo "test.sh: gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted" >&2; exit 1; fi
echo "test.sh: go vet ./..."
go vet ./...
echo "test.sh: go test -race"
if [ $# -gt 0 ]; then
  go test -race "$@"
else
  go test -race -timeout 12m ./...
fi

# contrib/: the systemd unit and the Prometheus scrape example, each checked with its own
# tool where installed (promtool comes with the prometheus package installed above).
if command -v systemd-analyze >/dev/null; then
  echo "test.sh: systemd-analyze verify contrib/systemd/hsi-top.service"
  # verify wants ExecStart's binary to exist, and prints problems but exits 0: any output
  # fails. security --threshold keeps the hardening from slipping (exposure 1.7 today).
  sed "s|^ExecStart=/usr/local/bin/hsi-top|ExecStart=$(command -v true)|" contrib/systemd/hsi-top.service > "$state/hsi-top.service"
  verify=$(systemd-analyze verify --man=no "$state/hsi-top.service" 2>&1) || { echo "$verify" >&2; exit 1; }
  if [ -n "$verify" ]; then echo "$verify" >&2; exit 1; fi
  systemd-analyze security --offline=yes --threshold=30 --no-pager "$state/hsi-top.service" >/dev/null
fi
if command -v promtool >/dev/null; then
  echo "test.sh: promtool check config contrib/prometheus/prometheus.yml"
  promtool check config contrib/prometheus/prometheus.yml
fi
if command -v promtool >/dev/null; then
  echo "test.sh: hsi-top rules --format prometheus | promtool check rules"
  go run . rules --format prometheus --config config.example.yaml | promtool check rules /dev/stdin >/dev/null
fi
