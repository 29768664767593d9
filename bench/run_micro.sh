#!/usr/bin/env bash
# Runs every Google Benchmark binary (<module>_bench) with a short minimum time and writes
# one JSON per binary plus summary.md (name, real time, CPU time, items/s) into the out dir.
#   bench/run_micro.sh [--build-dir build] [--out bench-results/micro] [--min-time 0.1]
#                      [--filter REGEX] [--build]      # --build: ninja the *_bench targets first
# Exits non-zero when a binary is missing or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build
out=bench-results/micro
min_time=0.1
filter=.
do_build=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --min-time) min_time=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --build) do_build=1; shift ;;
    *) echo "run_micro.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
modules=()
for d in bench/*/; do
  m=$(basename "$d")
  compgen -G "bench/$m/*_bench.cc" >/dev/null && modules+=("$m")
done
if [[ $do_build == 1 ]]; then
  ninja -C "$build_dir" -j2 "${modules[@]/%/_bench}"
fi
mkdir -p "$out"
failed=0
for m in "${modules[@]}"; do
  bin="$build_dir/bench/${m}_bench"
  if [[ ! -x "$bin" ]]; then
    echo "run_micro.sh: $bin is not built (use --build)" >&2
    failed=1
    continue
  fi
  echo "== ${m}_bench" >&2
  if ! timeout 1800 "$bin" --benchmark_min_time="$min_time" --benchmark_filter="$filter" \
       --benchmark_out="$out/${m}.json" --benchmark_out_format=json >"$out/${m}.txt" 2>&1; then
    if grep -q "Failed to match any benchmarks" "$out/${m}.txt"; then  # the filter, not a failure
      rm -f "$out/${m}.json"
      continue
    fi
    echo "run_micro.sh: ${m}_bench failed (see $out/${m}.txt)" >&2
    failed=1
  fi
done
python3 - "$out" "${modules[@]}" >"$out/summary.md" <<'PY'
import json, os, sys
out, mods = sys.argv[1], sys.argv[2:]
def t(v, unit):
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[unit]
    ns = v * scale
    for u, f in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= f:
            return f"{ns / f:.3g} {u}"
    return f"{ns:.3g} ns"
doc = None
print("| benchmark | real time | CPU time | items/s | bytes/s |")
print("|---|---|---|---|---|")
for m in mods:
    path = os.path.join(out, f"{m}.json")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        continue
    with open(path) as f:
        doc = json.load(f)
    for b in doc.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        ips = f"{b['items_per_second']:.3g}" if "items_per_second" in b else ""
        bps = f"{b['bytes_per_second'] / 1048576:.3g} MiB/s" if "bytes_per_second" in b else ""
        print(f"| {m}/{b['name']} | {t(b['real_time'], b['time_unit'])} | "
              f"{t(b['cpu_time'], b['time_unit'])} | {ips} | {bps} |")
if doc:
    c = doc["context"]
    print(f"\n{c.get('num_cpus')} CPUs at {c.get('mhz_per_cpu')} MHz, {c.get('date')}, "
          f"library build {c.get('library_build_type')}")
PY
echo "run_micro.sh: wrote $out/summary.md" >&2
exit $failed
