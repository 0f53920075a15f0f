#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The examples at work, each in a network namespace of its own (ctest example.*, label priv).
#   check.sh minimal PATH/TO/veiltun_minimal   reads the packet of a ping routed into it
#   check.sh echo PATH/TO/veiltun-echo         answers IPv4 and IPv6 pings, stops cleanly on
#                                              SIGTERM and reports what it did
#   check.sh cpp_device PATH/TO/veiltun-cpp-device   its reader thread gets a ping's packets
# Skips (77) without CAP_NET_ADMIN or /dev/net/tun.
set -euo pipefail
what=$1
bin=$2
ns=veiltun-example-$what-$$
out=$(mktemp)
pid=
cleanup() {
    [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -f "$out"
}
trap cleanup EXIT
if [ ! -c /dev/net/tun ]; then
    echo "SKIP: no /dev/net/tun"
    exit 77
fi
if ! ip netns add "$ns" 2>/dev/null; then
    echo "SKIP: cannot create a network namespace (needs CAP_NET_ADMIN)"
    exit 77
fi
in_ns() { ip netns exec "$ns" "$@"; }
fail() {
    echo "FAIL: $*"
    echo "--- $what's output:"
    cat "$out"
    exit 1
}
# Start the example in the background. Not through in_ns (a function runs in a subshell):
# $! must be the example itself, for the signals below (ip netns exec execs the program).
start() {
    ip netns exec "$ns" "$@" >"$out" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        # Watched through the kernel: the example's stdout may sit in its buffer.
        in_ns ip link show dev veil0 2>/dev/null | grep -qE '[<,]UP[,>]' && return 0
        kill -0 "$pid" 2>/dev/null || fail "it did not start"
        sleep 0.1
    done
    fail "veil0 did not come up"
}
# Wait for the example to end by itself; its exit status must be 0.
finish() {
    local status=0
    wait "$pid" || status=$?
    pid=
    [ "$status" -eq 0 ] || fail "exit status $status, expected 0"
}

check_minimal() {
    # Without IPv6 the kernel sends nothing of its own: the packet read must be the ping.
    in_ns sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    start "$bin"
    in_ns ping -q -c 1 -W 1 10.9.0.2 >/dev/null || true # no one answers
    finish
    grep -q "^veil0 is up; try: ping 10.9.0.2$" "$out" || fail "no 'veil0 is up' line"
    grep -q "^read a 84-byte IPv4 packet$" "$out" || fail "no 'read a 84-byte IPv4 packet' line"
}

check_echo() {
    start "$bin" -t 50 'veil%d' 10.9.0.1/24 fd00:9::1/64 # -t bounds a run that goes wrong
    in_ns ping -q -c 3 -i 0.2 -W 2 10.9.0.2 || fail "IPv4 ping"
    in_ns ping -q -c 3 -i 0.2 -W 2 fd00:9::2 || fail "IPv6 ping"
    in_ns ping -q -c 1 -s 1400 -W 2 10.9.0.200 || fail "IPv4 ping, 1428-byte packet"
    in_ns ping -q -c 1 -s 1400 -W 2 fd00:9::beef || fail "IPv6 ping, 1448-byte packet"
    kill -TERM "$pid"
    finish
    grep -q "^veiltun-echo: veil0 is up" "$out" || fail "no 'veil0 is up' line"
    grep -q "answered: 4 IPv4, 4 IPv6 echo requests; ignored [0-9]*, bad 0, unsent 0" "$out" ||
        fail "the summary line"
    grep -q "tx 8 packets .* (0 dropped, 0 errors)" "$out" || fail "the stats line"
}

check_cpp_device() {
    in_ns sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    start "$bin" veil0 10.9.0.1/24 3
    in_ns ping -q -c 3 -i 0.2 -W 1 10.9.0.2 >/dev/null || true # no one answers
    finish
    grep -q "^veil0 is up$" "$out" || fail "no 'veil0 is up' line"
    grep -q "^read 3 IPv4 and 0 IPv6 packets$" "$out" || fail "no 'read 3 IPv4' line"
}

"check_$what"
cat "$out"
echo PASS
