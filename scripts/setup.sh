#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what veiltun needs to build and test on Debian 12 (as root; apt only).
#   scripts/setup.sh          library, tool, Linux tests and the demo
#   scripts/setup.sh --all    also clang (sanitizers, the C++ header check), valgrind,
#                             libabigail (the ABI check), debhelper and lintian (the Debian
#                             packages), mingw-w64 (C and C++) and Wine (Windows tests)
#   scripts/setup.sh --bench  also iperf3, gnuplot and the tunnels bench/compare.sh measures
set -euo pipefail

base=(build-essential cmake ninja-build pkg-config libmnl-dev iproute2 iputils-ping jq)
extra=(clang libclang-rt-14-dev clang-format gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine
       wine64 valgrind abigail-tools man-db debhelper lintian)

bench=(iperf3 bc ethtool gnuplot-nox socat openvpn tinc quicktun vtun fastd)

want=("${base[@]}")
[ "${1:-}" = "--all" ] && want+=("${extra[@]}")
[ "${1:-}" = "--bench" ] && want+=("${bench[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: missing packages: ${missing[*]} (run as root, or install them)" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    # --no-install-recommends: wine64 alone would otherwise pull in 100+ packages.
    if ! { apt-get update -q &&
        apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}"; } \
        >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "setup: apt-get failed (output above)" >&2
        exit 1
    fi
    rm -f "$log"
fi
