#!/usr/bin/env bash
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

sink=/tmp/vt-$TEST-$$-sink
in_b timeout 60 "$HELPERS/tcpsink" $OVER_B 5201 >"$sink" 2>/dev/null &
sinkpid=$!
PIDS+=("$sinkpid")
for _ in $(seq 50); do in_b ss -ltn | grep -q ":5201 " && break; sleep 0.1; done
src=/tmp/vt-$TEST-$$-src
head -c 20000000 /dev/urandom >"$src"
in_a timeout 60 bash -c "cat '$src' > /dev/tcp/$OVER_B/5201" || fail "TCP send failed"
timeout 30 tail --pid=$sinkpid -f /dev/null
[ "$(sha256sum <"$src" | cut -d' ' -f1)" = "$(sha256sum <"$sink" | cut -d' ' -f1)" ] ||
    fail "TCP transfer corrupted through the queues"
a=$(tunnel_json "$NS_A")
[ "$(echo "$a" | jq '.datagrams_out')" -gt 10000 ] || fail "counters not summed: $a"
stop_tunnel a
in_a ip link show dev vt0 >/dev/null 2>&1 && fail "vt0 left behind by the workers"
grep -q "2 queues" /tmp/vt-$TEST-$$-a.log || fail "no queue count in the log"
echo PASS
