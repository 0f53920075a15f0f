#!/usr/bin/env bash
# Statistics on SIGUSR1 and every --stats-interval seconds; SIGINT exits cleanly too.
TEST=signals
. "$(dirname "$0")/lib.sh"

start_tunnel a --stats-interval 1
start_tunnel b
expect "ping" in_a ping -c 3 -i 0.2 -W 2 $OVER_B
log_a=/tmp/vt-$TEST-$$-a.log
log_b=/tmp/vt-$TEST-$$-b.log
sleep 1.5
[ "$(grep -c '^tunnel vt0' "$log_a")" -ge 1 ] || fail "no periodic stats: $(cat "$log_a")"
before=$(grep -c '^tunnel vt0' "$log_b")
kill -USR1 "$PID_b"
sleep 0.3
[ "$(grep -c '^tunnel vt0' "$log_b")" -gt "$before" ] || fail "SIGUSR1 printed nothing"
kill -0 "$PID_b" || fail "SIGUSR1 stopped the tunnel"
kill -INT "$PID_b"
timeout 5 tail --pid="$PID_b" -f /dev/null || fail "SIGINT did not stop it"
in_b ip link show dev vt0 >/dev/null 2>&1 && fail "vt0 still there after SIGINT"
echo PASS
