#!/usr/bin/env bash
# The same tunnel over an IPv6 underlay: both inner families pass, and the default MTU
# leaves room for the larger IPv6 header (1500 - 40 - 8).
TEST=underlay6
UNDERLAY6=1
. "$(dirname "$0")/lib.sh"

start_tunnel a
start_tunnel b
mtu=$(in_a ip -j link show dev vt0 | jq '.[0].mtu')
[ "$mtu" = 1452 ] || fail "tunnel MTU over IPv6 is $mtu, want 1452"
expect "ping A->B v4 over v6" in_a ping -c 2 -i 0.2 -W 2 $OVER_B
expect "ping B->A v6 over v6" in_b ping -6 -c 2 -i 0.2 -W 2 $OVER6_A
expect "exact MTU with DF" in_a ping -M do -c 1 -W 2 -s $((1452 - 28)) $OVER_B
in_a ping -M do -c 1 -W 2 -s $((1452 - 27)) $OVER_B >/dev/null 2>&1 && fail "MTU+1 passed"
j=$(tunnel_json "$NS_A")
echo "$j" | jq -e '.peer | startswith("[fd00:198:7::2]")' >/dev/null || fail "peer: $j"
echo PASS
