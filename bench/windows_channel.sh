#!/bin/bash
# SPDX-License-Identifier: MIT
# The Windows data path without sockets, under Wine: how many packets per second the library
# (reader thread, queue, batch calls) and the bridged wintun.dll double's channel to its Linux
# helper carry, each way. In one network namespace: bridge_helper owns the TUN device behind
# the double's adapter; flood_lib.exe (tests/windows/bridge/flood_lib.c, on libveiltun.dll)
# under Wine either counts what udpflood sends into the device from the Linux side (Linux ->
# Windows), or writes UDP packets into the device as fast as write_batch takes them (Windows
# -> Linux, counted by the helper as written into the device). Each direction RUNS times, DUR seconds
# each; the median is reported, with where packets were lost. channel_pps is what crossed
# the channel: into the double's receive ring (delivered + the double's ring drops), or out
# of the device's send ring into the Linux device.
# What it measures: Wine on Linux with the wintun.dll double — our reader, queue and the test
# channel, not the real driver. The channel must not be what limits the bridged tests.
# Usage: sudo bench/windows_channel.sh [WINDOWS_BUILD [LINUX_BUILD]]
#        (defaults build/windows and build/ci; DUR=10 RUNS=3 SIZE=1400 (UDP payload) RATE=0
#        (Mbit/s offered Linux -> Windows, 0 = as fast as udpflood goes); results go to
#        WINDOWS_BUILD/bench/channel.tsv)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WIN_BUILD=$(realpath "${1:-$ROOT/build/windows}")
LINUX_BUILD=$(realpath "${2:-$ROOT/build/ci}")
DUR=${DUR:-10} RUNS=${RUNS:-3} SIZE=${SIZE:-1400} RATE=${RATE:-0}
WINE_RUN=$ROOT/scripts/wine-run.sh
DOUBLE_DLL=$WIN_BUILD/tests/windows/wintun.dll
IPHLP_DLL=$WIN_BUILD/tests/windows/bridge/iphlpapi.dll
FLOOD=$WIN_BUILD/tests/windows/bridge/flood_lib.exe
UDPFLOOD=$LINUX_BUILD/tests/windows/bridge/udpflood
# shellcheck disable=SC2034
WORK=$WIN_BUILD/tests/windows/bridge # lib.sh: the Wine prefix is there
OUT=$WIN_BUILD/bench
TEST=bench-channel
for f in "$FLOOD" "$DOUBLE_DLL" "$IPHLP_DLL" "$WIN_BUILD/bin/libveiltun.dll" "$UDPFLOOD"; do
    [ -e "$f" ] || { echo "missing $f: build the Windows tree and the Linux tree first" >&2; exit 2; }
done
# shellcheck source=../tests/windows/bridge/linux.sh
. "$ROOT/tests/windows/bridge/linux.sh"
# shellcheck disable=SC2034 # lib.sh uses it
WIN_COMM=flood_lib.exe
# shellcheck source=../tests/windows/bridge/lib.sh
. "$ROOT/tests/windows/bridge/lib.sh"
bridge_setup "$FLOOD" "$WIN_BUILD/bin/libveiltun.dll"
mkdir -p "$OUT"

# flood MODE ARGS...: starts flood_lib.exe in A; returns once its device has its address.
flood() {
    : >"$WIN_LOG"
    ip netns exec "$NS_A" env VEILTUN_DOUBLE_BRIDGE=127.0.0.1:$BRIDGE_PORT "$WINE_RUN" \
        "$BIN/flood_lib.exe" vt0 $OVER_A/24 "$@" >/tmp/vt-$TEST-$$-win.out 2>>"$WIN_LOG" &
    WIN_PID=$!
    for _ in $(seq 300); do
        [ "$(device_addrs)" = "$OVER_A" ] && grep -q ready /tmp/vt-$TEST-$$-win.out && return 0
        kill -0 "$WIN_PID" 2>/dev/null || fail "flood_lib.exe exited: $(cat "$WIN_LOG")"
        sleep 0.1
    done
    fail "flood_lib.exe's device did not come up"
}
finish() {
    timeout $((DUR + 30)) tail --pid="$WIN_PID" -f /dev/null || fail "flood_lib.exe did not end"
    wait "$WIN_PID" || fail "flood_lib.exe failed: $(tail -n 3 "$WIN_LOG")"
    wait_device_gone "flood_lib.exe's end" >/dev/null
}
field() { sed -n "s/.*$1 \([0-9.]*\).*/\1/p" "$2" | head -n 1; }
# session_counts: the helper's line for the session that just ended (the Nth "removed").
session_counts() {
    for _ in $(seq 50); do
        [ "$(grep -c removed "$HELPER_LOG")" -ge "$1" ] && break
        sleep 0.1
    done
    grep removed "$HELPER_LOG" | sed -n "${1}p"
}

printf 'direction\trun\toffered_pps\tchannel_pps\tdelivered_pps\tgbit_s\tloss_pct\twhere\n' >"$OUT/channel.tsv"
for run in $(seq "$RUNS"); do
    # Linux -> Windows: udpflood in A to the peer behind the device; flood_lib counts.
    flood sink "$DUR"
    in_a "$UDPFLOOD" $OVER_B 9 "$SIZE" "$DUR" "$RATE" >/tmp/vt-$TEST-$$-udp.out &
    # What the kernel could not queue in the TUN device (the helper stops reading it while the
    # ring to the double lacks room for a batch): read until the device goes with the program.
    tun_drops=0
    for _ in $(seq $((DUR * 10 + 300))); do
        d=$(ip -n "$NS_A" -j -s link show vt0 2>/dev/null | jq .[0].stats64.tx.dropped) || break
        [ -n "$d" ] && tun_drops=$d
        kill -0 "$WIN_PID" 2>/dev/null || break
        sleep 0.1
    done
    wait $!
    finish
    sent=$(field sent /tmp/vt-$TEST-$$-udp.out)
    got=$(field packets /tmp/vt-$TEST-$$-win.out)
    secs=$(field seconds /tmp/vt-$TEST-$$-win.out)
    h=$(session_counts $((2 * run - 1)))
    ring=$(echo "$h" | sed -n 's/.*ring drops \([0-9]*\).*/\1/p')
    into=$(echo "$h" | sed -n 's/.*to the double \([0-9]*\).*/\1/p')
    usecs=$(sed -n 's/.* in \([0-9.]*\) s.*/\1/p' /tmp/vt-$TEST-$$-udp.out)
    qfull=$(field queue_full /tmp/vt-$TEST-$$-win.out)
    printf 'linux->windows\t%s\t%.0f\t%.0f\t%.0f\t%.3f\t%.1f\tTUN queue %s, ring drops %s, queue_full %s\n' "$run" \
        "$(echo "$sent / $usecs" | bc -l)" "$(echo "$into / $usecs" | bc -l)" \
        "$(echo "$got / $secs" | bc -l)" \
        "$(echo "$got * ($SIZE + 28) * 8 / $secs / 1000000000" | bc -l)" \
        "$(echo "100 * (1 - $got / $sent)" | bc -l)" "$tun_drops" "$ring" "$qfull" >>"$OUT/channel.tsv"
    # Windows -> Linux: flood_lib writes; A's kernel counts what reached the device.
    flood source "$DUR" $OVER_B $OVER_A 9 $((SIZE + 28))
    finish
    written=$(field packets /tmp/vt-$TEST-$$-win.out)
    secs=$(field seconds /tmp/vt-$TEST-$$-win.out)
    h=$(session_counts $((2 * run)))
    refused=$(echo "$h" | sed -n 's/.*refused \([0-9]*\).*/\1/p')
    from=$(($(echo "$h" | sed -n 's/.*from it \([0-9]*\).*/\1/p') - refused))
    printf 'windows->linux\t%s\t%.0f\t%.0f\t%.0f\t%.3f\t%.1f\tring_full %s, device refused %s\n' \
        "$run" "$(echo "$written / $secs" | bc -l)" "$(echo "$from / $secs" | bc -l)" \
        "$(echo "$from / $secs" | bc -l)" \
        "$(echo "$from * ($SIZE + 28) * 8 / $secs / 1000000000" | bc -l)" \
        "$(echo "100 * (1 - $from / $written)" | bc -l)" \
        "$(field ring_full /tmp/vt-$TEST-$$-win.out)" "$refused" >>"$OUT/channel.tsv"
done
column -t -s $'\t' "$OUT/channel.tsv"
for d in 'linux->windows' 'windows->linux'; do
    awk -F'\t' -v d="$d" '$1 == d {print $5, $6}' "$OUT/channel.tsv" | sort -n |
        awk -v d="$d" '{p[NR] = $1; g[NR] = $2} END {m = int((NR + 1) / 2);
            printf "median %s: %d packets/s, %.2f Gbit/s (%d runs)\n", d, p[m], g[m], NR}'
done
note "Wine on Linux with the wintun.dll double: our reader, queue and the test channel, not the real driver"
