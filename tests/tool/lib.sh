# SPDX-License-Identifier: MIT
# Shared by the tool's end-to-end tests: two namespaces (A, B) joined by a veth pair, a
# `veiltun tunnel` in each, and cleanup on every way out. Source it after setting TEST.
#   VEILTUN   the tool          HELPERS  directory of tcpsink/udpsend
set -u
VEILTUN=$1
HELPERS=$(dirname "$2")
NS_A="vt-$TEST-$$-a"
NS_B="vt-$TEST-$$-b"
UNDER_A=198.18.7.1
UNDER_B=198.18.7.2
OVER_A=10.207.0.1
OVER_B=10.207.0.2
OVER6_A=fd00:207::1
OVER6_B=fd00:207::2
PORT=51900
PIDS=()

skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null; done
    # A tunnel that dropped root cannot remove its control socket (/run/veiltun/NAME.NETNS.sock,
    # NETNS its namespace's inode): these namespaces' ones go here.
    local ns ino
    for ns in "$NS_A" "$NS_B"; do
        ino=$(stat -L -c %i /run/netns/"$ns" 2>/dev/null) && rm -f /run/veiltun/*."$ino".sock
    done
    ip netns del "$NS_A" 2>/dev/null
    ip netns del "$NS_B" 2>/dev/null
    ip link del "vt$$a" 2>/dev/null # only if interrupted before it moved into NS_A
    # In sanitizer builds a tunnel reports into its log and goes on: such a report fails
    # the test even when everything else passed.
    local reports
    reports=$(grep -lE "(Thread|Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" \
        /tmp/vt-"$TEST"-$$-*.log 2>/dev/null)
    if [ -n "$reports" ]; then
        echo "FAIL: sanitizer report in a tunnel's log:" >&2
        grep -hE -A12 "Sanitizer|runtime error:" $reports | head -n 40 >&2
        rm -rf /tmp/vt-"$TEST"-$$-*
        exit 1
    fi
    rm -rf /tmp/vt-"$TEST"-$$-*
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" -eq 0 ] || skip "needs root (CAP_NET_ADMIN, network namespaces)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
ip netns add "$NS_A" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$NS_B" || fail "ip netns add"
ip link add "vt$$a" type veth peer name "vt$$b" || fail "veth"
ip link set "vt$$a" netns "$NS_A" && ip link set "vt$$b" netns "$NS_B" || fail "veth netns"
ip -n "$NS_A" addr add $UNDER_A/24 dev "vt$$a" && ip -n "$NS_B" addr add $UNDER_B/24 dev "vt$$b"
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" addr add fd00:198:7::1/64 dev "vt$$a" nodad
ip -n "$NS_B" addr add fd00:198:7::2/64 dev "vt$$b" nodad
ip -n "$NS_A" link set "vt$$a" up && ip -n "$NS_B" link set "vt$$b" up || fail "veth up"

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# start_tunnel SIDE [extra args...]: runs the tunnel for side a or b in the background.
start_tunnel() {
    local side=$1; shift
    local ns over over6 peer
    if [ "$side" = a ]; then ns=$NS_A over=$OVER_A over6=$OVER6_A peer=$UNDER_B
    else ns=$NS_B over=$OVER_B over6=$OVER6_B peer=$UNDER_A; fi
    # An IPv6 underlay when the test asks for one (UNDERLAY6=1).
    [ -n "${UNDERLAY6:-}" ] && peer="[fd00:198:7::$([ "$side" = a ] && echo 2 || echo 1)]"
    ip netns exec "$ns" "$VEILTUN" tunnel --dev vt0 --addr $over/24 --addr $over6/64 \
        --listen :$PORT --peer $peer:$PORT "$@" 2>>/tmp/vt-"$TEST"-$$-$side.log &
    local pid=$!
    PIDS+=("$pid")
    eval "PID_$side=$pid"
    # Ready when the tunnel answers on its control socket (bounded: 5 s).
    for _ in $(seq 50); do
        ip netns exec "$ns" "$VEILTUN" show vt0 --json 2>/dev/null |
            jq -e '.[0].tunnel.status == "ok"' >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || fail "tunnel $side exited: $(cat /tmp/vt-"$TEST"-$$-$side.log)"
        sleep 0.1
    done
    fail "tunnel $side did not come up"
}

# stop_tunnel SIDE: SIGTERM and wait (bounded).
stop_tunnel() {
    local pid
    eval "pid=\$PID_$1"
    kill -TERM "$pid" 2>/dev/null
    timeout 5 tail --pid="$pid" -f /dev/null || fail "tunnel $1 ignored SIGTERM"
}

tunnel_json() { ip netns exec "$1" "$VEILTUN" show vt0 --json | jq -c '.[0].tunnel'; }

expect() { # expect DESCRIPTION COMMAND...: the command must succeed (its output shown if not)
    local what=$1 out; shift
    out=$("$@" 2>&1) || fail "$what: '$*' failed, expected success:$(printf '\n%s' "$out" | tail -n 5)"
}

# tcp_transfer BYTES: TCP from A to B's overlay address through the tunnel; fails unless the
# SHA-256 of what arrived equals what was sent.
tcp_transfer() {
    local sink=/tmp/vt-$TEST-$$-sink src=/tmp/vt-$TEST-$$-src sinkpid sent got
    in_b timeout 60 "$HELPERS/tcpsink" $OVER_B 5201 >"$sink" 2>/dev/null &
    sinkpid=$!
    PIDS+=("$sinkpid")
    for _ in $(seq 50); do in_b ss -ltn | grep -q ":5201 " && break; sleep 0.1; done
    head -c "$1" /dev/urandom >"$src"
    in_a timeout 60 bash -c "cat '$src' > /dev/tcp/$OVER_B/5201" || fail "TCP send failed"
    timeout 30 tail --pid=$sinkpid -f /dev/null
    sent=$(sha256sum <"$src" | cut -d' ' -f1)
    got=$(sha256sum <"$sink" | cut -d' ' -f1)
    [ "$sent" = "$got" ] || fail "TCP transfer corrupted: sent $sent, received $got"
}

# want_eq / want_ge WHAT EXPECTED SEEN [CONTEXT]: numeric checks that say what was expected.
want_eq() { [ "$3" = "$2" ] || fail "$1: expected $2, saw $3${4:+ ($4)}"; }
want_ge() { [ "$3" -ge "$2" ] 2>/dev/null || fail "$1: expected at least $2, saw $3${4:+ ($4)}"; }
