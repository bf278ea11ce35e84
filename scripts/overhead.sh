#!/usr/bin/env bash
# overhead.sh — what the dashboard costs, side by side with btop at the same 1 s refresh, in
# the same run: CPU % of one core, RSS, and the bytes written to the terminal per second
# (tmux pipe-pane), at 120×40 and 200×60; plus the time from start to the first frame.
#
#   scripts/overhead.sh [SECONDS]        default 60 per size; needs tmux (and btop: apt-get install btop)
#   HSI_CONFIG=FILE scripts/overhead.sh  measure against a configured stack instead of the simulated one
#   HSI_DEMO=1 scripts/overhead.sh       measure `hsi-top demo`, its simulated stack in the same process
#   HSI_STATE_HOME=DIR                   the state directory's parent (default: a new empty one),
#                                        e.g. one holding an hour of saved history
#   HSI_WARMUP=SECONDS                   the wait before measuring (default 30: after start-up's trim)
#   HSI_ROUNDS=N                         measure each size N times, both tools started anew each
#                                        time, and sum the rounds (default 1; see below)
#   HSI_SIZES="WxH ..."                  the sizes, in order (default "120x40 200x60")
#
# One round's ratio depends on when in the second each tool's refresh falls against the
# other's and the simulated stack's (a process waking an idle vCPU pays for it; on the
# 2-core VM the same binary measured 0.3–0.7 % of a core from one start to the next):
# HSI_ROUNDS=3 or more gives each round new phases and reports the ratio of the summed CPU.
# The rounds take turns at which tool starts first (odd rounds hsi-top, even rounds btop):
# measured side by side, the process started first was the dearer one in every round, so
# a fixed order would charge that to one of them. HSI_ROUNDS=4 gives each order two.
#
# By default hsi-top runs at a 1 s interval against the demo's simulated stack served by a
# process of its own (`go run ./cmd/fakestack -simulated`: the backend, detector, llama.cpp
# and frontend answering with the recorded responses, a small Redis and PostgreSQL with
# numbers that move, a Docker-shaped Engine API), as on the box: every source configured
# and answering, only the GPU left to this machine's driver. HSI_DEMO=1 measures `hsi-top
# demo` instead, whose simulated services and two mock GPUs run inside the measured
# process: an upper bound for the dashboard alone.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
work=$(mktemp -d /tmp/hsi-overhead.XXXXXX)
stack_pid=
cleanup() {
  tmx kill-server 2>/dev/null || true
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/hsi-overhead-$$"
  if [ -n "$stack_pid" ]; then kill "$stack_pid" 2>/dev/null || true; wait "$stack_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
command -v tmux >/dev/null || { echo "overhead.sh needs tmux" >&2; exit 3; }
# tmx: tmux on a server of the script's own, kept alive between rounds by an idle session:
# a server whose last session ends exits, and a session started at that moment fails
# ("server exited unexpectedly").
tmx() { tmux -L "hsi-overhead-$$" "$@"; }
CGO_CFLAGS="-Wno-deprecated-declarations" go build -o "$work/hsi-top" .
# Written out as an installed binary is: the kernel cannot drop the dirty pages of a file
# just written, and hsi-top hands back its binary's start-up pages 15 s after start
# (internal/residency), which would then stay resident.
sync "$work/hsi-top"
# Its own state directory: no history restored from, or saved over, the user's.
export XDG_STATE_HOME="${HSI_STATE_HOME:-$work/state}"

if [ -n "${HSI_CONFIG:-}" ]; then
  hsi="$work/hsi-top --config $HSI_CONFIG --interval 1s"
elif [ -n "${HSI_DEMO:-}" ]; then
  hsi="$work/hsi-top demo --interval 1s"
else
  go build -o "$work/fakestack" ./cmd/fakestack
  "$work/fakestack" -simulated -config-out "$work/stack.yaml" > "$work/fakestack.log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 100); do [ -s "$work/stack.yaml" ] && break; sleep 0.05; done
  [ -s "$work/stack.yaml" ] || { echo "the simulated stack did not start: $(cat "$work/fakestack.log")" >&2; exit 3; }
  hsi="$work/hsi-top --config $work/stack.yaml --interval 1s"
fi
hz=$(getconf CLK_TCK)
# cpu PID: the process's CPU time so far in ns, the sum of its threads' run time
# (/proc/PID/task/*/schedstat, exact), then the same in clock ticks (/proc/PID/stat, whole
# ticks: ±1 tick is ±8 % of hsi-top's minute). A thread that exits takes its time out of
# the sum, not out of the ticks: cpu_pct falls back to the ticks when the sum lost time.
cpu() { echo "$(cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s+=$1} END{printf "%.0f", s}') $(awk '{print $14+$15}' "/proc/$1/stat")"; }
# cpu_pct "NS0 T0" "NS1 T1": % of one core over the measured seconds.
cpu_pct() {
  awk -v a="$1" -v b="$2" -v hz="$hz" -v s="$secs" 'BEGIN{split(a, x, " "); split(b, y, " ")
    ns = y[1] - x[1]; t = y[2] - x[2]
    if (ns * hz / 1e9 < t - 1) ns = t * 1e9 / hz
    printf "%.3f", ns / 1e9 / s * 100}'
}
rss_mib() { awk '/^VmRSS/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
# RssAnon is the process's own memory; the rest of RSS is file pages (the mapped binary).
anon_mib() { awk '/^RssAnon/{printf "%.1f", $2/1024}' "/proc/$1/status"; }
pane_pid() { tmx list-panes -t "$1" -F '#{pane_pid}'; }
bps() { awk -v b="$1" -v s="$secs" 'BEGIN{printf "%.0f", b/s}'; }
size_of() { stat -c %s "$1"; }

have_btop=0
if command -v btop >/dev/null; then
  have_btop=1
  mkdir -p "$work/home/.config/btop"
  printf 'update_ms = 1000\n' > "$work/home/.config/btop/btop.conf"
fi

# wait_frame SESSION TEXT TOOL: until the pane shows TEXT (the tool's first frame), 10 s at most.
wait_frame() {
  local t0
  t0=$(date +%s%N)
  while ! tmx capture-pane -p -t "$1" 2>/dev/null | grep -q "$2"; do
    sleep 0.005
    if [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 10000 ]; then echo "$3 drew no frame within 10 s" >&2; exit 3; fi
  done
}

# start SESSION W H COMMAND: a detached pane whose output is copied to $work/SESSION.out.
start() {
  tmx new-session -d -s "$1" -x "$2" -y "$3" "exec env TERM=xterm-256color XDG_STATE_HOME=$XDG_STATE_HOME $4"
  : > "$work/$1.out"
  tmx pipe-pane -t "$1" -o "cat >> $work/$1.out"
}

# The warm-up ends after start-up: hsi-top hands back its start-up pages 15 s after start
# (internal/residency) and faults back in what it still uses over the next seconds (code
# run only now and then, a minute's retry, comes back over the next minute or two:
# HSI_WARMUP=120 measures after that); both tools are measured from the same instant.
warmup=${HSI_WARMUP:-30}
echo "1 s refresh, ${secs} s measured per size after a ${warmup} s warm-up; CPU is % of one core"
printf '%-8s %-8s %8s %9s %10s %10s\n' tool size "CPU %" "RSS MiB" "anon MiB" "bytes/s"
rounds=${HSI_ROUNDS:-1}
# Started after every export above: the panes get the server's environment
# (XDG_STATE_HOME included), not the environment of the command that opens them.
tmx new-session -d -s keep "sleep 86400"
for size in ${HSI_SIZES:-120x40 200x60}; do
  w=${size%x*} h=${size#*x}
  hsum=0 bsum=0 ratios=
  declare -A osum=([hsi-top,h]=0 [hsi-top,b]=0 [btop,h]=0 [btop,b]=0)
  for round in $(seq "$rounds"); do
    first=hsi-top
    if [ "$have_btop" = 1 ] && [ $((round % 2)) = 0 ]; then
      first=btop
      start btop-oh "$w" "$h" "env HOME=$work/home btop"
      wait_frame btop-oh "cpu" btop
    fi
    t0=$(date +%s%N)
    start hsi-oh "$w" "$h" "$hsi"
    wait_frame hsi-oh "workers" hsi-top
    first_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$have_btop" = 1 ] && [ "$first" = hsi-top ] && start btop-oh "$w" "$h" "env HOME=$work/home btop"
    sleep "$warmup"
    hpid=$(pane_pid hsi-oh); h0=$(cpu "$hpid"); hb0=$(size_of "$work/hsi-oh.out")
    if [ "$have_btop" = 1 ]; then bpid=$(pane_pid btop-oh); b0=$(cpu "$bpid"); bb0=$(size_of "$work/btop-oh.out"); fi
    sleep "$secs"
    h1=$(cpu "$hpid"); hb1=$(size_of "$work/hsi-oh.out")
    if [ "$have_btop" = 1 ]; then b1=$(cpu "$bpid"); bb1=$(size_of "$work/btop-oh.out"); fi
    hcpu=$(cpu_pct "$h0" "$h1")
    printf '%-8s %-8s %8s %9s %10s %10s   (first frame %d ms)\n' hsi-top "$size" "$hcpu" "$(rss_mib "$hpid")" "$(anon_mib "$hpid")" "$(bps $((hb1-hb0)))" "$first_ms"
    if [ "$have_btop" = 1 ]; then
      bcpu=$(cpu_pct "$b0" "$b1")
      ratio=$(awk -v h="$hcpu" -v b="$bcpu" 'BEGIN{if (b > 0) printf "%.2f", h/b; else print "–"}')
      printf '%-8s %-8s %8s %9s %10s %10s   (hsi-top/btop CPU %s, %s started first)\n' btop "$size" "$bcpu" "$(rss_mib "$bpid")" "$(anon_mib "$bpid")" "$(bps $((bb1-bb0)))" "$ratio" "$first"
      hsum=$(awk -v a="$hsum" -v b="$hcpu" 'BEGIN{print a + b}') bsum=$(awk -v a="$bsum" -v b="$bcpu" 'BEGIN{print a + b}')
      osum[$first,h]=$(awk -v a="${osum[$first,h]}" -v b="$hcpu" 'BEGIN{print a + b}')
      osum[$first,b]=$(awk -v a="${osum[$first,b]}" -v b="$bcpu" 'BEGIN{print a + b}')
      ratios="$ratios $ratio"
    else
      echo "btop     $size   not installed (apt-get install btop): no comparison"
    fi
    for s in hsi-oh btop-oh; do tmx kill-session -t "$s" 2>/dev/null || true; done
  done
  if [ "$rounds" -gt 1 ] && [ "$have_btop" = 1 ]; then
    awk -v h="$hsum" -v b="$bsum" -v n="$rounds" -v size="$size" -v r="$ratios" \
      -v hh="${osum[hsi-top,h]}" -v hb="${osum[hsi-top,b]}" -v bh="${osum[btop,h]}" -v bb="${osum[btop,b]}" 'BEGIN{
      printf "%-8s %-8s %8.3f vs btop %.3f (means of %d rounds): hsi-top/btop CPU %.2f; hsi-top first %.2f, btop first %.2f; rounds:%s\n",
        "rounds", size, h/n, b/n, n, (b > 0 ? h/b : 0), (hb > 0 ? hh/hb : 0), (bb > 0 ? bh/bb : 0), r}'
  fi
done
