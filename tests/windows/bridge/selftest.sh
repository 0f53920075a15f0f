#!/bin/bash
# SPDX-License-Identifier: MIT
# windows.selftest: veiltun_selftest.exe (tests/windows/selftest/), the self-test meant for
# real Windows, run exactly as a tester runs it there (no arguments), under Wine with the
# wintun.dll double bridged to a TUN device that bridge_helper owns in namespace A. The
# program's own UDP sockets are Linux sockets in A: its datagrams to the peer addresses go
# into that device, through the helper and the double to the library, and its replies come
# back the same way.
# Checks: the program's exit code and its TAP lines (every check passed, none skipped, the
# summary); the kernel's view of the device while it lived (ip monitor: the addresses, the MTU,
# the routes the program asked for); the library's counters against the helper's (every
# reply the library wrote reached the Linux stack, nothing lost or refused); the device gone
# at the end.
# Args: wine-run.sh veiltun_selftest.exe libveiltun.dll wintun-double.dll
#       iphlpapi-bridge.dll LINUX_BUILD WORKDIR
set -u
WINE_RUN=$1 SELFTEST_EXE=$2 LIB_DLL=$3 DOUBLE_DLL=$4 IPHLP_DLL=$5 LINUX_BUILD=$6
WORK=$(realpath -m "$7")
TEST=selftest
# shellcheck source=linux.sh
. "$(dirname "$0")/linux.sh"
WIN_COMM=veiltun_selftest.exe
DEV=vt-selftest # the program's defaults (veiltun_selftest --help)
ADDR4=198.18.232.1/24 ADDR6=fd5e:1f7e:a71c::1/64 MTU=1380
ROUTE4=198.19.232.0/24 ROUTE6=fd5e:1f7e:a71c:1::/64
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
bridge_setup "$SELFTEST_EXE" "$LIB_DLL"

# Every change of A's links, addresses and routes while the program runs, as the kernel
# reports it (the device lives only as long as the program).
MON=/tmp/vt-$TEST-$$-monitor.log
ip -n "$NS_A" monitor link address route >"$MON" 2>&1 &
MON_PID=$!
PIDS+=("$MON_PID")
sleep 0.3

WIN_OUT=/tmp/vt-$TEST-$$-win.out
ip netns exec "$NS_A" env VEILTUN_DOUBLE_BRIDGE=127.0.0.1:$BRIDGE_PORT timeout 180 \
    "$WINE_RUN" "$BIN/veiltun_selftest.exe" >"$WIN_OUT" 2>>"$WIN_LOG"
rc=$?
sed -i 's/\r$//' "$WIN_OUT" # a Windows console program's lines end in CRLF
note "veiltun_selftest.exe exited with $rc after $(elapsed) s; its report:"
sed 's/^/   | /' "$WIN_OUT"
want_eq "veiltun_selftest.exe's status (77 would mean Wine's process is not elevated)" 0 $rc \
    "$(tail -n 3 "$WIN_LOG")"
failed=$(grep -c '^not ok' "$WIN_OUT")
skipped=$(grep -c '# SKIP' "$WIN_OUT")
passed=$(grep -c '^ok' "$WIN_OUT")
want_eq "checks failed" 0 "$failed" "$(grep '^not ok' "$WIN_OUT" | head -n 3)"
want_eq "checks skipped" 0 "$skipped" "$(grep '# SKIP' "$WIN_OUT" | head -n 3)"
want_ge "checks passed" 40 "$passed"
want_eq "plan" "1..$passed" "$(grep '^1\.\.' "$WIN_OUT")"
grep -q "^# summary: $passed checks, $passed passed, 0 failed, 0 skipped; exit code 0$" \
    "$WIN_OUT" || fail "no summary line saying all $passed passed"
grep -q '^# running under Wine' "$WIN_OUT" || fail "the header does not say it ran under Wine"

# The kernel saw what the program asked IP Helper for.
sleep 0.3
kill "$MON_PID" 2>/dev/null
mon_has() { grep -q -- "$1" "$MON" || fail "ip monitor in A never showed $2: $(head -c 2000 "$MON")"; }
mon_has "inet $ADDR4 .*$DEV" "$ADDR4 on $DEV"
mon_has "inet6 $ADDR6 .*" "$ADDR6 on $DEV"
mon_has "$DEV: .* mtu $MTU " "$DEV with MTU $MTU"
mon_has "^$ROUTE4 dev $DEV" "the route $ROUTE4 through $DEV"
mon_has "^$ROUTE6 dev $DEV" "the route $ROUTE6 through $DEV"
note "the kernel saw $ADDR4, $ADDR6, MTU $MTU, $ROUTE4 and $ROUTE6 on $DEV"

wait_device_gone "veiltun_selftest.exe's end"
# The library's counters (the program's stats line, before the cancel check) against the
# helper's: every reply the library wrote reached the Linux device, nothing lost on the
# channel or refused by the device; the Linux stack sent the device at least what the
# library read (plus what the double dropped before the session existed).
win_stat() { sed -n "s/^# stats.* $1 \([0-9]*\).*/\1/p" "$WIN_OUT"; }
counts=$(helper_counts)
hcount() { echo "$counts" | sed -n "s/.*$1 \([0-9]*\).*/\1/p"; }
note "$counts"
want_ge "replies the library wrote (tx_packets)" $((2 * (16 + 2 + 8) + 2 * 256)) \
    "$(win_stat tx_packets)"
want_eq "packets from the double = the library's tx_packets" "$(win_stat tx_packets)" \
    "$(hcount "from it")"
want_eq "packets lost on the channel" 0 "$(hcount lost)"
want_eq "packets the Linux device refused" 0 "$(hcount refused)"
want_ge "packets to the double (>= read by the library + ring drops)" \
    $(($(win_stat rx_packets) + $(hcount "ring drops"))) "$(hcount "to the double")"
note "cleaned up ($(elapsed) s in all)"
echo "PASS"
