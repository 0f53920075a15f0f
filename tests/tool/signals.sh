#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Statistics on SIGUSR1 and every --stats-interval seconds; SIGINT and SIGHUP stop the tunnel
# cleanly too (exit 0, counters printed, device removed).
TEST=signals
. "$(dirname "$0")/lib.sh"

start_tunnel a --stats-interval 1
start_tunnel b
expect "ping" in_a ping -c 3 -i 0.2 -W 2 $OVER_B
log_a=/tmp/vt-$TEST-$$-a.log
log_b=/tmp/vt-$TEST-$$-b.log
stats() { grep -c '^tunnel vt0' "$1"; }

note "--stats-interval 1: periodic counters"
for _ in $(seq 30); do [ "$(stats "$log_a")" -ge 2 ] && break; sleep 0.1; done
want_ge "periodic stats blocks in A's log after ~2 s" 2 "$(stats "$log_a")" "$(cat "$log_a")"

note "SIGUSR1: counters at once, the tunnel goes on"
before=$(stats "$log_b")
kill -USR1 "$PID_b"
for _ in $(seq 20); do [ "$(stats "$log_b")" -gt "$before" ] && break; sleep 0.1; done
want_eq "stats blocks in B's log after SIGUSR1" $((before + 1)) "$(stats "$log_b")" "$(cat "$log_b")"
kill -0 "$PID_b" 2>/dev/null || fail "SIGUSR1 stopped the tunnel"
expect "ping after SIGUSR1" in_a ping -c 1 -W 2 $OVER_B

# stop_with SIGNAL SIDE: the tunnel exits 0 within 5 s, prints its counters, removes vt0.
stop_with() {
    local sig=$1 side=$2 pid log status
    eval "pid=\$PID_$side"
    log=/tmp/vt-$TEST-$$-$side.log
    local before
    before=$(stats "$log")
    kill -"$sig" "$pid"
    timeout 5 tail --pid="$pid" -f /dev/null || fail "SIG$sig did not stop tunnel $side"
    wait "$pid"
    status=$?
    want_eq "exit status after SIG$sig" 0 "$status"
    want_ge "stats blocks after SIG$sig (a final one)" $((before + 1)) "$(stats "$log")"
    ip netns exec "vt-$TEST-$$-$side" ip link show dev vt0 >/dev/null 2>&1 &&
        fail "vt0 still there after SIG$sig"
    return 0
}
note "SIGINT stops B, SIGHUP stops A"
stop_with INT b
stop_with HUP a
echo PASS
