#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A tunnel's device moved into another network namespace (as a container runtime does): the
# tunnel says so and keeps forwarding through its descriptor; a ping from the device's new
# namespace crosses the tunnel and is answered.
TEST=moved
. "$(dirname "$0")/lib.sh"
NS_C="vt-$TEST-$$-c"
cleanup_c() { ip netns del "$NS_C" 2>/dev/null; cleanup; }
trap cleanup_c EXIT
ip netns add "$NS_C" || fail "ip netns add"

start_tunnel a
start_tunnel b
expect "ping A->B before the move" in_a ping -c 1 -W 2 $OVER_B

note "A's device moves into a third namespace"
ip -n "$NS_A" link set vt0 netns "$NS_C" || fail "move"
for _ in $(seq 50); do
    grep -q "moved to another network namespace" /tmp/vt-$TEST-$$-a.log && break
    sleep 0.1
done
grep -q "moved to another network namespace; forwarding continues" /tmp/vt-$TEST-$$-a.log ||
    fail "the tunnel did not report the move: $(cat /tmp/vt-$TEST-$$-a.log)"
kill -0 "$PID_a" 2>/dev/null || fail "tunnel A exited: $(cat /tmp/vt-$TEST-$$-a.log)"

note "configured in its new namespace, the device still carries the tunnel"
ip -n "$NS_C" addr add $OVER_A/24 dev vt0 && ip -n "$NS_C" link set vt0 up || fail "configure"
expect "ping C->B through the moved device" ip netns exec "$NS_C" ping -c 2 -i 0.2 -W 2 $OVER_B
kill -0 "$PID_a" 2>/dev/null || fail "tunnel A exited after the move"
echo PASS
