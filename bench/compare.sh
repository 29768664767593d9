#!/usr/bin/env bash
# One command for the side-by-side comparison of tsdbd with Prometheus 2.42 (docs/performance.md).
# Builds nothing: binaries come from the build dir (tsdbd, bench/loadgen, bench/query_bench_data).
#   bench/compare.sh [--series 10k|100k|1M] [--duration 5m] [--targets N] [--out dir]
#                    [--build build-dir] [--scrape-interval 10s] [--query-runs 20] [--churn N]
#   bench/compare.sh --queries-only [--series 100k] [--span 6h]   # issue #5: queries on replayed data
# The servers run one after the other, never together. Every child is stopped on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py_pid=
forward() { [[ -n "$py_pid" ]] && kill -TERM "$py_pid" 2>/dev/null; wait "$py_pid" 2>/dev/null; exit 130; }
trap forward INT TERM
python3 "$here/compare_run.py" "$@" &
py_pid=$!
wait "$py_pid"
