#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The tunnel under full load for a long time (default 10 minutes): both tunnel processes'
# resident memory (VmRSS and RssAnon) and open file descriptors sampled every second while iperf3 runs
# TCP through the tunnel; reports the growth after a warm-up (target: none). Uses
# bench/peers.sh to build the two namespaces and start the tunnels (its HOOK runs
# bench/soak_hook.sh), so it cleans up the same way.
#
# usage:  sudo bench/soak.sh [SECONDS]          (default 600)
# env:    WARMUP=30 (seconds excluded from the growth figure), STREAMS=2 (iperf3 -P),
#         OUT=build/bench/soak (samples.tsv, iperf3.json, counters_*.json, summary.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-600}
warm=${WARMUP:-30}
out=${OUT:-$root/build/bench/soak}

[ "$(id -u)" -eq 0 ] || { echo "soak: run as root (namespaces, TUN devices)" >&2; exit 1; }
[ "$secs" -gt "$warm" ] || { echo "soak: SECONDS must exceed WARMUP ($warm)" >&2; exit 2; }
scripts/setup.sh --bench
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DVEILTUN_BUILD_BENCH=ON \
    -DVEILTUN_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench >/dev/null
mkdir -p "$out"
rm -f "$out"/samples.tsv "$out"/counters_*.json "$out"/iperf3.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "soak: $secs s of iperf3 (-P ${STREAMS:-2}) through the tunnel, sampling every second"
export SOAK_SECONDS=$secs SOAK_OUT=$out SOAK_STREAMS=${STREAMS:-2}
export VEILTUN=$root/build/bench/tools/veiltun/veiltun
MEASURE=0 HOOK_TIMEOUT=$((secs + 90)) HOOK="bash $root/bench/soak_hook.sh" OUTDIR=$work \
    bench/peers.sh veiltun >/dev/null

[ -s "$out/samples.tsv" ] || { echo "soak: no samples (see the logs above)" >&2; exit 1; }
# Per process (column pairs): RSS at the end of warm-up, at the end, and the maximum after
# warm-up; fds at the same points.
awk -F'\t' -v warm="$warm" '
NR == 1 { cols = NF; next }
{
    t = $1
    for (c = 2; c <= cols; c++) {
        v = $c
        if (v == "gone") { gone[c] = 1; continue }
        if (t <= warm) at_warm[c] = v
        if (t > warm && (max[c] == "" || v > max[c])) max[c] = v
        if (t > warm && (min[c] == "" || v < min[c])) min[c] = v
        last[c] = v
    }
    end_t = t
}
END {
    printf "samples: %d s (warm-up %d s excluded)\n", end_t, warm
    for (c = 2; c <= cols; c += 3) {
        printf "tunnel process %d: RSS %d kB after warm-up, %d kB at the end (growth %+d kB, max %d kB); anonymous %d -> %d kB (%+d); fds %d..%d%s\n",
            (c + 1) / 3, at_warm[c], last[c], last[c] - at_warm[c], max[c],
            at_warm[c + 2], last[c + 2], last[c + 2] - at_warm[c + 2], min[c + 1], max[c + 1],
            gone[c] ? " (process ended early!)" : ""
    }
}' "$out/samples.tsv" >"$out/summary.txt"
gbps=$(jq -r '.end.sum_received.bits_per_second / 1e9 | . * 100 | round / 100' "$out/iperf3.json" \
    2>/dev/null || echo "?")
echo "iperf3 average: $gbps Gbit/s" >>"$out/summary.txt"
for side in A B; do
    jq -r --arg s "$side" '.[0].tunnel | "tunnel \($s): \(.datagrams_in) datagrams in, \(.datagrams_out) out, drops \(.dropped)"' \
        "$out/counters_$side.json" >>"$out/summary.txt" 2>/dev/null || true
done
cat "$out/summary.txt"
