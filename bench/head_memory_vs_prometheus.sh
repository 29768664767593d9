#!/usr/bin/env bash
# Resident memory per active series, tsdbd against Prometheus 2.42 on the same series: both
# start on copies of one WAL (written by wal_gen), replay it, and settle; the RSS above an
# empty start, divided by the series count, is the figure. Loopback only, bounded in time.
#   bench/head_memory_vs_prometheus.sh [series=100000] [samples-per-series=8]
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-100000}
samples=${2:-8}
build=${BUILD_DIR:-build}
settle=${SETTLE_SECONDS:-15}

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
wait_ready() {  # port
  for _ in $(seq 1 1200); do
    curl -sf "http://127.0.0.1:$1/-/ready" >/dev/null && return 0
    sleep 0.5
  done
  echo "not ready on port $1" >&2; return 1
}
# Starts a server (tsdbd or prometheus) on a data dir, waits, settles; prints its RSS in KiB.
measure() {  # binary data-dir
  local port; port=$(free_port)
  "$1" --config.file="$tmp/config.yml" --storage.tsdb.path="$2" \
       --web.listen-address="127.0.0.1:$port" >"$2.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_ready "$port"
  sleep "$settle"
  rss_kib "$pid"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

printf 'global:\n  scrape_interval: 15s\n' >"$tmp/config.yml"
"$build/bench/wal_gen" "$tmp/data" "$series" "$samples"
for who in tsdbd prometheus; do
  mkdir -p "$tmp/$who-empty"
  cp -r "$tmp/data" "$tmp/$who-full"
done

tsdbd_bin="$build/cmd/tsdbd/tsdbd"
t_empty=$(measure "$tsdbd_bin" "$tmp/tsdbd-empty")
t_full=$(measure "$tsdbd_bin" "$tmp/tsdbd-full")
p_empty=$(measure prometheus "$tmp/prometheus-empty")
p_full=$(measure prometheus "$tmp/prometheus-full")

python3 - "$series" "$samples" "$t_empty" "$t_full" "$p_empty" "$p_full" <<'PY'
import sys
series, samples, te, tf, pe, pf = map(int, sys.argv[1:])
t = (tf - te) * 1024 / series
p = (pf - pe) * 1024 / series
print(f"| {series} series x {samples} samples | tsdbd | Prometheus 2.42 | ratio |")
print(f"|---|---|---|---|")
print(f"| RSS, empty start | {te/1024:.1f} MiB | {pe/1024:.1f} MiB | {te/pe:.2f} |")
print(f"| RSS, after replay | {tf/1024:.1f} MiB | {pf/1024:.1f} MiB | {tf/pf:.2f} |")
print(f"| bytes per active series | {t:.0f} | {p:.0f} | {t/p:.2f} |")
PY
