#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck source-path=SCRIPTDIR
# The ring-size study of the Windows backend: veiltun.exe under Wine, with the wintun.dll
# double in bridged mode (bench/windows_lib.sh), for each ring capacity in RINGS, with and
# without --ring-grow, and for each build variant of the reader's batch and spin policy and
# the tool's batch (VARIANTS): TCP throughput (iperf3, DUR s) with ping running through the
# same tunnel (latency under load: p50, p99), then UDP at a fixed offered rate (loss), and
# the counters that say where the ring was too small (the double's receive ring drops, the
# library's ring_full and queue_full, growths), the reader's spins and sleeps and the peak
# memory. Writes ring.tsv, ring.md and ring.svg (gnuplot) to OUT.
#
# Wine on Linux with the wintun double: a measure of our reader, queue and tunnel design, not
# of the real driver.
#
# usage:  sudo bench/windows_ring.sh        (after building build/ci and build/windows)
# env:    RINGS="128K 512K 2M 8M 32M 64M"  GROWS="off on"  DIRS="w2l" (w2l, l2w or both)
#         VARIANTS="default spin_rate=0 spin_rate=100000 reader_batch=64 tool_batch=256"
#           a variant is "default" (BUILD_WIN's own veiltun.exe) or comma-separated
#           knob=value pairs, each knob one of spin_rate, spin_polls, reader_batch (the
#           reader, src/windows/reader.c) and tool_batch (tools/veiltun/cmd_tunnel_windows.c);
#           each is built once in OUT/builds/ with the CMake cache variables
#           VEILTUN_WINDOWS_<KNOB> (the library and the tool only)
#         DUR=10 (seconds per iperf3 run)  UDP_RATE=100M (set it near what the path carries,
#         so that the ring's size matters)  LEN=1400  PING_I=0.05
#         OUT=build/bench/windows-ring  BUILD_WIN=build/windows  BUILD_LINUX=build/ci
set -u
cd "$(dirname "$0")/.." || exit 1
RINGS=${RINGS:-128K 512K 2M 8M 32M 64M}
GROWS=${GROWS:-off on}
DIRS=${DIRS:-w2l}
VARIANTS=${VARIANTS:-default spin_rate=0 spin_rate=100000 reader_batch=64 tool_batch=256}
DUR=${DUR:-10}
UDP_RATE=${UDP_RATE:-100M}
LEN=${LEN:-1400}
PING_I=${PING_I:-0.05}
OUT=$(realpath -m "${OUT:-build/bench/windows-ring}")
[ "$DUR" -ge 2 ] 2>/dev/null || { echo "windows_ring: DUR must be at least 2" >&2; exit 1; }
for g in $GROWS; do
    case $g in on | off) ;; *) echo "windows_ring: GROWS: on and/or off" >&2; exit 1 ;; esac
done

# variant_dir SPEC: a directory name for a variant ("spin_rate=0,reader_batch=64" ->
# "spin_rate-0_reader_batch-64").
variant_dir() { echo "$1" | tr '=,' '-_'; }

# build_variant SPEC: configures and builds the library and the tool with the variant's
# knobs (before the namespaces exist: a failed build leaves nothing behind).
build_variant() {
    local dir log defs=() kv kvs
    dir=$OUT/builds/$(variant_dir "$1")
    IFS=, read -r -a kvs <<<"$1"
    for kv in "${kvs[@]}"; do
        case ${kv%%=*} in
        spin_rate | spin_polls | reader_batch | tool_batch) ;;
        *) echo "windows_ring: unknown knob in '$1' (spin_rate, spin_polls, reader_batch," \
            "tool_batch)" >&2; exit 1 ;;
        esac
        defs+=("-DVEILTUN_WINDOWS_${kv%%=*}=${kv#*=}")
        defs[-1]=${defs[-1]^^} # the cache variable's name and the number: upper case
    done
    log=$OUT/builds/$(variant_dir "$1").log
    echo "windows_ring: building variant $1 in $dir"
    if ! cmake -S . -B "$dir" -G Ninja \
        -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake \
        -DVEILTUN_BUILD_TESTS=OFF -DVEILTUN_BUILD_EXAMPLES=OFF -DVEILTUN_INSTALL=OFF \
        "${defs[@]}" >"$log" 2>&1 || ! cmake --build "$dir" -j2 --target veiltun_tool >>"$log" 2>&1
    then
        echo "windows_ring: building $1 failed: $log" >&2
        exit 1
    fi
}
mkdir -p "$OUT/builds"
for v in $VARIANTS; do
    [ "$v" = default ] || build_variant "$v"
done

TEST=wring
# shellcheck source=windows_lib.sh
. bench/windows_lib.sh
for v in $VARIANTS; do
    [ "$v" = default ] || install_build "$(variant_dir "$v")" "$OUT/builds/$(variant_dir "$v")"
done

HEADER="variant ring grow dir tcp_mbit tcp_retransmits ping_p50_ms ping_p99_ms ping_lost_pct
udp_offered_mbit udp_delivered_mbit udp_loss_pct ring_drops lib_queue_full lib_ring_full
lib_rx_dropped lib_tx_dropped reader_spins reader_sleeps ring_grows ring_end_kib peak_memory_mib"
TSV=$OUT/ring.tsv
echo "$HEADER" | xargs | tr ' ' '\t' >"$TSV" # one line, tab-separated

# measure VARIANT RING GROW DIR: one configuration, one row of ring.tsv.
measure() {
    local v=$1 ring=$2 grow=$3 dir=$4 raw sns cns dest args pingpid
    raw=$OUT/raw/$(variant_dir "$v")-$ring-$grow-$dir
    read -r sns cns dest <<<"$(direction "$dir")"
    args=(--ring-capacity "$ring")
    [ "$grow" = on ] && args+=(--ring-grow)
    note "variant $v, ring $ring, growth $grow, $dir: TCP with ping, then UDP at $UDP_RATE"
    start_windows "$(variant_dir "$v")" "${args[@]}"
    take "$raw.before"
    # ping through the tunnel in the direction of the load, from its second second on
    ip netns exec "$cns" bash -c "sleep 1; exec timeout $((DUR + 5)) ping -n -i $PING_I \
        -w $((DUR - 1)) $dest" >"$raw.ping" 2>&1 &
    pingpid=$!
    PIDS+=("$pingpid")
    iperf "$sns" "$cns" "$dest" "$raw.tcp.json" || note "TCP run failed: $(head -c 200 "$raw.tcp.json.err")"
    timeout $((DUR + 10)) tail --pid="$pingpid" -f /dev/null
    iperf "$sns" "$cns" "$dest" "$raw.udp.json" -u -b "$UDP_RATE" -l "$LEN" ||
        note "UDP run failed: $(head -c 200 "$raw.udp.json.err")"
    take "$raw.after"
    echo "vmhwm_kib $(windows_hwm)" >>"$raw.after"
    stop_windows
    diff_counters "$raw.before" "$raw.after" >"$raw.diff"
    n() { awk -v k="$1" '$1 == k {print $2; f = 1} END {if (!f) print 0}' "$raw.diff"; }
    local tmbit=- tretr=- uoff=- udel=- uloss=- p50 p99 psent precv plost row
    read -r tmbit tretr < <(jq -r '"\(.end.sum_received.bits_per_second / 1e6 * 10 | round / 10)
        \(.end.sum_sent.retransmits // 0)"' "$raw.tcp.json" 2>/dev/null | tr '\n' ' '; echo)
    read -r uoff udel uloss < <(jq -r '
        (.end.sum_received.packets - .end.sum_received.lost_packets) as $d |
        "\(.end.sum_sent.bits_per_second / 1e6 * 10 | round / 10)
        \(.end.sum_received.bytes * 8 / .end.sum_sent.seconds / 1e6 * 10 | round / 10)
        \((.end.sum_sent.packets - $d) * 10000 / .end.sum_sent.packets | round / 100)"' \
        "$raw.udp.json" 2>/dev/null | tr '\n' ' '; echo)
    read -r p50 p99 psent precv <<<"$(ping_stats "$raw.ping")"
    plost=$(awk -v s="$psent" -v r="$precv" 'BEGIN {print (s > 0 ? int((s - r) * 10000 / s) / 100 : "-")}')
    row=("$v" "$ring" "$grow" "$dir" "${tmbit:--}" "${tretr:--}" "$p50" "$p99" "$plost"
        "${uoff:--}" "${udel:--}" "${uloss:--}" "$(n h.ring_drops)" "$(n win.library.queue_full)"
        "$(n win.library.ring_full)" "$(n win.library.rx_dropped)" "$(n win.library.tx_dropped)"
        "$(n win.library.reader_spins)" "$(n win.library.reader_sleeps)"
        "$(n win.library.ring_grows)" "$(($(n win.library.ring_capacity) / 1024))"
        "$(($(n vmhwm_kib) / 1024))")
    (IFS=$'\t'; echo "${row[*]}") >>"$TSV"
}

START_DATE=$(date -u +%Y-%m-%dT%H:%MZ)
for v in $VARIANTS; do
    for ring in $RINGS; do
        for grow in $GROWS; do
            for dir in $DIRS; do measure "$v" "$ring" "$grow" "$dir"; done
        done
    done
done

# ring.md: the table, labelled.
{
    echo "## Ring size: TCP, latency under load and UDP loss by ring capacity"
    echo
    echo "*$LABEL.*"
    echo
    echo "$START_DATE, $(nproc) cores; TCP $DUR s (iperf3) with ping every $PING_I s through" \
        "the same tunnel; then UDP offered at $UDP_RATE, $LEN-byte payload, $DUR s." \
        "Drops are packets, ring_full and queue_full are events."
    echo
    head -n 1 "$TSV" | sed 's/\t/ | /g; s/^/| /; s/$/ |/'
    head -n 1 "$TSV" | awk -F'\t' '{s = "|"; for (i = 1; i <= NF; i++) s = s (i <= 4 ? "---|" : "---:|"); print s}'
    tail -n +2 "$TSV" | sed 's/\t/ | /g; s/^/| /; s/$/ |/'
} >"$OUT/ring.md"

# ring.svg: throughput, p99 latency and UDP loss against the ring capacity, one line per
# variant, growth setting and direction.
plot() {
    local series=() s i=0 axis kib range
    mkdir -p "$OUT/plot"
    for s in $(tail -n +2 "$TSV" | cut -f1,3,4 | tr '\t' '|' | awk '!seen[$0]++'); do
        i=$((i + 1))
        tail -n +2 "$TSV" | awk -F'\t' -v k="$s" '($1 "|" $3 "|" $4) == k {
            r = $2; m = (r ~ /[Kk]$/) ? 1 : (r ~ /[Mm]$/) ? 1024 : 1 / 1024; sub(/[KkMm]$/, "", r)
            print r * m, $5, $8, $12}' | sort -g >"$OUT/plot/$i.dat"
        series+=("$OUT/plot/$i.dat|$(echo "$s" | sed 's/|/, growth /; s/|/, /')")
    done
    command -v gnuplot >/dev/null || { note "no gnuplot: ring.svg not drawn (scripts/setup.sh --bench)"; return 0; }
    plots() { # COLUMN: gnuplot's plot list, one line per series
        local out="" e
        for e in "${series[@]}"; do
            out="$out${out:+, }'${e%%|*}' using 1:$1 with linespoints title '${e#*|}'"
        done
        echo "$out"
    }
    # the x axis: one tic per ring capacity measured, named as given, with some room
    axis=$(tail -n +2 "$TSV" | cut -f2 | awk '!seen[$0]++ {
        r = $1; m = (r ~ /[Kk]$/) ? 1 : (r ~ /[Mm]$/) ? 1024 : 1 / 1024; sub(/[KkMm]$/, "", r)
        v = r * m; if (lo == "" || v < lo) lo = v; if (v > hi) hi = v
        t = t sprintf("%s\"%s\" %s", (n++ ? ", " : ""), $1, v)}
        END {print t; print "[" lo / 1.5 ":" hi * 1.5 "]"}')
    kib=$(sed -n 1p <<<"$axis")
    range=$(sed -n 2p <<<"$axis")
    gnuplot <<EOF
set terminal svg size 1000,1100 dynamic font "sans,11" background rgb "white"
set output "$OUT/ring.svg"
set termoption noenhanced
set multiplot layout 3,1 title "Ring size study ($START_DATE)\n$LABEL" font "sans,12"
set logscale x 2
set xtics ($kib)
set xrange $range
set grid
set key outside right top
set xlabel "ring capacity"
set yrange [0:*]
set title "TCP throughput (iperf3, $DUR s)"
set ylabel "Mbit/s"
plot $(plots 2)
set title "Ping RTT p99 during the TCP run"
set ylabel "ms"
plot $(plots 3)
set title "UDP loss at $UDP_RATE offered"
set ylabel "%"
plot $(plots 4)
unset multiplot
EOF
}
plot
cat "$OUT/ring.md"
echo
echo "windows_ring: results in $OUT (ring.md, ring.tsv, ring.svg, raw/)"
