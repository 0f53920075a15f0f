#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two tool processes, one tunnel: pings both ways (IPv4, IPv6), packets of exactly the MTU
# with DF pass and one byte more is refused by the kernel, a TCP transfer arrives intact,
# and SIGTERM removes the device.
TEST=e2e
. "$(dirname "$0")/lib.sh"

# One side polls before sleeping (--busy-poll): everything below must work as without it.
start_tunnel a --busy-poll 500
# The Windows ring options are checked and ignored on Linux: the tunnel runs as without them.
start_tunnel b --ring-capacity 1M --ring-grow

note "pings both ways"
expect "ping A->B v4" in_a ping -c 2 -i 0.2 -W 2 $OVER_B
expect "ping B->A v4" in_b ping -c 2 -i 0.2 -W 2 $OVER_A
expect "ping A->B v6" in_a ping -6 -c 2 -i 0.2 -W 2 $OVER6_B
expect "ping B->A v6" in_b ping -6 -c 2 -i 0.2 -W 2 $OVER6_A

note "MTU: derived from the underlay (1500 - 20 - 8), exact size passes, one more is refused"
want_eq "device MTU (ip -j link)" 1472 "$(in_a ip -j link show dev vt0 | jq '.[0].mtu')"
want_eq "MTU in show --json" 1472 "$(tunnel_json "$NS_A" | jq '.mtu')"
want_eq "peer in show --json" '"198.18.7.2:51900"' "$(tunnel_json "$NS_A" | jq '.peer')"
expect "ping of exactly the MTU with DF" in_a ping -M do -c 1 -W 2 -s $((1472 - 28)) $OVER_B
out=$(in_a ping -M do -c 1 -W 2 -s $((1472 - 27)) $OVER_B 2>&1) && fail "MTU+1 passed: $out"
echo "$out" | grep -Eqi "message too long|frag needed|mtu" ||
    fail "MTU+1 was lost silently instead of refused: $out"
expect "IPv6 ping of exactly the MTU" in_a ping -6 -M do -c 1 -W 2 -s $((1472 - 48)) $OVER6_B
v6mtu=$(in_a ping -6 -M do -c 1 -W 2 -s $((1472 - 48 + 1)) $OVER6_B 2>&1) &&
    fail "IPv6 MTU+1 passed: $v6mtu"
echo "$v6mtu" | grep -Eqi "message too long|packet too big|mtu" || fail "IPv6 MTU+1: $v6mtu"

note "TCP transfer, 20 MB, SHA-256 at both ends"
tcp_transfer 20000000

note "counters seen through the control socket, as text and JSON"
text=$(in_a "$VEILTUN" show vt0)
echo "$text" | grep -q "^  tunnel vt0: peer 198.18.7.2:51900, mtu 1472" ||
    fail "show (text) lacks the tunnel's counters: $text"
a=$(tunnel_json "$NS_A")
[ "$(echo "$a" | jq '.datagrams_out')" -gt 10000 ] || fail "A sent too few datagrams: $a"
[ "$(echo "$a" | jq '.dropped.malformed + .dropped.wrong_peer')" = 0 ] || fail "drops: $a"
# Offload on (the default): super-packets from the device left as UDP GSO runs.
[ "$(echo "$a" | jq '.batches.gso_messages')" -gt 0 ] || fail "no UDP GSO sends: $a"
b=$(tunnel_json "$NS_B")
[ "$(echo "$b" | jq '.batches.gro_messages')" -gt 0 ] || fail "no UDP GRO receives: $b"
# Cut from GRO runs, B never writes more packets than A sent (the counters are read a moment
# apart, so a few may still be on the way).
[ "$(echo "$b" | jq '.datagrams_in')" -le "$(echo "$a" | jq '.datagrams_out')" ] ||
    fail "B counts more datagrams than A sent: $a / $b"
# The device's own offload: A cut the kernel's super-packets, B merged TCP segments again.
[ "$(echo "$a" | jq '.offload.gso_splits')" -gt 0 ] || fail "A cut no super-packets: $a"
[ "$(echo "$b" | jq '.offload.gro_merges')" -gt 0 ] || fail "B merged no writes: $b"
echo "$b" | jq -e '.offload.device | index("tso") and index("tcp-gro")' >/dev/null ||
    fail "B's offload list lacks tso/tcp-gro: $b"

note "--no-tso --no-gro: offload stays on, those features off"
stop_tunnel b
start_tunnel b --no-tso --no-gro
tcp_transfer 4000000
b=$(tunnel_json "$NS_B")
echo "$b" | jq -e '.offload.device | (index("tso") or index("tcp-gro") or index("udp-gro")) | not' \
    >/dev/null || fail "--no-tso --no-gro left them on: $b"
[ "$(echo "$b" | jq '.offload.gro_merges')" = 0 ] || fail "B merged with --no-gro: $b"
[ "$(echo "$b" | jq '.batches.gro_messages')" -gt 0 ] || fail "socket GRO went off too: $b"
in_b "$VEILTUN" show vt0 | grep -Eq "^ +offload: (uso|off); " ||
    fail "show (text) offload line: $(in_b "$VEILTUN" show vt0)"

note "SIGTERM: clean exit, device removed"
stop_tunnel a
in_a ip link show dev vt0 >/dev/null 2>&1 && fail "vt0 still exists after SIGTERM"
grep -q "datagrams" /tmp/vt-$TEST-$$-a.log || fail "no final stats on exit"

note "a persistent tunnel device survives SIGTERM"
start_tunnel a --persist
stop_tunnel a
in_a ip link show dev vt0 >/dev/null 2>&1 || fail "persistent vt0 was removed"
# Left behind, it belongs to whoever started the tunnel (root), not to every local user.
want_eq "persistent vt0 owner (sysfs)" 0 "$(in_a cat /sys/class/net/vt0/owner)"
expect "down removes it" in_a "$VEILTUN" down vt0
in_a ip link show dev vt0 >/dev/null 2>&1 && fail "vt0 still there after down"
echo PASS
