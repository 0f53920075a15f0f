# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared by the bridge tests (tunnel.sh, echo.sh): the Windows side in namespace A, that is
# its own Wine prefix and Wine server, the double and the bridged IP Helper stand-in, and
# bridge_helper owning the TUN device behind the double's adapter. Source it after
# tests/tool/lib.sh (namespaces, cleanup), with WINE_RUN, DOUBLE_DLL, IPHLP_DLL, HELPER, WORK,
# TEST and WIN_COMM (the Windows program's process name, e.g. veiltun.exe) set, and DEV if the
# Windows program's device (so the Linux one in A) is not called vt0.

# The Windows side gets its own Wine prefix (System32 holds the IP Helper stand-in) and its own
# Wine server, started inside A: Wine creates sockets in the server, so its namespace is the
# one the Windows program's sockets and the double's loopback channel live in.
export WINEPREFIX=${VEILTUN_BRIDGE_PREFIX:-$WORK/wine-prefix}
export WINE_EXTRA_DLLOVERRIDES="iphlpapi=n"
BIN=/tmp/vt-$TEST-$$-bin
BRIDGE_PORT=51999
WIN_LOG=/tmp/vt-$TEST-$$-win.log
HELPER_LOG=/tmp/vt-$TEST-$$-helper.log
WIN_PID=
START=$(date +%s)
: "${DEV:=vt0}"

# The Windows program's own process (`wine` starts it from a launcher process).
windows_pid() {
    local p
    for p in $(ip netns pids "$NS_A" 2>/dev/null); do
        [ "$(cat /proc/"$p"/comm 2>/dev/null)" = "$WIN_COMM" ] && echo "$p"
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
    tail -n 20 "$WIN_LOG" /tmp/vt-$TEST-$$-win.out "$HELPER_LOG" /tmp/vt-$TEST-$$-b.log \
        >&2 2>/dev/null
    ip -n "$NS_A" -s link show "$DEV" >&2 2>/dev/null
    ip netns exec "$NS_B" "$VEILTUN" show vt0 --json 2>/dev/null | jq -c '.[0].tunnel' >&2
    # counters.sh's snapshots, side by side
    local snaps
    snaps=$(ls /tmp/vt-$TEST-$$-snap.[0-9] 2>/dev/null)
    [ -n "$snaps" ] && echo "snapshots: $snaps" >&2 && { paste $snaps | tr '\n' ';'; echo; } >&2
}
eval "lib_$(declare -f fail)"
fail() { show_logs; lib_fail "$@"; }

# bridge_setup FILE...: copies the Windows program's files and the double into one directory
# ($BIN), makes the prefix and its server in A, installs the stand-in, starts the helper.
bridge_setup() {
    mkdir -p "$BIN" "$WORK" "$WINEPREFIX" # wineserver needs the prefix directory to exist
    cp "$@" "$BIN/" || fail "copy the Windows program"
    cp "$DOUBLE_DLL" "$BIN/wintun.dll" || fail "copy the double"
    # Not wine-run.sh --boot, whose server stays until killed: this one ends 5 s after its last
    # client, so even a test killed before its cleanup leaves no Wine server in A for long.
    # A server of this prefix left from an earlier run (in another namespace) would create
    # the program's sockets there: stop it and wait for its end first.
    wineserver -k 2>/dev/null
    timeout 10 wineserver -w 2>/dev/null
    in_a wineserver -p5 </dev/null >/dev/null 2>/tmp/vt-$TEST-$$-wineserver.log ||
        fail "Wine server in A: $(cat /tmp/vt-$TEST-$$-wineserver.log)"
    WINEDLLOVERRIDES="mscoree,mshtml=" in_a "$WINE_RUN" cmd /c exit </dev/null >/dev/null 2>&1 ||
        fail "Wine prefix $WINEPREFIX"
    local sys32=$WINEPREFIX/drive_c/windows/system32
    [ -d "$sys32" ] || fail "no System32 in $WINEPREFIX"
    cp "$IPHLP_DLL" "$sys32/iphlpapi.dll" || fail "install the IP Helper stand-in"
    note "Wine prefix ready ($(elapsed) s)"

    # Started with ip netns exec directly (not through in_a, a function: a background function
    # is a subshell, and killing it would leave the helper running).
    ip netns exec "$NS_A" "$HELPER" 127.0.0.1:$BRIDGE_PORT >/tmp/vt-$TEST-$$-helper.out \
        2>"$HELPER_LOG" &
    HELPER_PID=$!
    PIDS+=("$HELPER_PID")
    for _ in $(seq 50); do grep -q listening /tmp/vt-$TEST-$$-helper.out && break; sleep 0.1; done
    grep -q listening /tmp/vt-$TEST-$$-helper.out || fail "bridge_helper did not start"
}

# A's device as the kernel sees it: its addresses, sorted, one line.
device_addrs() {
    ip -n "$NS_A" -j addr show dev "$DEV" 2>/dev/null |
        jq -r '[.[0].addr_info[]? | select(.scope == "global") | .local] | sort | join(" ")'
}

# wait_device_gone WHAT...: $DEV must leave A within 2 s (the crash rule); says how fast.
wait_device_gone() {
    local i
    set -- "$*"
    for i in $(seq 20); do
        ip -n "$NS_A" link show "$DEV" >/dev/null 2>&1 || {
            note "$1: $DEV gone within $((i * 100)) ms"
            return 0
        }
        sleep 0.1
    done
    fail "$DEV still in A 2 s after $1"
}

# helper_counts: the helper's line for the last device it removed (packets to and from the
# double, lost on the channel).
helper_counts() {
    for _ in $(seq 10); do grep -q removed "$HELPER_LOG" && break; sleep 0.1; done
    grep removed "$HELPER_LOG" | tail -n 1
}

# start_windows_tunnel EXE [ARGS...]: `EXE tunnel` (a veiltun.exe) in A with the extra tunnel
# ARGS, to the Linux tunnel in B; ready when the Linux device behind the double has A's
# addresses (bounded: 30 s). Sets WIN_PID.
start_windows_tunnel() {
    local exe=$1
    shift
    # After a kill -9, Wine's server may hold the killed process's UDP socket a moment longer
    # than its TCP connection to the helper (whose end removed the device): wait (bounded)
    # until the port is free, so that a failed bind is not taken for a failed restart.
    for _ in $(seq 50); do
        in_a ss -Huln "sport = :$PORT" | grep -q . || break
        sleep 0.1
    done
    ip netns exec "$NS_A" env VEILTUN_DOUBLE_BRIDGE=127.0.0.1:$BRIDGE_PORT "$WINE_RUN" "$exe" \
        tunnel --dev vt0 --addr "$OVER_A/24" --addr "$OVER6_A/64" --listen ":$PORT" \
        --peer "$UNDER_B:$PORT" --stats-interval 1 "$@" 2>>"$WIN_LOG" &
    WIN_PID=$!
    disown "$WIN_PID" # no "Killed" notice from bash when it is killed on purpose
    for _ in $(seq 300); do
        [ "$(device_addrs)" = "$OVER_A $OVER6_A" ] && return 0
        kill -0 "$WIN_PID" 2>/dev/null || fail "veiltun.exe $* exited: $(tail -n 3 "$WIN_LOG")"
        sleep 0.1
    done
    fail "veiltun.exe's device did not get $OVER_A and $OVER6_A within 30 s: '$(device_addrs)'"
}
