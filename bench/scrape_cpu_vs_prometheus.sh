#!/usr/bin/env bash
# CPU seconds per million scraped samples, tsdbd against Prometheus 2.42 on the same
# targets: J jobs scrape one static body of S series every second from a local file server,
# each server runs alone for D seconds, and its utime+stime is read from /proc.
# Loopback only, bounded in time.
#   bench/scrape_cpu_vs_prometheus.sh [series=10000] [jobs=10] [seconds=60]
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-10000}
jobs=${2:-10}
seconds=${3:-60}
build=${BUILD_DIR:-build}

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat"; }

mkdir -p "$tmp/www"
python3 - "$series" >"$tmp/www/metrics" <<'PY'
import sys
n = int(sys.argv[1])
print("# TYPE http_requests_total counter")
for i in range(n):
    print(f'http_requests_total{{method="{["GET","POST"][i%2]}",path="/api/v1/item/{i//2}",status="{[200,404,500][i%3]}"}} {i*7+1}')
PY
www_port=$(free_port)
python3 -m http.server --bind 127.0.0.1 "$www_port" --directory "$tmp/www" >/dev/null 2>&1 &
pids+=($!)

{
  printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n'
  for j in $(seq 1 "$jobs"); do
    printf '  - job_name: job%s\n    static_configs: [{targets: ["127.0.0.1:%s"]}]\n' "$j" "$www_port"
  done
} >"$tmp/config.yml"

run() {  # name binary -> prints "cpu_seconds samples"
  local port; port=$(free_port)
  "$2" --config.file="$tmp/config.yml" --storage.tsdb.path="$tmp/$1-data" \
       --web.listen-address="127.0.0.1:$port" >"$tmp/$1.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.2; done
  local start; start=$(cpu_seconds "$pid")
  sleep "$seconds"
  local end; end=$(cpu_seconds "$pid")
  local samples
  samples=$(curl -s "http://127.0.0.1:$port/api/v1/query" --data-urlencode \
            "query=sum(sum_over_time(scrape_samples_scraped[${seconds}s]))" |
            python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$(python3 -c "print($end-$start)") $samples"
}

read -r t_cpu t_samples < <(run tsdbd "$build/cmd/tsdbd/tsdbd")
read -r p_cpu p_samples < <(run prometheus prometheus)
python3 - "$series" "$jobs" "$seconds" "$t_cpu" "$t_samples" "$p_cpu" "$p_samples" <<'PY'
import sys
series, jobs, seconds = map(int, sys.argv[1:4])
tc, ts, pc, ps = map(float, sys.argv[4:])
t = tc / (ts / 1e6) if ts else float("nan")
p = pc / (ps / 1e6) if ps else float("nan")
print(f"| {jobs} targets x {series} series, 1s interval, {seconds}s | tsdbd | Prometheus 2.42 | ratio |")
print("|---|---|---|---|")
print(f"| samples scraped | {ts:.0f} | {ps:.0f} | |")
print(f"| CPU seconds | {tc:.2f} | {pc:.2f} | {tc/pc:.2f} |")
print(f"| CPU seconds per million samples | {t:.3f} | {p:.3f} | {t/p:.2f} |")
PY
