#!/usr/bin/env bash
# Installs every package tsdbd needs to build, run and test, from Debian 12's archive.
# Safe to run repeatedly: it asks apt only for what is missing.
#   --build-only   only what building needs (the container image's build stage)
set -euo pipefail

build_only=false
[[ ${1:-} == --build-only ]] && build_only=true

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libprotobuf-dev protobuf-compiler libsnappy-dev libyaml-cpp-dev
  libspdlog-dev libfmt-dev libre2-dev libc-ares-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if ! $build_only; then
  # real peers and tools for the end-to-end tests
  packages+=(curl python3 prometheus prometheus-node-exporter dnsmasq chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Debian prometheus package starts a system service; the tests start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi
