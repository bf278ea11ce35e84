#!/usr/bin/env bash
# services.sh — real PostgreSQL, Redis, Prometheus and Mosquitto (MQTT) servers on 127.0.0.1
# for the tests.
#
#   scripts/services.sh up STATE_DIR      start everything, write STATE_DIR/env (export lines)
#   scripts/services.sh down STATE_DIR    stop everything this script started, by PID
#   scripts/services.sh stop NAME STATE_DIR / start NAME STATE_DIR
#                                         stop or restart one server (fault tests); NAME is
#                                         pg, redis, prometheus, pgfault, redisfault or mosquitto
#
# Two instances of PostgreSQL and Redis run: the shared ones for every test, and "fault"
# ones that the fault tests kill and restart without disturbing the other packages' tests,
# which go test runs in parallel.
set -euo pipefail

cmd=${1:?usage: services.sh up|down|stop|start ...}

# Ports come from below the kernel's ephemeral range (ip_local_port_range, 32768+ by
# default), so no outgoing connection can be holding the port a server is about to bind.
free_port() {
  local p lo
  lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$lo" -gt 12000 ] || lo=32768
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % (lo - 11000)) + 10000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "no free port" >&2; return 1
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$d" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
  echo "$d"
}

as_pg() { # PostgreSQL refuses to run as root: run it as the postgres user then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

wait_port() { # wait_port PORT NAME
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$2 did not open port $1" >&2; return 1
}

start_pg() { # start_pg NAME STATE
  local name=$1 state=$2 dir=$2/$1 port
  port=$(cat "$dir/port")
  as_pg "$(pg_bin)/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" start >/dev/null
  head -n1 "$dir/data/postmaster.pid" > "$dir/pid"
}

stop_pg() {
  local dir=$2/$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
}

init_pg() { # init_pg NAME STATE -> prints DSN
  local name=$1 state=$2 dir=$2/$1
  mkdir -p "$dir"
  free_port > "$dir/port"
  if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir"; chmod 755 "$state"; fi
  as_pg "$(pg_bin)/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  start_pg "$name" "$state"
  echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres?sslmode=disable"
}

start_redis() {
  local dir=$2/$1
  redis-server --port "$(cat "$dir/port")" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize no --logfile "$dir/log" --dir "$dir" >/dev/null 2>&1 &
  echo $! > "$dir/pid"
  wait_port "$(cat "$dir/port")" redis
}

init_redis() {
  local dir=$2/$1
  mkdir -p "$dir"
  free_port > "$dir/port"
  start_redis "$1" "$2"
  echo "redis://127.0.0.1:$(cat "$dir/port")/0"
}

start_prometheus() {
  local dir=$2/prometheus
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$(cat "$dir/port")" >"$dir/log" 2>&1 &
  echo $! > "$dir/pid"
  wait_port "$(cat "$dir/port")" prometheus
}

init_prometheus() {
  local state=$1 dir=$1/prometheus
  mkdir -p "$dir"
  free_port > "$dir/port"
  free_port > "$dir/exporter_port"
  cat > "$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: hsi-test-exporter
    static_configs:
      - targets: ["127.0.0.1:$(cat "$dir/exporter_port")"]
EOF
  start_prometheus prometheus "$state"
}

mosquitto_bin() { command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto; }

start_mosquitto() {
  local dir=$2/mosquitto
  "$(mosquitto_bin)" -c "$dir/mosquitto.conf" >"$dir/log" 2>&1 &
  echo $! > "$dir/pid"
  wait_port "$(cat "$dir/port")" mosquitto
}

init_mosquitto() {
  local state=$1 dir=$1/mosquitto
  mkdir -p "$dir"
  free_port > "$dir/port"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\n' \
    "$(cat "$dir/port")" > "$dir/mosquitto.conf"
  # As root, mosquitto drops to its own user; it only needs to read the config.
  chmod 755 "$dir"; chmod 644 "$dir/mosquitto.conf"
  start_mosquitto mosquitto "$state"
}

stop_pid() { # stop_pid NAME STATE
  local f=$2/$1/pid
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

case "$cmd" in
up)
  state=${2:?state dir}
  mkdir -p "$state"
  pg=$(init_pg pg "$state")
  pgfault=$(init_pg pgfault "$state")
  redis=$(init_redis redis "$state")
  redisfault=$(init_redis redisfault "$state")
  init_prometheus "$state"
  init_mosquitto "$state"
  cat > "$state/env" <<EOF
export HSI_TEST_STATE="$state"
export HSI_TEST_SERVICES="$(cd "$(dirname "$0")" && pwd)/services.sh"
export HSI_TEST_PG_DSN="$pg"
export HSI_TEST_PG_FAULT_DSN="$pgfault"
export HSI_TEST_REDIS_URL="$redis"
export HSI_TEST_REDIS_FAULT_URL="$redisfault"
export HSI_TEST_PROMETHEUS_URL="http://127.0.0.1:$(cat "$state/prometheus/port")"
export HSI_TEST_EXPORTER_ADDR="127.0.0.1:$(cat "$state/prometheus/exporter_port")"
export HSI_TEST_MQTT_BROKER="tcp://127.0.0.1:$(cat "$state/mosquitto/port")"
EOF
  ;;
down)
  state=${2:?state dir}
  for n in pg pgfault; do stop_pg "$n" "$state"; done
  for n in redis redisfault prometheus mosquitto; do stop_pid "$n" "$state"; done
  ;;
stop)
  name=${2:?name}; state=${3:?state dir}
  case "$name" in
    pg|pgfault) stop_pg "$name" "$state" ;;
    redis|redisfault|prometheus|mosquitto) stop_pid "$name" "$state" ;;
    *) echo "unknown server $name" >&2; exit 2 ;;
  esac
  ;;
start)
  name=${2:?name}; state=${3:?state dir}
  case "$name" in
    pg|pgfault) start_pg "$name" "$state" ;;
    redis|redisfault) start_redis "$name" "$state" ;;
    prometheus) start_prometheus prometheus "$state" ;;
    mosquitto) start_mosquitto mosquitto "$state" ;;
    *) echo "unknown server $name" >&2; exit 2 ;;
  esac
  ;;
*) echo "usage: services.sh up|down|stop|start" >&2; exit 2 ;;
esac
