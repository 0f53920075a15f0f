#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# veiltun against today's tunnels and the kernel's, in one command (root, Debian 12):
#   1. installs the tools it compares (scripts/setup.sh --bench) and builds veiltun for speed
#      in build/bench (Release, with bench/devpath);
#   2. runs bench/peers.sh on the variants named (default below): two namespaces over a veth
#      pair, one tunnel at a time, iperf3 TCP x1/x4, ping, CPU, peak RSS;
#   3. runs bench/latency.sh on the variants that came up: RTT at idle and under one TCP
#      stream, LAT_ROUNDS rounds;
#   4. runs bench/devpath (the device path alone) with offload on, off and whole;
#   5. prints one table (ratios of every row to the best userspace peer and to kernel
#      VXLAN, for TCP x1 and x4), the targets line, a latency table with its own targets
#      line, and draws throughput.svg (gnuplot).
# Results go to $OUT (default build/bench/results): summary.md, throughput.svg, devpath.txt,
# peers.sh's own table.md and results.tsv, latency.svg and latency.sh's output in latency/.
#
# usage:  sudo bench/compare.sh [variant ...]
# env:    RUNS DUR TMTU ... (passed to peers.sh), OUT, DEVPATH_SECONDS=5 (0 skips devpath),
#         LAT_ROUNDS=3 (0 skips latency), PINGS PING_I LOAD_S (passed to latency.sh; PINGS
#         and PING_I are peers.sh's too)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${OUT:-$root/build/bench/results}
variants=${*:-direct kvxlan socat openvpn tinc quicktun vtun fastd veiltun}
# Userspace tunnels (cleartext or null cipher) that veiltun's target is measured against.
peers="socat openvpn openvpn_fastio tinc quicktun vtun fastd"

[ "$(id -u)" -eq 0 ] || { echo "compare: run as root (namespaces, TUN devices)" >&2; exit 1; }
case ${LAT_ROUNDS:-3} in *[!0-9]*) echo "compare: LAT_ROUNDS is a number of rounds" >&2; exit 1 ;; esac
scripts/setup.sh --bench
echo "compare: building veiltun (Release) in build/bench"
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DVEILTUN_BUILD_BENCH=ON \
    -DVEILTUN_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
# shellcheck disable=SC2086 # the variant list is words on purpose
OUTDIR=$work VEILTUN=$root/build/bench/tools/veiltun/veiltun bench/peers.sh $variants
run=$(ls -d "$work"/run.* | head -n 1)
cp "$run/results.tsv" "$run/table.md" "$out/"

# Latency: bench/latency.sh on the variants that came up, with the tool built above.
lat_rounds=${LAT_ROUNDS:-3}
lat=$out/latency
lat_note=""
rm -rf "$lat" "$out/latency.svg"
if [ "$lat_rounds" != 0 ]; then
    lat_variants=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $col["status"] ~ /^ok/ { printf "%s ", $1 }' "$out/results.tsv")
    # shellcheck disable=SC2086 # the variant list is words on purpose
    if [ -z "$lat_variants" ]; then
        lat_note="no variant came up"
    elif ! ROUNDS=$lat_rounds OUT=$lat OUTDIR=$lat/runs VEILTUN=$root/build/bench/tools/veiltun/veiltun \
        bench/latency.sh $lat_variants; then
        lat_note="bench/latency.sh failed (logs in $lat/raw and $lat/runs)"
    fi
    if [ -s "$lat/latency.svg" ]; then cp "$lat/latency.svg" "$out/"; fi
fi

: >"$out/devpath.txt"
if [ "${DEVPATH_SECONDS:-5}" != 0 ]; then
    for mode in "" --no-offload --whole; do
        # shellcheck disable=SC2086
        build/bench/bench/veiltun_devpath $mode "${DEVPATH_SECONDS:-5}" >>"$out/devpath.txt"
    done
fi

# The summary: one row per variant that ran, ratios to the best peer and to kernel VXLAN.
awk -F'\t' -v peers=" $peers " '
function r(a, b) { return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-" }
function f(x, fmt) { return x == "" ? "-" : sprintf(fmt, x) }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
$col["status"] !~ /^ok/ { skipped = skipped sprintf("%s (%s); ", $1, $col["status"]); next }
{
    n++; name[n] = $1; t1[n] = $col["tcp1_gbps"]; t4[n] = $col["tcp4_gbps"]
    rtt[n] = $col["rtt_avg_ms"]; cpu[n] = $col["cpu_s_per_gb"]; rss[n] = $col["rss_peak_kb"]
    if (index(peers, " " $1 " ")) {
        if (t1[n] > best1) { best1 = t1[n]; best1n = $1 }
        if (t4[n] > best4) { best4 = t4[n]; best4n = $1 }
        if (rttbest == "" || rtt[n] < rttbest) { rttbest = rtt[n]; rttbestn = $1 }
    }
    if ($1 == "kvxlan") { vx1 = t1[n]; vx4 = t4[n] }
    if ($1 == "veiltun") me = n
}
END {
    printf "| variant | TCP x1 Gbit/s | TCP x4 Gbit/s | x1 / best peer | x1 / VXLAN | x4 / best peer | x4 / VXLAN | ping RTT avg ms | tunnel CPU-s/GB | peak RSS MB |\n"
    printf "|---|---|---|---|---|---|---|---|---|---|\n"
    for (i = 1; i <= n; i++)
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name[i], f(t1[i], "%.2f"),
            f(t4[i], "%.2f"), r(t1[i], best1), r(t1[i], vx1), r(t4[i], best4), r(t4[i], vx4),
            f(rtt[i], "%.3f"), f(cpu[i], "%.2f"), rss[i] == "" ? "-" : sprintf("%.1f", rss[i] / 1024)
    printf "\nbest peer: %s x1 (%.2f Gbit/s), %s x4 (%.2f Gbit/s); lowest peer RTT: %s (%s ms)\n",
        best1n, best1, best4n, best4, rttbestn, rttbest
    if (me)
        printf "veiltun targets: x1 %s x best peer (target 10), %s x VXLAN (target 0.8); x4 %s / %s; RTT %s ms vs %s ms\n",
            r(t1[me], best1), r(t1[me], vx1), r(t4[me], best4), r(t4[me], vx4), rtt[me], rttbest
    if (skipped != "")
        printf "not measured: %s\n", skipped
}' "$out/results.tsv" >"$out/summary.md"

# The latency table: one row per variant, ratios of idle p50 and load p99 to the lowest peer's.
if [ -s "$lat/latency.tsv" ]; then
    printf '\nLatency (bench/latency.sh, %s rounds): RTT in ms, idle and under one TCP stream\n\n' \
        "$lat_rounds" >>"$out/summary.md"
    awk -F'\t' -v peers=" $peers " -v variants="$lat_variants" '
function r(a, b) { return (a != "-" && b != "-" && b > 0) ? sprintf("%.2f", a / b) : "-" }
function g(v, c, k) { return ((v, c, k) in s) ? s[v, c, k] : "-" }
function low(k, x, v) { if (x != "-" && (!(k in best) || x + 0 < best[k] + 0)) { best[k] = x; bestn[k] = v } }
function of(k, n) { return k == "-" ? "-" : k "/" n }
function bst(k) { return (k in best) ? sprintf("%s (%s ms)", bestn[k], best[k]) : "-" }
function vs(what, k, c, f, x) { # veiltun against the best peer: condition c, field f
    x = g("veiltun", c, f)
    if (!(("veiltun", c, "pings") in s)) return what " not measured"
    if (x == "-") return what ": every ping lost"
    if (!(k in best)) return sprintf("%s %s ms, no peer measured", what, x)
    return sprintf("%s %s ms vs %s ms (%s, %sx): %s", what, x, best[k], bestn[k], r(x, best[k]),
        x + 0 <= best[k] + 0 ? "met" : "not met")
}
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
    v = $1; c = $2
    s[v, c, "pings"] = $col["pings"]; s[v, c, "lost"] = $col["lost"]; s[v, c, "min"] = $col["min_ms"]
    s[v, c, "p50"] = $col["p50_ms"]; s[v, c, "p99"] = $col["p99_ms"]; s[v, c, "above"] = $col["above_1ms"]
    if (index(peers, " " v " ") && c == "idle") { low("min", $col["min_ms"], v); low("p50", $col["p50_ms"], v) }
    if (index(peers, " " v " ") && c == "load") low("p99", $col["p99_ms"], v)
}
END {
    printf "| variant | idle min | idle p50 | idle p99 | idle > 1 ms | load p50 | load p99 | load lost | idle p50 / best peer | load p99 / best peer |\n"
    printf "|---|---|---|---|---|---|---|---|---|---|\n"
    n = split(variants, name, " ") # every variant asked for: "-" where latency.sh got nothing
    for (i = 1; i <= n; i++) {
        v = name[i]
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", v, g(v, "idle", "min"),
            g(v, "idle", "p50"), g(v, "idle", "p99"), of(g(v, "idle", "above"), g(v, "idle", "pings")),
            g(v, "load", "p50"), g(v, "load", "p99"), of(g(v, "load", "lost"), g(v, "load", "pings")),
            r(g(v, "idle", "p50"), ("p50" in best) ? best["p50"] : "-"),
            r(g(v, "load", "p99"), ("p99" in best) ? best["p99"] : "-")
    }
    if (length(best) == 0) printf "\nlowest peer: no userspace peer measured\n"
    else printf "\nlowest peer: idle min %s, idle p50 %s, load p99 %s\n", bst("min"), bst("p50"), bst("p99")
    if (index(" " variants " ", " veiltun "))
        printf "veiltun latency targets (no higher than the best peer): %s; %s; %s\n",
            vs("idle min", "min", "idle", "min"), vs("idle p50", "p50", "idle", "p50"),
            vs("load p99", "p99", "load", "p99")
}' "$lat/latency.tsv" >>"$out/summary.md"
fi
if [ -n "$lat_note" ]; then printf '\nlatency: %s\n' "$lat_note" >>"$out/summary.md"; fi
if [ -s "$out/devpath.txt" ]; then
    printf '\ndevice path alone (bench/devpath, %s s each):\n' "${DEVPATH_SECONDS:-5}" >>"$out/summary.md"
    sed 's/^/    /' "$out/devpath.txt" >>"$out/summary.md"
fi

# The plot: TCP x1 and x4 per variant, as grouped bars.
awk -F'\t' 'NR > 1 && $17 ~ /^ok/ { print $1, ($2 == "" ? 0 : $2), ($4 == "" ? 0 : $4) }' \
    "$out/results.tsv" >"$work/plot.dat"
gnuplot <<EOF
set terminal svg size 900,480 dynamic font "sans,12" background rgb "white"
set output "$out/throughput.svg"
set title "Throughput through each tunnel (iperf3 TCP, tunnel MTU ${TMTU:-1420}, median of ${RUNS:-3} runs)"
set ylabel "Gbit/s"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key top right
set xtics rotate by -30
plot "$work/plot.dat" using 2:xtic(1) title "1 stream", "" using 3 title "4 streams"
EOF
echo
cat "$out/summary.md"
echo
files="summary.md, throughput.svg"
if [ -s "$out/latency.svg" ]; then files="$files, latency.svg"; fi
if [ -s "$lat/latency.tsv" ]; then files="$files, latency/latency.tsv"; fi
echo "compare: results in $out ($files, devpath.txt, table.md, results.tsv)"
