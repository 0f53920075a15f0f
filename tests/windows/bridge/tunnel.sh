#!/bin/bash
# SPDX-License-Identifier: MIT
# windows.bridge_tunnel: veiltun.exe under Wine carries real traffic. Namespace A holds the
# Windows side: a Wine server, `veiltun.exe tunnel` with the wintun.dll double in bridged mode
# and the bridged IP Helper stand-in, and bridge_helper owning the TUN device that backs the
# double's adapter. Namespace B holds the Linux `veiltun tunnel`. A veth pair joins them.
# Checks: IPv4 and IPv6 pings both ways, a full-MTU IPv4 ping with DF both ways, 20 MB of
# TCP each way with SHA-256 compared, then the crash rule: after kill -9 of the Wine process
# the device is gone within 2 s, and a new veiltun.exe on the same name carries a ping again.
# Everything is bounded in time and removed on exit (namespaces, processes, the Wine server).
# Args: wine-run.sh veiltun.exe wintun-double.dll iphlpapi-bridge.dll LINUX_BUILD WORKDIR
set -u
WINE_RUN=$1 TOOL_EXE=$2 DOUBLE_DLL=$3 IPHLP_DLL=$4 LINUX_BUILD=$5 WORK=$(realpath -m "$6")
TEST=bridge
LINUX_TOOL=$LINUX_BUILD/tools/veiltun/veiltun
HELPER=$LINUX_BUILD/tests/windows/bridge/bridge_helper
TCPSINK=$LINUX_BUILD/tests/tool/tcpsink
for f in "$LINUX_TOOL" "$HELPER" "$TCPSINK"; do
    [ -x "$f" ] || { echo "SKIP: $f missing: build the Linux tree in $LINUX_BUILD first" \
        "(or set VEILTUN_LINUX_BUILD)" >&2; exit 77; }
done
command -v jq >/dev/null || { echo "SKIP: no jq" >&2; exit 77; }
# shellcheck source=../../tool/lib.sh
. "$(dirname "$0")/../../tool/lib.sh" "$LINUX_TOOL" "$TCPSINK"

# The Windows side gets its own Wine prefix (System32 holds the IP Helper stand-in) and its own
# Wine server, started inside A: Wine creates sockets in the server, so its namespace is the
# one veiltun.exe's UDP socket and the double's loopback channel live in.
export WINEPREFIX=${VEILTUN_BRIDGE_PREFIX:-$WORK/wine-prefix}
export WINE_EXTRA_DLLOVERRIDES="iphlpapi=n"
BIN=/tmp/vt-$TEST-$$-bin
BRIDGE_PORT=51999
WIN_LOG=/tmp/vt-$TEST-$$-win.log
WIN_PID=
START=$(date +%s)

# The Windows program's own process (`wine` starts it from a launcher process).
windows_pid() {
    local p
    for p in $(ip netns pids "$NS_A" 2>/dev/null); do
        [ "$(cat /proc/"$p"/comm 2>/dev/null)" = veiltun.exe ] && echo "$p"
    done
}
bridge_cleanup() {
    local p
    for p in $(windows_pid) $WIN_PID; do kill -9 "$p" 2>/dev/null; done
    in_a "$WINE_RUN" --kill 2>/dev/null # this prefix's server, in A (never the shared one)
    cleanup
}
trap bridge_cleanup EXIT
elapsed() { echo $(($(date +%s) - START)); }
# On failure: what each side saw.
show_logs() {
    tail -n 20 "$WIN_LOG" /tmp/vt-$TEST-$$-helper.log /tmp/vt-$TEST-$$-b.log 2>/dev/null >&2
    ip -n "$NS_A" -s link show vt0 >&2 2>/dev/null
    ip netns exec "$NS_B" "$LINUX_TOOL" show vt0 --json 2>/dev/null | jq -c '.[0].tunnel' >&2
}
eval "lib_$(declare -f fail)"
fail() { show_logs; lib_fail "$@"; }
wfail() { fail "$@"; }

mkdir -p "$BIN" "$WORK" "$WINEPREFIX" # wineserver needs the prefix directory to exist
cp "$TOOL_EXE" "$(dirname "$TOOL_EXE")/libveiltun.dll" "$BIN/" || fail "copy veiltun.exe"
cp "$DOUBLE_DLL" "$BIN/wintun.dll" || fail "copy the double"
# Not wine-run.sh --boot, whose server stays until killed: this one ends 5 s after its last
# client, so even a test killed before its cleanup leaves no Wine server in A for long.
# A server of this prefix left from an earlier run (in another namespace) would create
# veiltun.exe's sockets there: stop it and wait for its end first.
wineserver -k 2>/dev/null
timeout 10 wineserver -w 2>/dev/null
in_a wineserver -p5 </dev/null >/dev/null 2>/tmp/vt-$TEST-$$-wineserver.log ||
    fail "Wine server in A: $(cat /tmp/vt-$TEST-$$-wineserver.log)"
WINEDLLOVERRIDES="mscoree,mshtml=" in_a "$WINE_RUN" cmd /c exit </dev/null >/dev/null 2>&1 ||
    fail "Wine prefix $WINEPREFIX"
SYS32=$WINEPREFIX/drive_c/windows/system32
[ -d "$SYS32" ] || fail "no System32 in $WINEPREFIX"
cp "$IPHLP_DLL" "$SYS32/iphlpapi.dll" || fail "install the IP Helper stand-in"
note "Wine prefix ready ($(elapsed) s)"

# Started with ip netns exec directly (not through in_a, a function: a background function is
# a subshell, and killing it would leave the helper running).
ip netns exec "$NS_A" "$HELPER" 127.0.0.1:$BRIDGE_PORT >/tmp/vt-$TEST-$$-helper.out \
    2>/tmp/vt-$TEST-$$-helper.log &
PIDS+=("$!")
for _ in $(seq 50); do grep -q listening /tmp/vt-$TEST-$$-helper.out && break; sleep 0.1; done
grep -q listening /tmp/vt-$TEST-$$-helper.out || wfail "bridge_helper did not start"

# A's device as the kernel sees it: its addresses, sorted, one line.
device_addrs() {
    ip -n "$NS_A" -j addr show dev vt0 2>/dev/null |
        jq -r '[.[0].addr_info[]? | select(.scope == "global") | .local] | sort | join(" ")'
}

# start_windows: veiltun.exe tunnel in A; ready when the Linux device has its addresses.
start_windows() {
    ip netns exec "$NS_A" env VEILTUN_DOUBLE_BRIDGE=127.0.0.1:$BRIDGE_PORT \
        "$WINE_RUN" "$BIN/veiltun.exe" \
        tunnel --dev vt0 --addr $OVER_A/24 --addr $OVER6_A/64 --listen :$PORT \
        --peer $UNDER_B:$PORT 2>>"$WIN_LOG" &
    WIN_PID=$!
    for _ in $(seq 300); do
        [ "$(device_addrs)" = "$OVER_A $OVER6_A" ] && return 0
        kill -0 "$WIN_PID" 2>/dev/null || wfail "veiltun.exe exited"
        sleep 0.1
    done
    wfail "veiltun.exe's device did not get $OVER_A and $OVER6_A within 30 s: '$(device_addrs)'"
}

start_windows
note "veiltun.exe up, vt0 in A has $(device_addrs) ($(elapsed) s)"
start_tunnel b
expect "ping A -> B" in_a ping -c 3 -i 0.2 -W 3 $OVER_B
expect "ping B -> A" in_b ping -c 3 -i 0.2 -W 3 $OVER_A
expect "ping6 A -> B" in_a ping -6 -c 3 -i 0.2 -W 3 $OVER6_B
expect "ping6 B -> A" in_b ping -6 -c 3 -i 0.2 -W 3 $OVER6_A
MTU_A=$(ip -n "$NS_A" -j link show vt0 | jq .[0].mtu)
# veiltun.exe asks IP Helper for 1472 (a 1500-byte IPv4 underlay): the Linux device has it.
want_eq "vt0 MTU in A" 1472 "$MTU_A"
expect "full-MTU ping A -> B with DF" in_a ping -c 2 -W 3 -M do -s $((MTU_A - 28)) $OVER_B
expect "full-MTU ping B -> A with DF" in_b ping -c 2 -W 3 -M do -s $((MTU_A - 28)) $OVER_A
note "pings both ways, IPv4 and IPv6, and full-MTU ($MTU_A) IPv4 with DF ($(elapsed) s)"

# tcp_to SINK_SIDE SINK_ADDR SENDER_SIDE BYTES PORT: SHA-256 of what arrived must match.
tcp_to() {
    local sink=/tmp/vt-$TEST-$$-sink src=/tmp/vt-$TEST-$$-src sinkpid t0
    ip netns exec "$1" timeout 90 "$HELPERS/tcpsink" "$2" "$5" >"$sink" 2>/dev/null &
    sinkpid=$!
    PIDS+=("$sinkpid")
    for _ in $(seq 50); do ip netns exec "$1" ss -ltn | grep -q ":$5 " && break; sleep 0.1; done
    head -c "$4" /dev/urandom >"$src"
    t0=$(date +%s%N)
    ip netns exec "$3" timeout 90 bash -c "cat '$src' > /dev/tcp/$2/$5" || wfail "TCP to $2 failed"
    timeout 30 tail --pid=$sinkpid -f /dev/null
    [ "$(sha256sum <"$src" | cut -d' ' -f1)" = "$(sha256sum <"$sink" | cut -d' ' -f1)" ] ||
        wfail "TCP to $2: SHA-256 differs ($(stat -c %s "$sink") of $4 bytes arrived)"
    note "TCP $4 bytes to $2 intact in $((($(date +%s%N) - t0) / 1000000)) ms"
    rm -f "$src" "$sink"
}
tcp_to "$NS_B" $OVER_B "$NS_A" 20000000 5201 # Windows -> Linux
tcp_to "$NS_A" $OVER_A "$NS_B" 20000000 5202 # Linux -> Windows

# The crash rule: a killed process leaves no adapter, and the name is free at once.
victim=$(windows_pid)
[ "$(echo "$victim" | wc -w)" = 1 ] || wfail "expected one veiltun.exe process in A, saw '$victim'"
kill -9 "$victim"
gone=
for i in $(seq 20); do
    ip -n "$NS_A" link show vt0 >/dev/null 2>&1 || { gone=$i; break; }
    sleep 0.1
done
[ -n "$gone" ] || wfail "vt0 still in A 2 s after kill -9 of veiltun.exe"
note "kill -9: vt0 gone within $((gone * 100)) ms"
for _ in $(seq 10); do grep -q removed /tmp/vt-$TEST-$$-helper.log && break; sleep 0.1; done
note "$(grep -m1 removed /tmp/vt-$TEST-$$-helper.log)"
start_windows
expect "ping A -> B after the restart" in_a ping -c 3 -i 0.2 -W 3 $OVER_B
note "restarted on the same name, ping OK ($(elapsed) s in all)"
echo "PASS"
