#!/usr/bin/env bash
# Builds tsdbd and every test once per configuration and runs them all with ctest:
#   build/        Release (the shipped configuration)
#   build-asan/   AddressSanitizer + UndefinedBehaviorSanitizer
# Set TSDBD_SKIP_SANITIZE=1 to run the Release configuration only.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths relative to the checkout, so that a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true

run_configuration() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600)
}

run_configuration build -DCMAKE_BUILD_TYPE=Release
if [[ ${TSDBD_SKIP_SANITIZE:-0} != 1 ]]; then
  # Leaks are reported, and fail the run, like any other sanitizer finding.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_configuration build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTSDBD_SANITIZE=ON \
    -DTSDBD_BUILD_BENCH=OFF
fi
