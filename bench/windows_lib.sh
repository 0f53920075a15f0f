# SPDX-License-Identifier: MIT
# shellcheck shell=bash source-path=SCRIPTDIR
# Shared by the Windows studies (bench/windows_stress.sh, bench/windows_ring.sh): the bridged
# set-up of tests/windows/bridge/tunnel.sh (namespace A: a Wine server, veiltun.exe with the
# wintun.dll double in bridged mode and bridge_helper owning the TUN device behind it;
# namespace B: the Linux `veiltun tunnel`; a veth pair between them), plus what a study
# measures on it: iperf3 runs, ping percentiles, a counter snapshot on every hop before and
# after a run, the peak memory of the Wine process.
# Everything runs inside the two namespaces made here and is removed on exit, also on
# failure or Ctrl-C (tests/tool/lib.sh and tests/windows/bridge/lib.sh set the traps).
#
# Every figure is Wine on Linux with the wintun double: a measure of our reader, queue and
# tunnel design, not of the real driver. LABEL says so in every table and plot.
#
# Source it from the repository root after setting TEST (a short name) and OUT (results).
# Env: BUILD_WIN (default build/windows), BUILD_LINUX (default build/ci).
# shellcheck disable=SC2034 # used by the scripts that source this file
LABEL="Wine on Linux with the wintun double: a measure of our reader, queue and tunnel design, not of the real driver"
ROOT=$PWD
BUILD_WIN=$(realpath -m "${BUILD_WIN:-build/windows}")
LINUX_BUILD=$(realpath -m "${BUILD_LINUX:-build/ci}")
WINE_RUN=$ROOT/scripts/wine-run.sh
DOUBLE_DLL=$BUILD_WIN/tests/windows/wintun.dll
IPHLP_DLL=$BUILD_WIN/tests/windows/bridge/iphlpapi.dll
# The Wine prefix (about 700 MB) is kept between runs under the results directory.
WORK=$(realpath -m "$OUT/work")
for f in "$BUILD_WIN/bin/veiltun.exe" "$BUILD_WIN/bin/libveiltun.dll" "$DOUBLE_DLL" "$IPHLP_DLL"; do
    [ -f "$f" ] || {
        echo "$TEST: $f missing: build the Windows tree first (README.md, Windows)" >&2
        exit 1
    }
done
for t in iperf3 jq awk; do
    command -v $t >/dev/null || {
        echo "$TEST: $t missing (scripts/setup.sh --bench)" >&2
        exit 1
    }
done
[ "$(id -u)" -eq 0 ] || {
    echo "$TEST: run as root (network namespaces, TUN devices)" >&2
    exit 1
}
mkdir -p "$OUT/raw"

# shellcheck source=../tests/windows/bridge/linux.sh
. "$ROOT/tests/windows/bridge/linux.sh"
WIN_COMM=veiltun.exe
# shellcheck source=../tests/windows/bridge/lib.sh
. "$ROOT/tests/windows/bridge/lib.sh"
bridge_setup "$BUILD_WIN/bin/veiltun.exe" "$BUILD_WIN/bin/libveiltun.dll"
# shellcheck source=../tests/windows/bridge/counters.sh
. "$ROOT/tests/windows/bridge/counters.sh"
start_tunnel b

# install_build NAME DIR: veiltun.exe and libveiltun.dll of the Windows build in DIR, beside
# a copy of the double, in $BIN/NAME (the program loads wintun.dll from its own directory).
install_build() {
    mkdir -p "$BIN/$1"
    cp "$2/bin/veiltun.exe" "$2/bin/libveiltun.dll" "$BIN/$1/" || fail "copy the build in $2"
    cp "$DOUBLE_DLL" "$BIN/$1/wintun.dll" || fail "copy the double"
}
install_build default "$BUILD_WIN"

# start_windows NAME [ARGS...]: veiltun.exe of build NAME in A with the extra tunnel ARGS;
# ready when the Linux device behind the double has its addresses.
start_windows() {
    local name=$1
    shift
    start_windows_tunnel "$BIN/$name/veiltun.exe" "$@"
}

# stop_windows: kill -9 (the crash rule: the helper removes the device at once), bounded wait.
stop_windows() {
    local p
    for p in $(windows_pid) $WIN_PID; do kill -9 "$p" 2>/dev/null; done
    for _ in $(seq 100); do
        ip -n "$NS_A" link show vt0 >/dev/null 2>&1 || break
        sleep 0.1
    done
    ip -n "$NS_A" link show vt0 >/dev/null 2>&1 && fail "vt0 still in A 10 s after kill -9"
    timeout 10 tail --pid="$WIN_PID" -f /dev/null 2>/dev/null
    WIN_PID=
}

# Peak resident memory of veiltun.exe's Wine process so far, in KiB.
windows_hwm() {
    local p
    p=$(windows_pid | head -n 1)
    awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0
}

# Drops before the tunnels that counters.sh does not read: a device's transmit drops (its
# reader too slow) and its queueing discipline's.
extra_now() {
    local ns side
    for side in a b; do
        ns=$NS_A
        [ $side = b ] && ns=$NS_B
        ip -n "$ns" -j -s link show vt0 | jq -r --arg s $side \
            '.[0].stats64 | "\($s).vt0_tx_dropped \(.tx.dropped)\n\($s).vt0_rx_dropped \(.rx.dropped)"'
        echo "$side.qdisc_drops $(tc -n "$ns" -j -s qdisc show dev vt0 |
            jq '[.[].drops // 0] | add // 0')"
    done
}

# take FILE: every counter on the path, read while nothing moves (counters.sh), and ours.
take() {
    snapshot "$1"
    extra_now >>"$1"
}

# diff_counters BEFORE AFTER: "name change" for every counter in both; values that are not
# totals (the ring's current size) are taken from AFTER.
diff_counters() {
    awk 'NR == FNR {b[$1] = $2; next} $2 ~ /^[0-9]+$/ {
        print $1, ($1 ~ /ring_capacity$/ ? $2 : $2 - b[$1])}' "$1" "$2"
}

# iperf SERVER_NS CLIENT_NS DEST JSON ARGS...: one iperf3 run of DUR seconds (bounded), the
# server started for it alone. 0 when the client's JSON has no error.
iperf() {
    local sns=$1 cns=$2 dest=$3 json=$4 spid cpid rc
    shift 4
    ip netns exec "$sns" timeout $((DUR + 60)) iperf3 -s -1 -p 5201 -B "$dest" \
        >"$json.server" 2>&1 </dev/null &
    spid=$!
    PIDS+=("$spid")
    for _ in $(seq 50); do
        ip netns exec "$sns" ss -Hltn "sport = :5201" | grep -q . && break
        sleep 0.1
    done
    # In the background and waited for: iperf3 takes Ctrl-C as its own and exits normally, and
    # bash would then go on as if nothing had been asked; a signal ends `wait` at once.
    ip netns exec "$cns" timeout $((DUR + 40)) iperf3 -c "$dest" -p 5201 --connect-timeout 5000 \
        -t "$DUR" -J "$@" >"$json" 2>"$json.err" &
    cpid=$!
    PIDS+=("$cpid")
    wait "$cpid"
    rc=$?
    timeout 10 tail --pid="$spid" -f /dev/null 2>/dev/null || kill "$spid" 2>/dev/null
    [ $rc = 0 ] && ! jq -e '.error' "$json" >/dev/null 2>&1
}

# direction W2L|L2W: the namespaces and address of iperf3's server and client.
# w2l: from Windows (A's stack, through veiltun.exe) to Linux; l2w: the other way.
direction() {
    case $1 in
    w2l) echo "$NS_B $NS_A $OVER_B" ;;
    l2w) echo "$NS_A $NS_B $OVER_A" ;;
    *) fail "direction $1: w2l or l2w" ;;
    esac
}

# ping_stats FILE: "p50 p99 sent received" of a ping output (RTT in ms; - when none came).
ping_stats() {
    local sent
    sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$1")
    grep -o 'time=[0-9.]*' "$1" | cut -d= -f2 | sort -g | awk -v s="${sent:-0}" '
        {v[NR] = $1} END {
            if (NR == 0) {print "-", "-", s, 0; exit}
            i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999)
            printf "%.3f %.3f %d %d\n", v[i50], v[i99], s, NR
        }'
}
