#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Datagrams from a third address or another port, truncated and malformed datagrams and random
# bytes sent to the tunnel port are dropped, each counted once in `show --json`, none reaches
# the device, and the tunnel keeps working.
TEST=garbage
. "$(dirname "$0")/lib.sh"

start_tunnel a
start_tunnel b
expect "ping before" in_a ping -c 1 -W 2 $OVER_B

drops() { tunnel_json "$NS_A" | jq -c '.dropped'; }
device_rx() { in_a ip -j -s link show dev vt0 | jq '.[0].stats64.rx.packets'; }

note "valid packets from a third address and from the peer's address on another port"
in_b ip addr add 198.18.7.3/24 dev "vt$$b"
before=$(drops)
expect "udpsend third" in_b "$HELPERS/udpsend" 198.18.7.3 40000 $UNDER_A $PORT ping 20
expect "udpsend port" in_b "$HELPERS/udpsend" $UNDER_B 40000 $UNDER_A $PORT ping 7
sleep 0.3
after=$(drops)
want_eq "wrong_peer drops" $(($(echo "$before" | jq .wrong_peer) + 27)) \
    "$(echo "$after" | jq .wrong_peer)" "before $before, after $after"
want_eq "other drops (a wrong-peer datagram counted twice?)" \
    "$(echo "$before" | jq '.malformed + .truncated')" "$(echo "$after" | jq '.malformed + .truncated')"

note "from the peer's own address and port (B's tunnel stopped to free it): garbage"
stop_tunnel b
sleep 0.2 # what B sent last has been read
rx_before=$(device_rx)
in_before=$(tunnel_json "$NS_A" | jq .datagrams_in)
before=$(drops)
# KIND COUNT COUNTER: each kind is sent COUNT times and must be counted in COUNTER.
while read -r kind count counter; do
    b=$(drops)
    expect "udpsend $kind" in_b "$HELPERS/udpsend" $UNDER_B $PORT $UNDER_A $PORT "$kind" "$count"
    # Counted once the tunnel has read them (bounded: 2 s).
    for _ in $(seq 20); do
        [ "$(drops | jq ".$counter")" -ge $(($(echo "$b" | jq ".$counter") + count)) ] && break
        sleep 0.1
    done
    want_eq "$count '$kind' datagrams counted in dropped.$counter" \
        $(($(echo "$b" | jq ".$counter") + count)) "$(drops | jq ".$counter")" "$(drops)"
done <<'EOF'
random 15 malformed
empty 4 malformed
tiny 4 malformed
short 10 malformed
trailing 5 malformed
badsum 5 malformed
v6short 5 malformed
big 5 truncated
EOF
after=$(drops)
echo "dropped: $before -> $after"
want_eq "wrong_peer unchanged by the peer's garbage" "$(echo "$before" | jq .wrong_peer)" \
    "$(echo "$after" | jq .wrong_peer)"
want_eq "datagrams_in (none of the garbage accepted)" "$in_before" \
    "$(tunnel_json "$NS_A" | jq .datagrams_in)"
want_eq "packets written into A's device by the garbage (ip -s link)" "$rx_before" "$(device_rx)"
kill -0 "$PID_a" 2>/dev/null || fail "tunnel A died from the garbage: $(cat /tmp/vt-$TEST-$$-a.log)"

note "still working"
start_tunnel b
expect "ping A->B after the garbage" in_a ping -c 2 -i 0.2 -W 2 $OVER_B
expect "ping B->A v6 after the garbage" in_b ping -6 -c 2 -i 0.2 -W 2 $OVER6_A
echo PASS
