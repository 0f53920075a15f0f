#!/usr/bin/env bash
# Datagrams from a third address, truncated ones and random bytes are dropped, counted in
# `show --json`, and the tunnel keeps working.
TEST=garbage
. "$(dirname "$0")/lib.sh"

start_tunnel a
start_tunnel b
expect "ping before" in_a ping -c 1 -W 2 $OVER_B

note "a third address sends valid packets: wrong peer"
in_b ip addr add 198.18.7.3/24 dev "vt$$b"
expect "udpsend" in_b "$HELPERS/udpsend" 198.18.7.3 40000 $UNDER_A $PORT ping 20

note "the peer's own address and port, with garbage (B's tunnel stopped to free the port)"
stop_tunnel b
expect "random" in_b "$HELPERS/udpsend" $UNDER_B $PORT $UNDER_A $PORT random 15
expect "short" in_b "$HELPERS/udpsend" $UNDER_B $PORT $UNDER_A $PORT short 10
expect "big" in_b "$HELPERS/udpsend" $UNDER_B $PORT $UNDER_A $PORT big 5
sleep 0.3
j=$(tunnel_json "$NS_A")
echo "$j"
[ "$(echo "$j" | jq '.dropped.wrong_peer')" -ge 20 ] || fail "wrong_peer not counted: $j"
[ "$(echo "$j" | jq '.dropped.malformed')" -ge 25 ] || fail "malformed not counted: $j"
[ "$(echo "$j" | jq '.dropped.truncated')" -ge 5 ] || fail "truncated not counted: $j"
# Nothing of it reached A's device: the kernel saw no packets from 10.207.0.9.
rx=$(in_a ip -j -s link show dev vt0 | jq '.[0].stats64.rx.packets')
[ "$rx" -le 3 ] || fail "garbage reached the device ($rx packets)"

note "still working"
start_tunnel b
expect "ping after the garbage" in_a ping -c 2 -i 0.2 -W 2 $OVER_B
echo PASS
