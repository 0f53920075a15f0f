#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A tunnel listening on every address (--listen :PORT) of a host with several: its peer
# was told the second address, and accepts only datagrams from that one. The tunnel must
# answer from the address the peer's datagrams arrive at, not from whichever the kernel
# would pick (the first); IPv4 and IPv6 underlays.
TEST=multihome
. "$(dirname "$0")/lib.sh"

in_a ip addr add 198.18.7.9/24 dev "vt$$a"
in_a ip addr add fd00:198:7::9/64 dev "vt$$a" nodad
start_tunnel a
start_tunnel b --peer 198.18.7.9:$PORT
note "IPv4 underlay: B pings A, A answers from 198.18.7.9"
expect "ping B->A through a peer on A's second address" in_b ping -c 3 -i 0.2 -W 2 $OVER_A
want_eq "wrong_peer drops at B" 0 "$(tunnel_json "$NS_B" | jq '.dropped.wrong_peer')"
expect "ping A->B (A now knows its address)" in_a ping -c 2 -i 0.2 -W 2 $OVER_B
stop_tunnel a
stop_tunnel b

note "IPv6 underlay: the same with fd00:198:7::9"
UNDERLAY6=1 start_tunnel a
UNDERLAY6=1 start_tunnel b --peer "[fd00:198:7::9]:$PORT"
expect "ping B->A over IPv6 through A's second address" in_b ping -c 3 -i 0.2 -W 2 $OVER_A
want_eq "wrong_peer drops at B (IPv6)" 0 "$(tunnel_json "$NS_B" | jq '.dropped.wrong_peer')"
echo PASS
