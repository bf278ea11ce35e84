#!/usr/bin/env bash
# notifysoak.sh — the cost of notifications and persistence: two hsi-top --serve at a 1 s
# interval side by side for MINUTES minutes, both saving their state every minute, one
# with every channel on (a webhook and an ntfy topic on a local receiver, MQTT to the
# harness's mosquitto, a 10 s heartbeat) and a disk rule that is always critical, one with
# notifications off. Prints each one's CPU seconds and RSS, and the state file's size.
#
#   scripts/notifysoak.sh [MINUTES]      default 5
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-5}
work=$(mktemp -d /tmp/hsi-notifysoak.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/services.sh down "$work/svc" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
export CGO_CFLAGS="${CGO_CFLAGS:-} -Wno-deprecated-declarations"
go build -o "$work/hsi-top" .
mkdir -p "$work/svc" && chmod 755 "$work/svc"
scripts/services.sh up "$work/svc" >/dev/null
# shellcheck disable=SC1091
source "$work/svc/env"
recv_port=$(( (RANDOM % 20000) + 10000 ))
python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0))); self.send_response(200); self.end_headers()
    do_GET = do_POST
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$recv_port" &
pids+=($!)
base='interval: 1s
source_timeout: 500ms
backend:   {url: "http://127.0.0.1:1"}
detector:  {url: "http://127.0.0.1:1"}
llm:       {url: "http://127.0.0.1:1"}
frontend:  {url: "http://127.0.0.1:1"}
prometheus: {url: "http://127.0.0.1:1"}
postgres:  {dsn: "'"$HSI_TEST_PG_DSN"'"}
redis:     {url: "'"$HSI_TEST_REDIS_URL"'"}
alerts: {rules: {host_disk: {enabled: true, warning: 0.0001, critical: 0.0002}}}'
printf '%s\nstate_dir: %s\n' "$base" "$work/off" > "$work/off.yaml"
printf '%s\nstate_dir: %s\nnotify:\n  webhook: [{url: "http://127.0.0.1:%s/hook", secret: "s"}]\n  ntfy: [{url: "http://127.0.0.1:%s/topic"}]\n  mqtt: {broker: "%s"}\n  heartbeat_url: "http://127.0.0.1:%s/ping"\n  heartbeat_every: 10s\n' \
  "$base" "$work/on" "$recv_port" "$recv_port" "$HSI_TEST_MQTT_BROKER" "$recv_port" > "$work/on.yaml"
"$work/hsi-top" --config "$work/off.yaml" --serve "127.0.0.1:$(( (RANDOM % 20000) + 10000 ))" >"$work/off.log" 2>&1 &
off=$!; pids+=($off)
"$work/hsi-top" --config "$work/on.yaml" --serve "127.0.0.1:$(( (RANDOM % 20000) + 10000 ))" >"$work/on.log" 2>&1 &
on=$!; pids+=($on)
hz=$(getconf CLK_TCK)
sample() { # sample PID -> "cpu_s rss_mib"
  awk -v hz="$hz" '{printf "%.2f ", ($14+$15)/hz}' "/proc/$1/stat"
  awk '/^VmRSS/{printf "%.1f", $2/1024}' "/proc/$1/status"
}
printf '%7s %22s %22s\n' minute "off: cpu_s rss_mib" "on: cpu_s rss_mib"
for m in $(seq 0 "$minutes"); do
  [ "$m" -gt 0 ] && sleep 60
  for p in $off $on; do kill -0 "$p" 2>/dev/null || { echo "hsi-top exited"; cat "$work"/*.log; exit 1; }; done
  printf '%7s %22s %22s\n' "$m" "$(sample "$off")" "$(sample "$on")"
done
echo "state file: $(stat -c %s "$work/on/state.gob") bytes"
grep -i "notify\|error\|state" "$work/on.log" | head -5 || true
