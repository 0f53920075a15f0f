#!/bin/bash
# SPDX-License-Identifier: MIT
# windows.bridge_echo: the Windows library alone carries real traffic. In namespace A,
# echo_lib.exe (tests/windows/bridge/echo_lib.c, built on libveiltun.dll) runs under Wine
# with the wintun.dll double bridged to a TUN device that bridge_helper owns; it gives the
# device its addresses and MTU through IP Helper (the bridged stand-in) and answers the pings
# the Linux stack in A sends to the peer addresses behind the device, waiting on
# veiltun_wait() and then on the wait handle, moving packets with read_batch/write_batch.
# Checks: the device gets the addresses and MTU as the kernel sees them, every ping (IPv4 and
# IPv6, paced, full-MTU with DF, a burst of 64 at once) is answered, the program's and the
# helper's counters agree with the pings, and closing the handle removes the device.
# Args: wine-run.sh echo_lib.exe libveiltun.dll wintun-double.dll iphlpapi-bridge.dll
#       LINUX_BUILD WORKDIR
set -u
WINE_RUN=$1 ECHO_EXE=$2 LIB_DLL=$3 DOUBLE_DLL=$4 IPHLP_DLL=$5 LINUX_BUILD=$6
WORK=$(realpath -m "$7")
TEST=bridge-echo
# shellcheck source=linux.sh
. "$(dirname "$0")/linux.sh"
WIN_COMM=echo_lib.exe
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
bridge_setup "$ECHO_EXE" "$LIB_DLL"

MTU=1400 # not the double's default, so the kernel's MTU shows the request arrived
# Pings: 20 paced + 2 full-MTU + 64 at once (IPv4), 20 paced + 2 full-MTU (IPv6).
N4=86 N6=22
WIN_OUT=/tmp/vt-$TEST-$$-win.out
ip netns exec "$NS_A" env VEILTUN_DOUBLE_BRIDGE=127.0.0.1:$BRIDGE_PORT "$WINE_RUN" \
    "$BIN/echo_lib.exe" vt0 $OVER_A/24 $OVER_B $OVER6_A/64 $OVER6_B $MTU $((N4 + N6)) 60 \
    >"$WIN_OUT" 2>>"$WIN_LOG" &
WIN_PID=$!
for _ in $(seq 300); do
    grep -q ready "$WIN_OUT" && [ "$(device_addrs)" = "$OVER_A $OVER6_A" ] && break
    kill -0 "$WIN_PID" 2>/dev/null || fail "echo_lib.exe exited: $(cat "$WIN_OUT")"
    sleep 0.1
done
[ "$(device_addrs)" = "$OVER_A $OVER6_A" ] ||
    fail "echo_lib.exe's device did not get $OVER_A and $OVER6_A within 30 s: '$(device_addrs)'"
want_eq "vt0 MTU in A" $MTU "$(ip -n "$NS_A" -j link show vt0 | jq .[0].mtu)"
note "echo_lib.exe up, vt0 in A has $(device_addrs), MTU $MTU ($(elapsed) s)"

# pings WHAT COUNT ping-args...: every request must be answered (the kernel's count).
pings() {
    local what=$1 count=$2 out got; shift 2
    out=$(in_a ping -c "$count" -W 5 "$@" 2>&1)
    got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
    want_eq "$what: replies" "$count" "${got:-0}" "$(echo "$out" | tail -n 2 | head -n 1)"
}
pings "ping" 20 -i 0.05 $OVER_B
pings "full-MTU ping with DF" 2 -i 0.2 -M do -s $((MTU - 28)) $OVER_B
pings "64 pings at once" 64 -l 64 -i 0.5 -w 10 $OVER_B
pings "ping6" 20 -i 0.05 $OVER6_B
pings "full-MTU ping6" 2 -i 0.2 -M do -s $((MTU - 48)) $OVER6_B
note "$N4 IPv4 and $N6 IPv6 echo requests answered ($(elapsed) s)"

timeout 30 tail --pid="$WIN_PID" -f /dev/null || fail "echo_lib.exe did not end"
wait "$WIN_PID"
rc=$?
note "echo_lib.exe: $(grep -h answered "$WIN_OUT"); $(grep -h '^stats' "$WIN_OUT")"
want_eq "echo_lib.exe's status" 0 $rc "$(tail -n 3 "$WIN_LOG")"
want_eq "requests answered" "answered $((N4 + N6)) (ipv4 $N4, ipv6 $N6)" \
    "$(grep -o 'answered.*)' "$WIN_OUT")"
# The library's counters: every reply written, nothing dropped on either side.
win_stat() { sed -n "s/^stats.* $1 \([0-9]*\).*/\1/p" "$WIN_OUT"; }
want_eq "tx_packets" $((N4 + N6)) "$(win_stat tx_packets)"
for c in rx_dropped tx_dropped tx_errors ring_full; do want_eq "$c" 0 "$(win_stat "$c")"; done
want_ge "rx_packets" $((N4 + N6)) "$(win_stat rx_packets)"
wait_device_gone "veiltun_close"
# The helper's view: it wrote exactly the replies into the Linux device, lost nothing.
counts=$(helper_counts)
hcount() { echo "$counts" | sed -n "s/.*$1 \([0-9]*\).*/\1/p"; }
note "$counts"
want_eq "packets from the double" $((N4 + N6)) "$(hcount "from it")"
want_eq "packets lost on the channel" 0 "$(hcount lost)"
want_eq "packets the Linux device refused" 0 "$(hcount refused)"
# What the Linux stack sent into the device reached the library, or was dropped by the double
# for want of room or of a session (packets before the session started, as the driver does).
want_eq "packets to the double" $(($(win_stat rx_packets) + $(hcount "ring drops"))) \
    "$(hcount "to the double")"
note "cleaned up ($(elapsed) s in all)"
echo "PASS"
