#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One side restarts: the tunnel carries traffic again without touching the other side.
TEST=restart
. "$(dirname "$0")/lib.sh"

start_tunnel a
start_tunnel b
expect "ping before" in_a ping -c 1 -W 2 $OVER_B
stop_tunnel b
in_a ping -c 1 -W 1 $OVER_B >/dev/null 2>&1 && fail "ping passed with B down"
start_tunnel b
expect "ping after B restarted" in_a ping -c 2 -i 0.2 -W 2 $OVER_B
expect "ping back after restart" in_b ping -6 -c 2 -i 0.2 -W 2 $OVER6_A
# SIGKILL leaves no chance to clean up: the kernel removes the device with the process.
eval "pid=\$PID_b"
kill -KILL "$pid"
timeout 5 tail --pid="$pid" -f /dev/null
in_b ip link show dev vt0 >/dev/null 2>&1 && fail "vt0 left behind after SIGKILL"
start_tunnel b --no-offload
expect "ping after SIGKILL and restart (no offload)" in_a ping -c 2 -i 0.2 -W 2 $OVER_B
expect "bulk ping through it" in_b ping -c 20 -i 0.01 -s 1400 -W 2 $OVER_A
j=$(tunnel_json "$NS_B")
[ "$(echo "$j" | jq '.batches.gso_messages + .batches.gro_messages')" = 0 ] ||
    fail "--no-offload still used UDP GSO/GRO: $j"
echo PASS
