#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --queues 2: a multiqueue device with one worker (device queue + SO_REUSEPORT socket) per
# queue on each side; traffic intact, counters summed over the workers, clean exit.
TEST=queues
. "$(dirname "$0")/lib.sh"

start_tunnel a --queues 2
start_tunnel b --queues 2
info=$(in_a ip -d -j link show dev vt0 | jq -c '.[0].linkinfo.info_data')
[ "$(echo "$info" | jq '.multi_queue')" = true ] || fail "not multiqueue: $info"
[ "$(echo "$info" | jq '.numqueues')" = 2 ] || fail "queues: $info"
expect "ping A->B" in_a ping -c 3 -i 0.2 -W 2 $OVER_B
expect "ping B->A v6" in_b ping -6 -c 3 -i 0.2 -W 2 $OVER6_A

tcp_transfer 20000000
# Many flows, so that both queues carry some (the kernel picks a queue by flow hash).
in_a bash -c "for p in \$(seq 6000 6063); do echo x >/dev/udp/$OVER_B/\$p; done"
sleep 0.5
a=$(tunnel_json "$NS_A")
[ "$(echo "$a" | jq '.datagrams_out')" -gt 10000 ] || fail "counters not summed: $a"
# The library's counters too are summed over the queues: every packet read from the device
# (any queue) left as a datagram or was dropped by the socket.
read_total=$(echo "$a" | jq '.datagrams_out + .dropped.send')
want_eq "batches.device_packets (library, all queues)" "$read_total" \
    "$(echo "$a" | jq '.batches.device_packets')" "$a"
# packets_per_device_read has two decimals: device_reads * it is within 1% of the total.
echo "$a" | jq -e --argjson t "$read_total" '.batches.packets_per_device_read * .batches.device_reads
    | (. - $t) | fabs <= ($t / 100 + 1)' >/dev/null ||
    fail "packets_per_device_read counts one queue only: $a"
stop_tunnel a
in_a ip link show dev vt0 >/dev/null 2>&1 && fail "vt0 left behind by the workers"
grep -q "2 queues" /tmp/vt-$TEST-$$-a.log || fail "no queue count in the log"
echo PASS
