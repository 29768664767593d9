#!/usr/bin/env bash
# Storage II against Prometheus 2.42, each server on its own copy of the same generated WAL,
# in the same run (issue #6):
#   size     bytes per sample on disk once the WAL has been compacted into blocks (small
#            --storage.tsdb.min-block-duration so that it happens at start), the CPU seconds
#            and RSS rise of that compaction;
#   restart  time from exec to /-/ready 200 on a data dir of a day of data (blocks + the WAL
#            tail), each server on the blocks it wrote itself, median of RUNS starts;
#   query    range-query latency medians over the same samples in the head and in blocks.
# Loopback only; every wait is bounded; servers are stopped by PID on exit.
#   bench/blocks_vs_prometheus.sh [size] [restart] [query]      (default: all three)
# Environment (defaults): BUILD_DIR=build
#   SIZE_SERIES=10000 SIZE_HOURS=8 SIZE_INTERVAL=15000 SIZE_BLOCK=1h
#   RESTART_SERIES=100000 RESTART_HOURS=24 RESTART_INTERVAL=60000 RUNS=3
#   QUERY_SERIES=10000 QUERY_REPEAT=15
#   DATA=wal_gen|query_bench_data (the series shapes; see bench/tools/*.cc)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${BUILD_DIR:-build}
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(size restart query)
tsdbd_bin="$root/$build/cmd/tsdbd/tsdbd"
data_kind=${DATA:-wal_gen}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/blocks-vs-prom-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat"; }
status_kib() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; }
metric() {  # port name -> sum of the samples of that metric family (0 if absent)
  curl -sf "http://127.0.0.1:$1/metrics" |
    awk -v n="$2" '$1==n || index($1, n"{")==1 {s+=$NF} END {printf "%.0f\n", s}'
}

# Writes the source WAL into $1/wal: series, hours, interval-ms.
gen_data() {
  local dir=$1 series=$2 hours=$3 interval=$4
  local samples=$((hours * 3600000 / interval))
  case "$data_kind" in
    wal_gen) "$root/$build/bench/wal_gen" "$dir" "$series" "$samples" "$interval" ;;
    query_bench_data)
      "$root/$build/bench/query_bench_data" "$dir" "$series" $(((samples - 1) * interval)) "$interval" >/dev/null ;;
    *) echo "unknown DATA=$data_kind" >&2; return 2 ;;
  esac
}

# start NAME BINARY DATA-DIR [flags...]: starts a server in the background; sets $port, $pid.
start() {
  local name=$1 bin=$2 dir=$3
  shift 3
  port=$(free_port)
  "$bin" --config.file="$tmp/config.yml" --storage.tsdb.path="$dir" \
         --web.listen-address="127.0.0.1:$port" "$@" >>"$tmp/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
}
stop() {  # pid
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  wait "$1" 2>/dev/null || true
}
wait_ready() {  # port pid; polls every 20 ms for at most 20 minutes
  for _ in $(seq 1 60000); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/-/ready" && return 0
    kill -0 "$2" 2>/dev/null || { echo "server $2 exited before ready" >&2; return 1; }
    sleep 0.02
  done
  echo "not ready on port $1" >&2; return 1
}
# Waits until compaction has settled: at least one compaction ran, the head spans no more
# than 1.5 block ranges and prometheus_tsdb_compactions_total stayed put for 15 s.
# Bounded by 30 minutes. Prometheus triggers its first compaction from a 1-minute ticker.
wait_settled() {  # port block-range-ms
  local last=-1 same=0 span n
  for _ in $(seq 1 900); do
    n=$(metric "$1" prometheus_tsdb_compactions_total)
    span=$(( $(metric "$1" prometheus_tsdb_head_max_time) - $(metric "$1" prometheus_tsdb_head_min_time) ))
    if [ "$n" -gt 0 ] && [ "$n" = "$last" ] && [ "$span" -le $(($2 * 3 / 2)) ]; then
      same=$((same + 1))
      [ "$same" -ge 8 ] && return 0
    else
      same=0
    fi
    last=$n
    sleep 2
  done
  echo "compaction did not settle on port $1" >&2; return 1
}
# blocks_stats DIR -> "bytes samples series chunks blocks index_bytes chunk_bytes"
blocks_stats() {
  python3 - "$1" <<'PY'
import json, os, sys
d = sys.argv[1]
tot = [0] * 7
for b in os.listdir(d):
    meta = os.path.join(d, b, "meta.json")
    if not os.path.isfile(meta):
        continue
    m = json.load(open(meta))
    st = m.get("stats", {})
    for root, _, files in os.walk(os.path.join(d, b)):
        for f in files:
            size = os.path.getsize(os.path.join(root, f))
            tot[0] += size
            if f == "index":
                tot[5] += size
            elif os.path.basename(root) == "chunks":
                tot[6] += size
    tot[1] += st.get("numSamples", 0)
    tot[2] += st.get("numSeries", 0)
    tot[3] += st.get("numChunks", 0)
    tot[4] += 1
print(*tot)
PY
}

printf 'global:\n  scrape_interval: 15s\n' >"$tmp/config.yml"
echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
     "load $(cut -d' ' -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# $("$tsdbd_bin" --version 2>&1 | head -1), $(prometheus --version 2>&1 | head -1), data: $data_kind"

# ---- 1. bytes per sample after compaction, and the compaction's CPU and RSS ----------------
stage_size() {
  local series=${SIZE_SERIES:-10000} hours=${SIZE_HOURS:-8} interval=${SIZE_INTERVAL:-15000}
  local block=${SIZE_BLOCK:-1h}
  local block_ms
  block_ms=$(python3 -c "import re,sys; m=re.fullmatch(r'(\d+)([mh])', sys.argv[1]); print(int(m[1])*(60000 if m[2]=='m' else 3600000))" "$block")
  gen_data "$tmp/size-src" "$series" "$hours" "$interval"
  local rows=()
  for who in tsdbd prometheus; do
    local bin=$tsdbd_bin
    [ "$who" = prometheus ] && bin=prometheus
    cp -r "$tmp/size-src" "$tmp/size-$who"
    local t0; t0=$(now_ms)
    start "size-$who" "$bin" "$tmp/size-$who" --storage.tsdb.min-block-duration="$block" \
          --storage.tsdb.max-block-duration=$((block_ms * 9 / 60000))m
    wait_ready "$port" "$pid"
    # Replay is done; compaction starts within a second (tsdbd) or a minute (Prometheus).
    echo 5 >"/proc/$pid/clear_refs"
    local ready_ms=$(($(now_ms) - t0)) rss0 cpu0
    rss0=$(status_kib "$pid" VmRSS)
    cpu0=$(cpu_seconds "$pid")
    wait_settled "$port" "$block_ms"
    local cpu1 hwm rss1
    cpu1=$(cpu_seconds "$pid")
    hwm=$(status_kib "$pid" VmHWM)
    rss1=$(status_kib "$pid" VmRSS)
    local ncomp; ncomp=$(metric "$port" prometheus_tsdb_compactions_total)
    stop "$pid"
    read -r bytes samples nseries chunks blocks ibytes cbytes < <(blocks_stats "$tmp/size-$who")
    rows+=("$who $bytes $samples $nseries $chunks $blocks $ibytes $cbytes $ready_ms $rss0 $hwm $rss1 $cpu0 $cpu1 $ncomp")
    rm -rf "$tmp/size-$who"
  done
  python3 - "$series" "$hours" "$interval" "$block" "${rows[@]}" <<'PY'
import sys
series, hours, interval, block = sys.argv[1:5]
r = {}
for row in sys.argv[5:]:
    f = row.split()
    r[f[0]] = dict(zip("bytes samples series chunks blocks ibytes cbytes ready rss0 hwm rss1 cpu0 cpu1 ncomp".split(),
                       map(float, f[1:])))
t, p = r["tsdbd"], r["prometheus"]
def row(name, f, fmt="{:.3f}"):
    a, b = f(t), f(p)
    ratio = f"{a/b:.2f}" if b else ""
    print(f"| {name} | {fmt.format(a)} | {fmt.format(b)} | {ratio} |")
print(f"\n## bytes per sample: {series} series x {hours}h at {int(interval)//1000}s, "
      f"--storage.tsdb.min-block-duration={block}\n")
print("| | tsdbd | Prometheus 2.42 | ratio |\n|---|---|---|---|")
row("blocks", lambda x: x["blocks"], "{:.0f}")
row("samples in blocks", lambda x: x["samples"], "{:.0f}")
row("chunks in blocks", lambda x: x["chunks"], "{:.0f}")
row("bytes of blocks", lambda x: x["bytes"], "{:.0f}")
row("bytes per sample (all block files)", lambda x: x["bytes"] / x["samples"])
row("chunk-segment bytes per sample", lambda x: x["cbytes"] / x["samples"])
row("index bytes per series per block", lambda x: x["ibytes"] / x["series"], "{:.1f}")
row("start to ready (WAL replay), s", lambda x: x["ready"] / 1000, "{:.2f}")
row("compactions", lambda x: x["ncomp"], "{:.0f}")
row("CPU s, ready to settled (compaction)", lambda x: x["cpu1"] - x["cpu0"], "{:.2f}")
row("compacted samples per CPU s (M)", lambda x: x["samples"] / max(x["cpu1"] - x["cpu0"], 1e-9) / 1e6, "{:.2f}")
row("RSS at ready, MiB", lambda x: x["rss0"] / 1024, "{:.1f}")
row("peak RSS ready..settled, MiB", lambda x: x["hwm"] / 1024, "{:.1f}")
row("peak RSS rise over ready, MiB", lambda x: (x["hwm"] - x["rss0"]) / 1024, "{:.1f}")
row("RSS settled, MiB", lambda x: x["rss1"] / 1024, "{:.1f}")
PY
}

# ---- 2. restart time on a day of data ----------------------------------------------------
stage_restart() {
  local series=${RESTART_SERIES:-100000} hours=${RESTART_HOURS:-24}
  local interval=${RESTART_INTERVAL:-60000} runs=${RUNS:-3}
  gen_data "$tmp/restart-src" "$series" "$hours" "$interval"
  local rows=()
  for who in tsdbd prometheus; do
    local bin=$tsdbd_bin
    [ "$who" = prometheus ] && bin=prometheus
    cp -r "$tmp/restart-src" "$tmp/restart-$who"
    local t0 build_ready build_cpu
    t0=$(now_ms)
    start "restart-$who" "$bin" "$tmp/restart-$who"
    wait_ready "$port" "$pid"
    build_ready=$(($(now_ms) - t0))
    wait_settled "$port" 7200000
    build_cpu=$(cpu_seconds "$pid")
    stop "$pid"
    local walb blocks
    walb=$(du -sb "$tmp/restart-$who/wal" | cut -f1)
    blocks=$(find "$tmp/restart-$who" -maxdepth 2 -name meta.json | wc -l)
    local times=() rss=() cpu=()
    for _ in $(seq 1 "$runs"); do
      sync
      t0=$(now_ms)
      start "restart-$who" "$bin" "$tmp/restart-$who"
      wait_ready "$port" "$pid"
      times+=($(($(now_ms) - t0)))
      cpu+=("$(cpu_seconds "$pid")")
      rss+=("$(status_kib "$pid" VmRSS)")
      stop "$pid"
    done
    rows+=("$who $build_ready $build_cpu $walb $blocks ${times[*]} / ${rss[*]} / ${cpu[*]}")
    rm -rf "$tmp/restart-$who"
  done
  python3 - "$series" "$hours" "$interval" "${rows[@]}" <<'PY'
import statistics, sys
series, hours, interval = sys.argv[1:4]
r = {}
for row in sys.argv[4:]:
    head, rss, cpu = row.split(" / ")
    f = head.split()
    r[f[0]] = dict(build=float(f[1]), cpu=float(f[2]), wal=float(f[3]), blocks=int(f[4]),
                   times=[float(x) for x in f[5:]], rss=[float(x) for x in rss.split()],
                   rcpu=[float(x) for x in cpu.split()])
t, p = r["tsdbd"], r["prometheus"]
print(f"\n## restart: {series} series x {hours}h at {int(interval)//1000}s, default 2h blocks\n")
print("| | tsdbd | Prometheus 2.42 | ratio |\n|---|---|---|---|")
def row(name, f, fmt="{:.2f}"):
    a, b = f(t), f(p)
    print(f"| {name} | {fmt.format(a)} | {fmt.format(b)} | {a/b:.2f} |")
row("first start (whole WAL replay) to ready, s", lambda x: x["build"] / 1000)
row("CPU s of first start up to settled", lambda x: x["cpu"])
row("blocks after settling", lambda x: x["blocks"], "{:.0f}")
row("WAL bytes left (MiB)", lambda x: x["wal"] / 2**20, "{:.1f}")
row("restart to ready, median s", lambda x: statistics.median(x["times"]) / 1000)
print(f"| restart runs, s | {' '.join(f'{v/1000:.2f}' for v in t['times'])} | "
      f"{' '.join(f'{v/1000:.2f}' for v in p['times'])} | |")
row("CPU s from exec to ready, median", lambda x: statistics.median(x["rcpu"]))
row("RSS at ready, median MiB", lambda x: statistics.median(x["rss"]) / 1024, "{:.0f}")
PY
}

# ---- 3. range queries over the head and over blocks --------------------------------------
stage_query() {
  local series=${QUERY_SERIES:-10000} repeat=${QUERY_REPEAT:-15} interval=15000
  # 2.5h of data: with 2h blocks it all stays in the head (span < 3h); with 30m blocks the
  # oldest ~1.75h is compacted into blocks. The queries cover the oldest 80 minutes.
  local samples=600 t_gen
  t_gen=$(now_ms)
  local start_s=$(((t_gen - (samples - 1) * interval) / 1000 + 300))
  local end_s=$((start_s + 80 * 60))
  case "$data_kind" in
    wal_gen) "$root/$build/bench/wal_gen" "$tmp/query-src" "$series" "$samples" "$interval" ;;
    *) "$root/$build/bench/query_bench_data" "$tmp/query-src" "$series" $(((samples - 1) * interval)) "$interval" >/dev/null ;;
  esac
  local queries=(
    'sum by (job) (rate(http_requests_total[5m]))'
    'max_over_time(db_connections{job="service-1"}[10m])'
    'http_requests_total{series="40"}'
    'count(queue_jobs_total)'
  )
  [ "$data_kind" != wal_gen ] && queries=(
    'sum by (job) (rate(http_requests_total[5m]))'
    'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'
    'db_connections{instance="10.1.0.1:8080",pool="pool-1"}'
    'count(db_connections)'
  )
  local rows=()
  for who in tsdbd prometheus; do
    local bin=$tsdbd_bin
    [ "$who" = prometheus ] && bin=prometheus
    for where in head blocks; do
      cp -r "$tmp/query-src" "$tmp/query-$who-$where"
      if [ "$where" = head ]; then
        start "query-$who-$where" "$bin" "$tmp/query-$who-$where"
        wait_ready "$port" "$pid"
      else
        start "query-$who-$where" "$bin" "$tmp/query-$who-$where" \
              --storage.tsdb.min-block-duration=30m --storage.tsdb.max-block-duration=90m
        wait_ready "$port" "$pid"
        wait_settled "$port" 1800000
      fi
      local nblocks; nblocks=$(metric "$port" prometheus_tsdb_blocks_loaded)
      local hmin; hmin=$(metric "$port" prometheus_tsdb_head_min_time)
      local q i lat
      for i in "${!queries[@]}"; do
        q=${queries[$i]}
        # warm once (page cache, first-touch), then time `repeat` runs
        curl -sf -o "$tmp/answer-$who-$where-$i.json" "http://127.0.0.1:$port/api/v1/query_range" \
             --data-urlencode "query=$q" -d "start=$start_s" -d "end=$end_s" -d step=60
        lat=()
        for _ in $(seq 1 "$repeat"); do
          lat+=("$(curl -sf -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/api/v1/query_range" \
                    --data-urlencode "query=$q" -d "start=$start_s" -d "end=$end_s" -d step=60)")
        done
        rows+=("$who $where $i $nblocks $hmin ${lat[*]}")
      done
      stop "$pid"
      rm -rf "$tmp/query-$who-$where"
    done
  done
  # every answer over blocks must equal the one over the head, per server
  for who in tsdbd prometheus; do
    for i in "${!queries[@]}"; do
      python3 - "$tmp/answer-$who-head-$i.json" "$tmp/answer-$who-blocks-$i.json" <<'PY' ||
import json, sys
a, b = (json.load(open(f))["data"]["result"] for f in sys.argv[1:3])
key = lambda s: sorted(s["metric"].items())
sys.exit(0 if sorted(a, key=key) == sorted(b, key=key) and a else 1)
PY
        echo "WARNING: $who query $i: blocks answer differs from head answer (or is empty)" >&2
    done
  done
  printf '%s\n' "${queries[@]}" >"$tmp/queries.txt"
  python3 - "$series" "$start_s" "$end_s" "$tmp/queries.txt" "${rows[@]}" <<'PY'
import statistics, sys
series, start, end, qfile = sys.argv[1:5]
queries = open(qfile).read().splitlines()
med = {}
info = {}
for row in sys.argv[5:]:
    f = row.split()
    who, where, i = f[0], f[1], int(f[2])
    info[(who, where)] = (int(f[3]), int(f[4]))
    med[(who, where, i)] = statistics.median(float(x) for x in f[5:]) * 1000
print(f"\n## range queries, {series} series at 15s, 80 min range, step 60s, median ms "
      "(curl total time)\n")
for (who, where), (nb, hmin) in sorted(info.items()):
    print(f"- {who} {where}: {nb} blocks loaded, head starts {(hmin/1000 - int(start))/60:+.0f} min from the range start")
print()
print("| query | tsdbd head | tsdbd blocks | blocks/head | Prometheus head | Prometheus blocks | blocks/head | tsdbd/Prom. blocks |")
print("|---|---|---|---|---|---|---|---|")
for i, q in enumerate(queries):
    th, tb = med[("tsdbd", "head", i)], med[("tsdbd", "blocks", i)]
    ph, pb = med[("prometheus", "head", i)], med[("prometheus", "blocks", i)]
    print(f"| `{q}` | {th:.1f} | {tb:.1f} | {tb/th:.2f} | {ph:.1f} | {pb:.1f} | {pb/ph:.2f} | {tb/pb:.2f} |")
PY
}

for s in "${stages[@]}"; do
  case "$s" in
    size) stage_size ;;
    restart) stage_restart ;;
    query) stage_query ;;
    *) echo "unknown stage $s (size, restart, query)" >&2; exit 2 ;;
  esac
done
