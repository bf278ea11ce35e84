#!/usr/bin/env bash
# overhead.sh — what hsi-top costs: its own CPU % and RSS while the dashboard runs in tmux at a
# 1 s interval, measured side by side with btop at the same refresh, plus the time from start to
# the first drawn frame with every source unreachable.
#
#   scripts/overhead.sh [SECONDS]        default 60; needs tmux (and btop for the comparison)
#   HSI_CONFIG=FILE scripts/overhead.sh  measure against a configured stack instead
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
work=$(mktemp -d /tmp/hsi-overhead.XXXXXX)
trap 'tmux kill-session -t hsi-oh 2>/dev/null; tmux kill-session -t btop-oh 2>/dev/null; rm -rf "$work"' EXIT
command -v tmux >/dev/null || { echo "overhead.sh needs tmux" >&2; exit 3; }
CGO_CFLAGS="-Wno-deprecated-declarations" go build -o "$work/hsi-top" .

cfg=${HSI_CONFIG:-}
if [ -z "$cfg" ]; then
  cfg=$work/offline.yaml
  cat > "$cfg" <<'YAML'
interval: 1s
source_timeout: 800ms
backend:    {url: "http://127.0.0.1:1"}
detector:   {url: "http://127.0.0.1:1"}
llm:        {url: "http://127.0.0.1:1"}
frontend:   {url: "http://127.0.0.1:1"}
prometheus: {url: "http://127.0.0.1:1"}
postgres:   {dsn: "postgres://x@127.0.0.1:1/x?connect_timeout=1"}
redis:      {url: "redis://127.0.0.1:1/0"}
YAML
fi

hz=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
pane_pid() { tmux list-panes -t "$1" -F '#{pane_pid}'; }

# Start to first frame: poll the pane every 5 ms until the header is drawn.
start=$(date +%s%N)
tmux new-session -d -s hsi-oh -x 120 -y 40 "exec env ${HSI_ENV:-} $work/hsi-top --config $cfg --interval 1s"
while ! tmux capture-pane -p -t hsi-oh 2>/dev/null | grep -q "hsi-top"; do
  sleep 0.005
  if [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 10000 ]; then echo "no frame within 10 s" >&2; exit 3; fi
done
first_ms=$(( ($(date +%s%N) - start) / 1000000 ))
hpid=$(pane_pid hsi-oh)

bpid=""
if command -v btop >/dev/null; then
  mkdir -p "$work/home/.config/btop"
  printf 'update_ms = 1000\n' > "$work/home/.config/btop/btop.conf"
  tmux new-session -d -s btop-oh -x 120 -y 40 "exec env HOME=$work/home btop"
  sleep 2
  bpid=$(pane_pid btop-oh)
fi

sleep 5 # warm-up: history and caches fill
h0=$(ticks "$hpid"); [ -n "$bpid" ] && b0=$(ticks "$bpid")
sleep "$secs"
h1=$(ticks "$hpid"); [ -n "$bpid" ] && b1=$(ticks "$bpid")

pct() { awk -v d="$1" -v hz="$hz" -v s="$secs" 'BEGIN{printf "%.2f", d/hz/s*100}'; }
echo "interval 1s, ${secs}s measured after 5s warm-up, tmux 120x40"
echo "hsi-top: start to first frame ${first_ms} ms"
echo "hsi-top: CPU $(pct $((h1-h0))) % of one core, RSS $(( $(rss_kb "$hpid") / 1024 )) MiB"
if [ -n "$bpid" ]; then
  echo "btop:    CPU $(pct $((b1-b0))) % of one core, RSS $(( $(rss_kb "$bpid") / 1024 )) MiB"
else
  echo "btop:    not installed (apt-get install btop) — no comparison"
fi
