#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck source-path=SCRIPTDIR
# The stress study of the Windows backend: veiltun.exe under Wine, with the wintun.dll double
# in bridged mode, carries UDP offered at RATE (default 1 Gbit/s) and TCP as fast as it goes,
# each for DUR seconds (default 60), from Windows to Linux (w2l) and back (l2w). Per run:
# offered, delivered, lost, and where each loss was counted on the path (A's device queue,
# the double's receive ring, the library's queue and ring, the tunnels' sockets, the
# kernels' UDP receive errors in each namespace), the library's reader spins and sleeps,
# and the peak memory (VmHWM) of veiltun.exe's Wine process.
# Each run has a veiltun.exe of its own (counters and peak memory start from zero), with a
# counter snapshot of every hop before and after the traffic (tests/windows/bridge/counters.sh).
#
# Wine on Linux with the wintun double: a measure of our reader, queue and tunnel design, not
# of the real driver.
#
# usage:  sudo bench/windows_stress.sh       (after building build/ci and build/windows)
# env:    DUR=60 RATE=1G LEN=1400 (UDP datagram payload; the tunnel's MTU is 1472)
#         RUNS="udp:w2l udp:l2w tcp:w2l tcp:l2w"   (KIND:DIRECTION, in this order)
#         WIN_ARGS=""   more veiltun.exe tunnel arguments, e.g. "--ring-capacity 32M"
#         OUT=build/bench/windows-stress   (results: stress.md, stress.tsv, raw/; the Wine
#         prefix is kept in OUT/work)   BUILD_WIN=build/windows BUILD_LINUX=build/ci
set -u
cd "$(dirname "$0")/.." || exit 1
DUR=${DUR:-60}
RATE=${RATE:-1G}
LEN=${LEN:-1400}
RUNS=${RUNS:-udp:w2l udp:l2w tcp:w2l tcp:l2w}
WIN_ARGS=${WIN_ARGS:-}
OUT=$(realpath -m "${OUT:-build/bench/windows-stress}")
TEST=wstress
# shellcheck source=windows_lib.sh
. bench/windows_lib.sh

# iperf_figures KIND JSON: offered, delivered and lost (UDP), or retransmits (TCP).
iperf_figures() {
    jq -r --arg k "$1" '
        def mbit: . / 1e6 | . * 10 | round / 10;
        if $k == "udp" then
            .end.sum_sent.packets as $o |
            (.end.sum_received.packets - .end.sum_received.lost_packets) as $d |
            "offered_mbit \(.end.sum_sent.bits_per_second | mbit)",
            "delivered_mbit \(.end.sum_received.bytes * 8 / .end.sum_sent.seconds | mbit)",
            "offered_pkts \($o)", "delivered_pkts \($d)", "lost_pkts \($o - $d)",
            "retransmits -"
        else
            "offered_mbit -",
            "delivered_mbit \(.end.sum_received.bits_per_second | mbit)",
            "offered_pkts -", "delivered_pkts -", "lost_pkts -",
            "retransmits \(.end.sum_sent.retransmits // 0)"
        end' "$2" 2>/dev/null ||
        printf '%s -\n' offered_mbit delivered_mbit offered_pkts delivered_pkts lost_pkts retransmits
}

# The figures of one run, "key value", from its counter changes and iperf3's JSON.
# w2l: A's stack -> vt0 -> helper -> double's ring -> library -> veiltun.exe -> B;
# l2w: B's stack -> Linux tunnel -> A's Wine socket -> veiltun.exe -> library -> double ->
# helper -> vt0 -> A's stack. Both directions' hops are listed: traffic of the other
# direction (acks, iperf3's control connection) is counted too.
figures() {
    local kind=$1 dir=$2 diff=$3 json=$4 out
    local -A d
    local k v
    while read -r k v; do d[$k]=$v; done <"$diff"
    n() { echo "${d[$1]:-0}"; }
    out=$(iperf_figures "$kind" "$json")
    echo "$out"
    echo "a_device_queue $(($(n a.qdisc_drops) + $(n a.vt0_tx_dropped)))"
    echo "helper_lost $(n h.lost)"
    echo "ring_drops $(n h.ring_drops)"
    echo "channel_to_library $(($(n h.to) - $(n h.ring_drops) - $(n win.batches.device_packets)))"
    echo "lib_rx_dropped $(n win.library.rx_dropped)"
    echo "lib_queue_full $(n win.library.queue_full)"
    echo "win_send_drops $(n win.dropped.send)"
    echo "b_udp_errors $(n b.udp_errors)"
    echo "lin_tunnel_drops $(($(n lin.dropped.wrong_peer) + $(n lin.dropped.truncated) + \
        $(n lin.dropped.malformed) + $(n lin.dropped.device)))"
    echo "b_device_queue $(($(n b.qdisc_drops) + $(n b.vt0_tx_dropped)))"
    echo "lin_send_drops $(n lin.dropped.send)"
    echo "a_udp_errors $(n a.udp_errors)"
    echo "win_device_drops $(n win.dropped.device)"
    echo "lib_tx_dropped $(n win.library.tx_dropped)"
    echo "lib_ring_full $(n win.library.ring_full)"
    echo "helper_refused $(n h.refused)"
    # UDP: what was lost on no counter of the run's direction (a packet in flight at the end,
    # or a hop nobody counts).
    local lost w2l l2w
    lost=$(awk '$1 == "lost_pkts" {print $2}' <<<"$out")
    w2l=$(($(n a.qdisc_drops) + $(n a.vt0_tx_dropped) + $(n h.lost) +
        $(n h.to) - $(n win.batches.device_packets) +
        $(n win.library.rx_dropped) + $(n win.dropped.send) + $(n b.udp_errors) +
        $(n lin.dropped.wrong_peer) + $(n lin.dropped.truncated) + $(n lin.dropped.malformed) +
        $(n lin.dropped.device)))
    l2w=$(($(n b.qdisc_drops) + $(n b.vt0_tx_dropped) + $(n lin.dropped.send) +
        $(n a.udp_errors) + $(n win.dropped.device) + $(n win.library.tx_dropped) +
        $(n h.refused)))
    case "$kind:$lost" in
    udp:[0-9]*) echo "uncounted_pkts $((lost - $([ "$dir" = w2l ] && echo $w2l || echo $l2w)))" ;;
    *) echo "uncounted_pkts -" ;;
    esac
    echo "reader_spins $(n win.library.reader_spins)"
    echo "reader_sleeps $(n win.library.reader_sleeps)"
    echo "ring_grows $(n win.library.ring_grows)"
    echo "ring_capacity_kib $(($(n win.library.ring_capacity) / 1024))"
    echo "peak_memory_mib $(($(n vmhwm_kib) / 1024))"
}

# What each figure is, in the order of the table.
DESCRIPTIONS='offered_mbit|offered, Mbit/s (iperf3 sender)
delivered_mbit|delivered, Mbit/s (iperf3 receiver)
offered_pkts|UDP datagrams offered
delivered_pkts|UDP datagrams delivered
lost_pkts|UDP datagrams lost (end to end)
retransmits|TCP retransmits
a_device_queue|w2l: A vt0 queue drops (qdisc, TUN tx)
helper_lost|w2l: helper to double, send failed
ring_drops|w2l: double receive ring full (ring drops)
channel_to_library|w2l: sent to the double, neither read by the library nor a ring drop (0: the channel loses nothing)
lib_rx_dropped|w2l: library rx_dropped
lib_queue_full|w2l: library queue_full (events, reader waited)
win_send_drops|w2l: veiltun.exe socket send drops
b_udp_errors|kernel UDP receive errors in B (tunnel + iperf3 sockets)
lin_tunnel_drops|w2l: Linux tunnel drops (peer, size, malformed, device)
b_device_queue|l2w: B vt0 queue drops (qdisc, TUN tx)
lin_send_drops|l2w: Linux tunnel socket send drops
a_udp_errors|kernel UDP receive errors in A (Wine socket, iperf3)
win_device_drops|l2w: veiltun.exe device write drops
lib_tx_dropped|l2w: library tx_dropped
lib_ring_full|l2w: library ring_full (events, send retried)
helper_refused|l2w: helper, device refused
uncounted_pkts|UDP lost on no counter of its direction
reader_spins|library reader_spins
reader_sleeps|library reader_sleeps
ring_grows|library ring_grows
ring_capacity_kib|ring capacity at the end, KiB
peak_memory_mib|veiltun.exe peak memory (VmHWM), MiB'

run_one() {
    local kind=${1%%:*} dir=${1#*:} raw sns cns dest rc=0
    raw=$OUT/raw/$kind-$dir
    read -r sns cns dest <<<"$(direction "$dir")"
    [ "$kind" = udp ] || [ "$kind" = tcp ] || fail "run $1: udp or tcp"
    note "$kind $dir: $DUR s${WIN_ARGS:+ (veiltun.exe $WIN_ARGS)}"
    # shellcheck disable=SC2086 # WIN_ARGS is words on purpose
    start_windows default $WIN_ARGS
    take "$raw.before"
    if [ "$kind" = udp ]; then
        iperf "$sns" "$cns" "$dest" "$raw.json" -u -b "$RATE" -l "$LEN" || rc=1
    else
        iperf "$sns" "$cns" "$dest" "$raw.json" || rc=1
    fi
    [ $rc = 0 ] || note "iperf3 failed: $(jq -r '.error // empty' "$raw.json" 2>/dev/null)" \
        "$(head -c 200 "$raw.json.err")"
    take "$raw.after"
    echo "vmhwm_kib $(windows_hwm)" >>"$raw.after"
    echo "vmhwm_kib 0" >>"$raw.before"
    stop_windows
    diff_counters "$raw.before" "$raw.after" >"$raw.diff"
    figures "$kind" "$dir" "$raw.diff" "$raw.json" >"$raw.figures"
}

START_DATE=$(date -u +%Y-%m-%dT%H:%MZ)
names=()
for r in $RUNS; do
    run_one "$r"
    names+=("${r/:/ }")
done

# stress.tsv: one row per run; stress.md: one column per run, one row per figure.
{
    printf 'run'
    while IFS='|' read -r k _; do printf '\t%s' "$k"; done <<<"$DESCRIPTIONS"
    echo
    for r in $RUNS; do
        printf '%s' "${r/:/_}"
        while IFS='|' read -r k _; do
            printf '\t%s' "$(awk -v k="$k" '$1 == k {print $2}' "$OUT/raw/${r/:/-}.figures")"
        done <<<"$DESCRIPTIONS"
        echo
    done
} >"$OUT/stress.tsv"
{
    echo "## Stress: UDP offered at $RATE and TCP as fast as it goes, $DUR s each"
    echo
    echo "*$LABEL.*"
    echo
    echo "$START_DATE, $(nproc) cores, UDP payload $LEN bytes, tunnel MTU 1472," \
        "veiltun.exe ${WIN_ARGS:-with default ring (8 MiB, no growth)}." \
        "Drop counters are packets unless marked events."
    echo
    printf '| figure |'
    printf ' %s |' "${names[@]}"
    printf '\n|---|'
    printf -- '---:|%.0s' "${names[@]}"
    echo
    col=2
    while IFS='|' read -r _ desc; do
        printf '| %s |' "$desc"
        awk -F'\t' -v c=$col 'NR > 1 {printf " %s |", $c}' "$OUT/stress.tsv"
        echo
        col=$((col + 1))
    done <<<"$DESCRIPTIONS"
} >"$OUT/stress.md"
cat "$OUT/stress.md"
echo
echo "windows_stress: results in $OUT (stress.md, stress.tsv, raw/)"
