#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: install what is needed, build, and run `veiltun demo` (two network
# namespaces, a veiltun tunnel between them, pings both ways over IPv4 and IPv6, a verified
# 100 MB transfer, throughput and latency). Needs root. Everything it creates is removed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# A fresh build/ gets Ninja and an optimised build; an existing one keeps its own settings.
configure=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
[ ! -f build/CMakeCache.txt ] || configure=()
log=$(mktemp)
if ! { cmake -S . -B build "${configure[@]}" && cmake --build build --target veiltun_tool; } \
    >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "demo: the build failed (output above)" >&2
    exit 1
fi
rm -f "$log"
exec build/tools/veiltun/veiltun demo "$@"
