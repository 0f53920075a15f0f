#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The same tunnel over an IPv6 underlay: both inner families pass, the default MTU leaves room
# for the larger IPv6 header (1500 - 40 - 8), and the peer rule holds for IPv6 sources.
TEST=underlay6
UNDERLAY6=1
. "$(dirname "$0")/lib.sh"

start_tunnel a
start_tunnel b
want_eq "device MTU over an IPv6 underlay (ip -j link)" 1452 \
    "$(in_a ip -j link show dev vt0 | jq '.[0].mtu')"
expect "ping A->B v4 over v6" in_a ping -c 2 -i 0.2 -W 2 $OVER_B
expect "ping B->A v6 over v6" in_b ping -6 -c 2 -i 0.2 -W 2 $OVER6_A
expect "exact MTU with DF" in_a ping -M do -c 1 -W 2 -s $((1452 - 28)) $OVER_B
out=$(in_a ping -M do -c 1 -W 2 -s $((1452 - 27)) $OVER_B 2>&1) && fail "MTU+1 passed: $out"
echo "$out" | grep -Eqi "message too long|frag needed|mtu" ||
    fail "MTU+1 was lost silently instead of refused: $out"
j=$(tunnel_json "$NS_A")
want_eq "peer in show --json" '"[fd00:198:7::2]:51900"' "$(echo "$j" | jq '.peer')"

note "IPv6 sources other than the peer: a third address, the peer's address on another port"
# Deprecated (preferred_lft 0), so the kernel never picks it as the source of B's tunnel
# datagrams: a tunnel listening on any address sends from whatever source the kernel chooses,
# and ::3 would win over ::2 (longest match with ::1), making A drop all of B's traffic.
in_b ip addr add fd00:198:7::3/64 dev "vt$$b" nodad preferred_lft 0
w0=$(tunnel_json "$NS_A" | jq '.dropped.wrong_peer')
expect "udpsend third" in_b "$HELPERS/udpsend" fd00:198:7::3 40000 fd00:198:7::1 $PORT ping 10
expect "udpsend port" in_b "$HELPERS/udpsend" fd00:198:7::2 40000 fd00:198:7::1 $PORT ping 5
for _ in $(seq 20); do
    [ "$(tunnel_json "$NS_A" | jq '.dropped.wrong_peer')" -ge $((w0 + 15)) ] && break
    sleep 0.1
done
want_eq "dropped.wrong_peer" $((w0 + 15)) "$(tunnel_json "$NS_A" | jq '.dropped.wrong_peer')"
expect "ping still passes" in_a ping -c 1 -W 2 $OVER_B
echo PASS
