#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Round-trip time through each tunnel, at idle and under load, side by side in one run.
# For each variant (default: direct quicktun veiltun), bench/peers.sh brings the tunnel up
# between its two namespaces and, with the variant up, this script's hook measures:
#   idle:  PINGS pings PING_I s apart through the idle tunnel;
#   load:  the same pings while one iperf3 TCP stream (LOAD_S s) runs through the same
#          tunnel in the same direction.
# ROUNDS rounds, the variants' order reversed every other round, so that a slow spell of
# the machine is shared. Prints, per variant and condition: min, p50, p90, p99, max (ms) over
# all rounds' pings, the pings above 1 ms, and the loss; writes latency.tsv, the raw RTTs and
# a CDF plot (latency.svg, gnuplot) to OUT.
# usage:  sudo bench/latency.sh [variant ...]      (after building build/bench, as
#         bench/compare.sh does)
# env:    ROUNDS=3 PINGS=300 PING_I=0.01 LOAD_S=8 TMTU=1420 OUT=build/bench/latency
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} PINGS=${PINGS:-300} PING_I=${PING_I:-0.01} LOAD_S=${LOAD_S:-8}
# The pings under load start 1 s into the stream and stop 1 s before its end: ping -c 0
# would never stop on its own.
[[ $LOAD_S =~ ^[0-9]+$ ]] && [ "$LOAD_S" -ge 3 ] || { echo "latency: LOAD_S must be 3 s or more" >&2; exit 2; }
OUT=$(realpath -m "${OUT:-build/bench/latency}")
VARIANTS=("$@")
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(direct quicktun veiltun)
export VEILTUN=${VEILTUN:-$PWD/build/bench/tools/veiltun/veiltun}
mkdir -p "$OUT/raw"
rm -f "$OUT"/raw/*

# The hook, run by peers.sh with the variant up (NSA, NSB, DST, V exported): idle pings, then
# pings under one TCP stream. RTTs go to OUT/raw/V.idle and V.load, one per line (appended
# over the rounds); a lost ping is a line "lost".
# shellcheck disable=SC2016 # expanded by the shell that peers.sh runs the hook in
hook='
rtts() { sed -n "s/.*icmp_seq=\([0-9]*\).*time=\([0-9.]*\) ms.*/\1 \2/p"; }
record() { # FILE COUNT: the RTTs and, for each seq never answered, "lost"
    awk -v n="$2" "{got[\$1] = \$2} END {for (i = 1; i <= n; i++) print (i in got ? got[i] : \"lost\")}" >>"$1"
}
ip netns exec "$NSA" ping -n -c "$PINGS" -i "$PING_I" -W 1 "$DST" | rtts | record "$OUT/raw/$V.idle" "$PINGS"
ip netns exec "$NSB" iperf3 -s -1 -p 5301 >/dev/null 2>&1 &
srv=$!
sleep 0.3
ip netns exec "$NSA" iperf3 -c "$DST" -p 5301 -t "$LOAD_S" >/dev/null 2>&1 &
cli=$!
sleep 1
n=$(awk -v t="$LOAD_S" -v i="$PING_I" "BEGIN {print int((t - 2) / i)}")
ip netns exec "$NSA" ping -n -c "$n" -i "$PING_I" -W 1 "$DST" | rtts | record "$OUT/raw/$V.load" "$n"
wait $cli || echo "iperf3 failed"
kill $srv 2>/dev/null || true
'
export OUT PINGS PING_I LOAD_S
for r in $(seq "$ROUNDS"); do
    order=("${VARIANTS[@]}")
    if [ $((r % 2)) -eq 0 ]; then
        order=()
        for ((i = ${#VARIANTS[@]} - 1; i >= 0; i--)); do order+=("${VARIANTS[i]}"); done
    fi
    echo "-- round $r of $ROUNDS: ${order[*]}"
    MEASURE=0 HOOK=$hook HOOK_TIMEOUT=$((LOAD_S + PINGS / 50 + 60)) bench/peers.sh "${order[@]}" \
        >"$OUT/raw/peers-$r.log" 2>&1 || { tail -n 20 "$OUT/raw/peers-$r.log"; exit 1; }
done

# Percentiles over all rounds, by nearest rank: the p-th is the ceil(p * n / 100)-th smallest
# RTT (in integers, so that 99 * 300 / 100 = 297 stays 297). If every ping was lost the row
# has the count and "-" for the RTTs.
printf 'variant\tcondition\tpings\tlost\tmin_ms\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tabove_1ms\n' \
    >"$OUT/latency.tsv"
for v in "${VARIANTS[@]}"; do
    for c in idle load; do
        f=$OUT/raw/$v.$c
        [ -s "$f" ] || continue
        # awk, not grep -v: grep fails (and set -e ends the script) when nothing is left.
        awk '$1 != "lost"' "$f" | sort -g >"$OUT/raw/$v.$c.sorted"
        awk -v v="$v" -v c="$c" -v lost="$(grep -c lost "$f" || true)" '
            function rank(p) { return int((p * NR + 99) / 100) }
            {x[NR] = $1} END {
                if (NR == 0) { printf "%s\t%s\t%d\t%d\t-\t-\t-\t-\t-\t-\n", v, c, lost, lost; exit }
                above = 0; for (i = 1; i <= NR; i++) if (x[i] > 1) above++
                printf "%s\t%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\n", v, c, NR + lost, lost,
                    x[1], x[rank(50)], x[rank(90)], x[rank(99)], x[NR], above }' \
            "$OUT/raw/$v.$c.sorted" >>"$OUT/latency.tsv"
        awk '{print $1, NR}' "$OUT/raw/$v.$c.sorted" >"$OUT/raw/$v.$c.cdf"
        rm -f "$OUT/raw/$v.$c.sorted"
    done
done
column -t -s $'\t' "$OUT/latency.tsv"

plots=()
for v in "${VARIANTS[@]}"; do
    for c in idle load; do
        f=$OUT/raw/$v.$c.cdf
        [ -s "$f" ] || continue
        n=$(wc -l <"$f")
        plots+=("'$f' using 1:(\$2/$n) with steps title '$v, $c'")
    done
done
rm -f "$OUT/latency.svg"
if command -v gnuplot >/dev/null && [ ${#plots[@]} -gt 0 ]; then # none if every ping was lost
    joined=$(printf '%s, ' "${plots[@]}")
    gnuplot <<EOF
set terminal svg size 900,500 dynamic font "sans,11"
set output "$OUT/latency.svg"
set title "RTT through each tunnel, idle and under one TCP stream ($ROUNDS rounds x $PINGS pings, $(date -u +%Y-%m-%d))"
set xlabel "RTT (ms, log scale)"
set ylabel "fraction of pings"
set logscale x
set key bottom right
set grid
plot ${joined%, }
EOF
    echo "plot: $OUT/latency.svg"
fi
