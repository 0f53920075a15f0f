#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Faults from outside while the tool runs: no CAP_NET_ADMIN; the name taken by another
# device; the peer stopped under a flood (its socket buffer full); our own socket's send
# buffer full behind a slow qdisc (EAGAIN: back-pressure); the underlay deleted and made
# again under running tunnels; SIGKILL and restart on the same name, five times; a garbage
# flood at full speed during a TCP transfer; the namespace deleted under a tunnel. Each
# ends with a clear message or exit status, the tunnels neither die nor spin, nothing is
# left behind, memory stays flat.
TEST=faults
. "$(dirname "$0")/lib.sh"

# CPU ticks (user + system) a process used over 2 s; a spinning loop uses about 200.
ticks_in_2s() {
    local a b
    a=$(awk '{print $14 + $15}' /proc/"$1"/stat)
    sleep 2
    b=$(awk '{print $14 + $15}' /proc/"$1"/stat)
    echo $((b - a))
}
rss_kb() { awk '/^VmRSS:/ {print $2}' /proc/"$1"/status; }

note "no CAP_NET_ADMIN: exit 1, a message naming it, nothing created"
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
out=$(in_a setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$VEILTUN" up vtnp0 2>&1)
rc=$?
want_eq "exit status of 'up' without CAP_NET_ADMIN" 1 "$rc" "$out"
echo "$out" | grep -q "CAP_NET_ADMIN" || fail "message does not name CAP_NET_ADMIN: $out"
in_a ip link show dev vtnp0 >/dev/null 2>&1 && fail "vtnp0 created without the capability"

note "the name belongs to a veth: exit 1, the veth untouched"
in_a ip link add vttaken type veth peer name vttaken-p
in_a ip link set vttaken mtu 1400
out=$(in_a "$VEILTUN" up vttaken --mtu 1300 2>&1)
rc=$?
want_eq "exit status of 'up' on a veth's name" 1 "$rc" "$out"
echo "$out" | grep -qi "not a .*tun\|not a compatible" || fail "unclear message: $out"
want_eq "the veth's MTU" 1400 "$(in_a ip -j link show dev vttaken | jq '.[0].mtu')"
out=$(in_a timeout 10 "$VEILTUN" tunnel --dev vttaken --addr 10.9.9.1/24 --listen :4000 \
    --peer $UNDER_B:4000 2>&1)
want_eq "exit status of 'tunnel' on a veth's name" 1 "$?" "$out"
in_a ip link del vttaken

start_tunnel a
start_tunnel b
expect "ping before the faults" in_a ping -c 1 -W 2 $OVER_B

note "the peer stopped (SIGSTOP) under a flood: A neither dies nor spins; traffic resumes"
kill -STOP "$PID_b"
in_a timeout 4 ping -f -c 5000 -s 1400 -W 1 $OVER_B >/dev/null 2>&1
kill -0 "$PID_a" || fail "tunnel A died while its peer was stopped"
t=$(ticks_in_2s "$PID_a")
[ "$t" -lt 40 ] || fail "tunnel A spins with its peer stopped: $t ticks in 2 s"
kill -CONT "$PID_b"
expect "ping after the peer resumed" in_a ping -c 2 -i 0.2 -W 2 $OVER_B

note "the socket's send buffer full (a 5 Mbit/s qdisc under a flood): back-pressure, no spin"
in_a tc qdisc add dev "vt$$a" root tbf rate 5mbit burst 10kb limit 8000000 ||
    fail "tc qdisc (tbf) not available"
# UDP into the device as fast as a writer can go, in 1400-byte writes, bounded by bytes and
# time; to an address behind B that does not exist, which B drops without a word (an ICMP
# "port unreachable" would end the writer).
in_a timeout 6 bash -c "head -c 60000000 /dev/zero | dd bs=1400 status=none > /dev/udp/10.207.0.99/9" &
flood=$!
sleep 1
t=$(ticks_in_2s "$PID_a")
[ "$t" -lt 60 ] || fail "tunnel A spins while its socket is full: $t ticks in 2 s"
wait "$flood"
in_a tc qdisc del dev "vt$$a" root
kill -0 "$PID_a" || fail "tunnel A died while its socket was full"
expect "ping after the socket drained" in_a ping -c 2 -i 0.2 -W 2 $OVER_B
a=$(tunnel_json "$NS_A")
[ "$(echo "$a" | jq '.batches.socket_full')" -gt 0 ] || fail "the socket never filled: $a"
echo "with the socket full: $(echo "$a" | jq -c '{datagrams_out, socket_full: .batches.socket_full, dropped}')"

note "the underlay deleted under the tunnels, then made again"
in_a ip link del "vt$$a"
in_a ping -c 1 -W 1 $OVER_B >/dev/null 2>&1 && fail "ping passed without an underlay"
for p in "$PID_a" "$PID_b"; do
    kill -0 "$p" || fail "a tunnel exited when its underlay went"
    t=$(ticks_in_2s "$p")
    [ "$t" -lt 40 ] || fail "a tunnel spins without its underlay: $t ticks in 2 s"
done
ip link add "vt$$a" type veth peer name "vt$$b"
ip link set "vt$$a" netns "$NS_A" && ip link set "vt$$b" netns "$NS_B"
in_a ip addr add $UNDER_A/24 dev "vt$$a" && in_b ip addr add $UNDER_B/24 dev "vt$$b"
in_a ip link set "vt$$a" up && in_b ip link set "vt$$b" up
expect "ping once the underlay is back (tunnels not restarted)" in_a ping -c 3 -i 0.3 -W 2 $OVER_B
a=$(tunnel_json "$NS_A")
[ "$(echo "$a" | jq '.dropped.send')" -gt 0 ] ||
    fail "the failed sends without an underlay were not counted: $a"

note "SIGKILL and restart on the same name, five times"
for i in 1 2 3 4 5; do
    kill -KILL "$PID_b"
    timeout 5 tail --pid="$PID_b" -f /dev/null
    start_tunnel b
    b=$(tunnel_json "$NS_B")
    [ "$(echo "$b" | jq '.datagrams_out')" -le 3 ] || fail "restart $i: counters not fresh: $b"
    expect "ping after restart $i" in_a ping -c 1 -W 2 $OVER_B
done
want_eq "tunnel devices in B after five restarts" 1 "$(in_b ip -j link show type tun | jq length)"

note "a garbage flood from a third address at full speed during an 8 MB TCP transfer"
in_b ip addr add 198.18.7.3/24 dev "vt$$b"
rss_before=$(rss_kb "$PID_a")
drops_before=$(tunnel_json "$NS_A" | jq '.dropped.wrong_peer')
in_b timeout 30 "$HELPERS/udpsend" 198.18.7.3 40000 $UNDER_A $PORT random 100000 &
flood=$!
tcp_transfer 8000000
wait "$flood" || fail "the flood sender failed"
drops=$(($(tunnel_json "$NS_A" | jq '.dropped.wrong_peer') - drops_before))
[ "$drops" -gt 1000 ] || fail "the flood did not reach the tunnel (wrong_peer +$drops)"
rss_after=$(rss_kb "$PID_a")
[ "$rss_after" -le $((rss_before + 1024)) ] ||
    fail "tunnel A's memory grew under the flood: $rss_before -> $rss_after kB"
echo "flood: $drops datagrams dropped as wrong peer; RSS $rss_before -> $rss_after kB"

note "A's namespace deleted (ip netns del) under its tunnel"
# The name goes; the namespace lives on while the tunnel is in it. The tunnel neither dies
# nor spins, and SIGTERM still ends it cleanly; then the namespace, its device and the veth
# go with it.
ip netns del "$NS_A"
kill -0 "$PID_a" || fail "tunnel A died when its namespace's name was deleted"
t=$(ticks_in_2s "$PID_a")
[ "$t" -lt 40 ] || fail "tunnel A spins in a deleted namespace: $t ticks in 2 s"
stop_tunnel a
grep -q "datagrams" /tmp/vt-$TEST-$$-a.log || fail "tunnel A did not stop cleanly: $(tail -3 /tmp/vt-$TEST-$$-a.log)"
for _ in $(seq 50); do in_b ip link show dev "vt$$b" >/dev/null 2>&1 || break; sleep 0.1; done
in_b ip link show dev "vt$$b" >/dev/null 2>&1 && fail "the veth outlived A's namespace"
echo PASS
