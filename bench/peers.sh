#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# peers.sh - performance anchors for IP-in-UDP / TUN point-to-point tunnels.
#
# veiltun's copy of the measuring harness its developers share (bench/compare.sh runs it and
# turns its results into the table and plot of docs/benchmarks.md). Changes against that
# harness: a built-in "veiltun" variant (the tool at $VEILTUN, default build/bench's), and
# the tunnel processes' peak RSS (VmHWM) as a column of results.tsv.
#
# Two network namespaces (pfA<pid>, pfB<pid>) joined by a veth pair form the
# "underlay" (10.201.0.1/24 <-> 10.201.0.2/24, MTU 1500). One tunnel variant at
# a time is brought up between them (the "overlay", 10.202.0.1 <-> 10.202.0.2,
# tunnel MTU $TMTU) and measured from namespace A to namespace B:
#   - iperf3 TCP, 1 stream, RUNS x DUR s (after OMIT s), median Gbit/s
#   - iperf3 TCP, 4 streams (-P 4), RUNS x DUR s, median Gbit/s
#   - ping RTT, PINGS pings at PING_I s interval: avg / max / mdev (ms)
#   - iperf3 UDP at a fixed offered load UDP_RATE, UDP_LEN byte datagrams: loss %
#   - CPU of the tunnel processes (both ends, % of one core; 2 cores = 200 %)
#     during the 1-stream runs, and CPU-seconds per GB carried
#   - underlay UDP datagrams/s seen in namespace A (= tunnel packets/s, both
#     directions) and UDP receive-buffer drops
# One Markdown row per variant is printed, with the ratio of its TCP
# throughput to the "direct" (plain veth) figure measured in the same run.
#
# usage:  peers.sh [-l] [variant ...]        (-l lists variants; default: all)
# env:    RUNS=3 RUNS4=$RUNS DUR=4 OMIT=1 PINGS=200 PING_I=0.01
#         UDP_RATE=500M UDP_LEN=1300 UDP_WIN=2M (iperf3 -w for the UDP test only)
#         UDP_RATE2=1G  second, higher UDP load: delivered Gbit/s and loss show the
#                       tunnel's packet-rate limit (UDP_RATE2= to skip)
#         TMTU=1420 WAIT_UP=25
#         PROFILE=1   also: perf stat syscall counts per packet, strace -c,
#                     perf record (cpu-clock) for each userspace variant
#         OUTDIR=${TMPDIR:-/tmp}/veiltun-peers  (a run directory run.<date>.<pid> is made there)
#         HOOK='shell cmd'  run (bounded by HOOK_TIMEOUT=120 s) once each variant is up,
#                     with NSA NSB DST DEVA DEVB VPIDS VPIDS_A RUN V exported; MEASURE=0
#                     skips the measurements (e.g. to strace a tool by hand)
#
# Adding a variant (our future tool) takes one line, either
#   TEMPLATES=$'mytun=/path/mytun -i {DEV} -l {LOCAL}:{LPORT} -r {REMOTE}:{RPORT}' \
#       ./peers.sh direct mytun
# (one "name=command template" per line; the command runs once in each
# namespace; placeholders: {SIDE} A|B, {NS}, {DEV}, {LOCAL}, {REMOTE},
# {LPORT}, {RPORT}, {ADDR}, {PEER}, {PREFIX}, {MTU}, {DIR}; if the tool does
# not configure {DEV} itself the harness assigns {ADDR}/{PREFIX}, MTU and up;
# set TEMPLATE_NOCONF=1 to skip that), or by defining in this file
#   variant_NAME_start() { DEVA=xxA$ID; DEVB=xxB$ID; tun_pair NAME "cmd A" "cmd B"; }
# (and optionally variant_NAME_stop; the default stop kills the variant's
# processes). A start function returns non-zero and sets NOTE to skip.
#
# Safety: traffic only inside the two namespaces made here; every iperf3/ping
# call is bounded by -t/-c and by timeout(1); the EXIT trap kills only the
# processes this script started (by PID, checked against the recorded start
# time, with their descendants) and deletes the two namespaces.

set -u -o pipefail
export LC_ALL=C

RUNS=${RUNS:-3}; RUNS4=${RUNS4:-$RUNS}; DUR=${DUR:-4}; OMIT=${OMIT:-1}
PINGS=${PINGS:-200}; PING_I=${PING_I:-0.01}
UDP_RATE=${UDP_RATE:-500M}; UDP_RATE2=${UDP_RATE2-1G}; UDP_LEN=${UDP_LEN:-1300}; UDP_WIN=${UDP_WIN:-2M}
TMTU=${TMTU:-1420}; WAIT_UP=${WAIT_UP:-25}; PROFILE=${PROFILE:-0}
OUTDIR=${OUTDIR:-${TMPDIR:-/tmp}/veiltun-peers}
TEMPLATES=${TEMPLATES:-}
TEMPLATE_NOCONF=${TEMPLATE_NOCONF:-0}

ID=$$
NSA=pfA$ID; NSB=pfB$ID; VA=pfva$ID; VB=pfvb$ID
UA=10.201.0.1; UB=10.201.0.2; OA=10.202.0.1; OB=10.202.0.2; PFX=24
RUN=$OUTDIR/run.$(date +%Y%m%d-%H%M%S).$ID
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)

ALL_VARIANTS="direct direct_nooff kipip kgre kfou kvxlan kwg socat openvpn openvpn_fastio tinc quicktun vtun fastd wggo veiltun"
VEILTUN=${VEILTUN:-$(cd "$(dirname "$0")/.." && pwd)/build/bench/tools/veiltun/veiltun}

ALLPIDS=()      # every process started by this script
VPIDS=()        # processes of the current variant
VPIDS_A=()      # ... in namespace A
IPERF_PID=""
DST=$OB
NOTE=""

exec 7>&2   # the original stderr: a signal may arrive inside a redirected call
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&7; }

# ---------------------------------------------------------------- processes
descendants() { # pids... -> those pids (if alive) and all their descendants
    # (CONFIG_PROC_CHILDREN may be off, so walk the ppid map from ps)
    [ $# -eq 0 ] && return 0
    ps -e -o pid=,ppid= | awk -v roots="$*" '
        BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
        { pp[$1] = $2 }
        END { do { ch = 0; for (p in pp) if (!(p in keep) && (pp[p] in keep)) { keep[p] = 1; ch = 1 } } while (ch)
              for (p in keep) if (p in pp) print p }'
}
# Every process started here is recorded with its start time (field 22 of
# /proc/PID/stat), and only a PID whose start time still matches is ever
# signalled (pid_max may be small, PIDs get reused).
declare -A PSTART=()
track() { # pid
    local s f; s=$(cat /proc/$1/stat 2>/dev/null) || return 0
    read -r -a f <<<"${s##*) }"; PSTART[$1]=${f[19]}; ALLPIDS+=("$1")
}
verified() { # pids... -> those still alive with the recorded start time
    local p s f
    for p in "$@"; do
        [ -n "${PSTART[$p]:-}" ] || continue
        s=$(cat /proc/$p/stat 2>/dev/null) || continue
        read -r -a f <<<"${s##*) }"; [ "${f[19]}" = "${PSTART[$p]}" ] && echo "$p"
    done
}
fg_run() { # run a bounded command in the background and wait for it (so that a
           # signal interrupts the wait and the EXIT trap can kill it at once)
    "$@" & local p=$!
    track $p; wait $p; local rc=$?
    unset "PSTART[$p]"; return $rc
}
kill_tree() { # pids... (verified ones only): TERM to them and descendants, wait up to 3 s, KILL
    local all=() p i roots
    roots=$(verified "$@"); [ -z "$roots" ] && return 0
    all=($(descendants $roots))
    [ ${#all[@]} -eq 0 ] && return 0
    kill -TERM "${all[@]}" 2>/dev/null
    for i in $(seq 30); do
        local alive=0
        for p in "${all[@]}"; do [ -d /proc/$p ] && ! grep -q '^State:.*Z' /proc/$p/status 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    kill -KILL "${all[@]}" 2>/dev/null
    for p in "$@"; do wait "$p" 2>/dev/null; done
    return 0
}
spawn() { # spawn NS LOGNAME cmd... ; sets LASTPID
    local ns=$1 lg=$2; shift 2
    ip netns exec "$ns" "$@" >>"$RUN/logs/$lg.log" 2>&1 </dev/null &
    LASTPID=$!
    track "$LASTPID"; VPIDS+=("$LASTPID")
    [ "$ns" = "$NSA" ] && VPIDS_A+=("$LASTPID")
    return 0
}
cleanup() {
    trap - EXIT INT TERM HUP
    exec 2>&7
    log "cleanup: killing ${#ALLPIDS[@]} started process(es), deleting $NSA $NSB"
    kill_tree "${ALLPIDS[@]}" 2>/dev/null
    ip netns del "$NSA" 2>/dev/null; ip netns del "$NSB" 2>/dev/null
    [ "${MADE_VTUN_LOCKDIR:-0}" = 1 ] && rm -rf /var/lock/vtund
    [ -n "${LOCKFD:-}" ] && exec 9>&-
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- underlay
A() { ip netns exec "$NSA" "$@"; }
B() { ip netns exec "$NSB" "$@"; }
setup_underlay() {
    ip netns add "$NSA" && ip netns add "$NSB" || return 1
    ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" || return 1
    ip -n "$NSA" addr add $UA/24 dev "$VA"; ip -n "$NSB" addr add $UB/24 dev "$VB"
    local ns
    for ns in "$NSA" "$NSB"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip -n "$ns" link set lo up
    done
    ip -n "$NSA" link set "$VA" mtu 1500 up; ip -n "$NSB" link set "$VB" mtu 1500 up
    timeout 10 ip netns exec "$NSA" ping -q -c 3 -i 0.2 -W 1 $UB >/dev/null
}

wait_dev() { # NS DEV [seconds]
    local i
    for i in $(seq $(( ${3:-10} * 10 ))); do
        ip -n "$1" link show dev "$2" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    NOTE="device $2 did not appear in $1"; return 1
}
conf_dev() { # NS DEV ADDR : mtu, up, address (if not yet there)
    ip -n "$1" link set dev "$2" mtu "$TMTU" 2>/dev/null || NOTE="${NOTE:+$NOTE; }cannot set MTU $TMTU on $2"
    ip -n "$1" link set dev "$2" up
    ip -n "$1" -4 addr show dev "$2" | grep -q "inet " || ip -n "$1" addr add "$3/$PFX" dev "$2"
}
# tun_pair NAME CMD_A CMD_B : start a userspace endpoint in each namespace (B first),
# wait for devices ${NAME}A<id>/${NAME}B<id> ($DEVA/$DEVB), configure them.
tun_pair() {
    local n=$1
    spawn "$NSB" "${n}_B" sh -c "exec $3"; sleep 0.2
    spawn "$NSA" "${n}_A" sh -c "exec $2"
    wait_dev "$NSB" "$DEVB" && wait_dev "$NSA" "$DEVA" || return 1
    conf_dev "$NSB" "$DEVB" $OB; conf_dev "$NSA" "$DEVA" $OA
}
wait_overlay() { # ping DST until it answers (bounded by WAIT_UP seconds)
    local t0=$SECONDS
    while [ $((SECONDS - t0)) -lt "$WAIT_UP" ]; do
        if fg_run timeout 3 ip netns exec "$NSA" ping -q -n -c 1 -W 1 "$DST" >/dev/null 2>&1; then
            fg_run timeout 5 ip netns exec "$NSA" ping -q -n -c 5 -i 0.1 -W 1 "$DST" >/dev/null 2>&1
            return 0
        fi
        for p in "${VPIDS[@]}"; do [ -d /proc/$p ] || { NOTE="${NOTE:+$NOTE; }process $p exited (see logs)"; return 1; }; done
        sleep 0.5
    done
    NOTE="${NOTE:+$NOTE; }overlay $DST not reachable after ${WAIT_UP}s"; return 1
}

# ---------------------------------------------------------------- variants
# Each variant_X_start sets up both ends (processes via spawn/tun_pair) and
# may set DST (default $OB). Default stop: kill the variant's processes.

variant_direct_start() { DST=$UB; }      # iperf3 straight over the veth: the upper limit

# Reference: the same veth at MTU $TMTU with TSO/GSO/GRO off, i.e. the kernel
# stack handling every packet separately (what a TUN tool without offloads faces).
variant_direct_nooff_start() {
    command -v ethtool >/dev/null || { NOTE="ethtool not installed"; return 1; }
    DST=$UB
    ip -n "$NSA" link set "$VA" mtu "$TMTU"; ip -n "$NSB" link set "$VB" mtu "$TMTU"
    ip netns exec "$NSA" ethtool -K "$VA" tso off gso off gro off >/dev/null 2>&1
    ip netns exec "$NSB" ethtool -K "$VB" tso off gso off gro off >/dev/null 2>&1
}
variant_direct_nooff_stop() {
    ip netns exec "$NSA" ethtool -K "$VA" tso on gso on gro off >/dev/null 2>&1
    ip netns exec "$NSB" ethtool -K "$VB" tso on gso on gro off >/dev/null 2>&1
    ip -n "$NSA" link set "$VA" mtu 1500; ip -n "$NSB" link set "$VB" mtu 1500
}

variant_kipip_start() {                  # in-kernel IP-in-IP
    ip -n "$NSA" link add kiA$ID type ipip local $UA remote $UB 2>"$RUN/logs/kipip.err" || { NOTE="ipip: $(head -1 "$RUN/logs/kipip.err") (kernel lacks CONFIG_NET_IPIP?)"; return 1; }
    ip -n "$NSB" link add kiB$ID type ipip local $UB remote $UA || return 1
    conf_dev "$NSA" kiA$ID $OA; conf_dev "$NSB" kiB$ID $OB
}
variant_kgre_start() {                   # in-kernel GRE
    ip -n "$NSA" link add kgA$ID type gre local $UA remote $UB 2>"$RUN/logs/kgre.err" || { NOTE="gre: $(head -1 "$RUN/logs/kgre.err") (kernel lacks CONFIG_NET_IPGRE?)"; return 1; }
    ip -n "$NSB" link add kgB$ID type gre local $UB remote $UA || return 1
    conf_dev "$NSA" kgA$ID $OA; conf_dev "$NSB" kgB$ID $OB
}
variant_kfou_start() {                   # in-kernel IP-in-UDP (FOU): the kernel twin of our tool
    ip netns exec "$NSA" ip fou add port 5555 ipproto 4 2>"$RUN/logs/kfou.err" || { NOTE="fou: $(head -1 "$RUN/logs/kfou.err") (kernel lacks CONFIG_NET_FOU?)"; return 1; }
    ip netns exec "$NSB" ip fou add port 5555 ipproto 4 || return 1
    ip -n "$NSA" link add kfA$ID type ipip local $UA remote $UB encap fou encap-sport 5555 encap-dport 5555 2>>"$RUN/logs/kfou.err" || { NOTE="fou/ipip: $(tail -1 "$RUN/logs/kfou.err")"; return 1; }
    ip -n "$NSB" link add kfB$ID type ipip local $UB remote $UA encap fou encap-sport 5555 encap-dport 5555 || return 1
    conf_dev "$NSA" kfA$ID $OA; conf_dev "$NSB" kfB$ID $OB
}
variant_kvxlan_start() {                 # in-kernel VXLAN (Ethernet-in-UDP), unicast p2p
    ip -n "$NSA" link add kvA$ID type vxlan id 42 local $UA remote $UB dstport 4789 dev "$VA" 2>"$RUN/logs/kvxlan.err" || { NOTE="vxlan: $(head -1 "$RUN/logs/kvxlan.err")"; return 1; }
    ip -n "$NSB" link add kvB$ID type vxlan id 42 local $UB remote $UA dstport 4789 dev "$VB" || return 1
    conf_dev "$NSA" kvA$ID $OA; conf_dev "$NSB" kvB$ID $OB
}
variant_kwg_start() {                    # in-kernel WireGuard (encrypted)
    ip -n "$NSA" link add kwA$ID type wireguard 2>"$RUN/logs/kwg.err" || { NOTE="wireguard: $(head -1 "$RUN/logs/kwg.err") (kernel lacks CONFIG_WIREGUARD)"; return 1; }
    ip -n "$NSB" link add kwB$ID type wireguard || return 1
    wg_keys
    ip netns exec "$NSA" wg set kwA$ID private-key "$RUN/wg/a.key" listen-port 51820 peer "$(cat "$RUN/wg/b.pub")" endpoint $UB:51820 allowed-ips $OB/32 || return 1
    ip netns exec "$NSB" wg set kwB$ID private-key "$RUN/wg/b.key" listen-port 51820 peer "$(cat "$RUN/wg/a.pub")" endpoint $UA:51820 allowed-ips $OA/32 || return 1
    conf_dev "$NSA" kwA$ID $OA; conf_dev "$NSB" kwB$ID $OB
}
wg_keys() {
    mkdir -p "$RUN/wg"; local s; umask 077
    for s in a b; do wg genkey >"$RUN/wg/$s.key"; wg pubkey <"$RUN/wg/$s.key" >"$RUN/wg/$s.pub"; done
}

variant_socat_start() {                  # socat TUN <-> connected UDP socket (select loop)
    command -v socat >/dev/null || { NOTE="socat not installed"; return 1; }
    DEVA=soA$ID; DEVB=soB$ID
    tun_pair socat \
      "socat -b 65536 TUN:$OA/$PFX,tun-name=$DEVA,tun-type=tun,iff-no-pi,iff-up UDP:$UB:5001,bind=$UA:5001" \
      "socat -b 65536 TUN:$OB/$PFX,tun-name=$DEVB,tun-type=tun,iff-no-pi,iff-up UDP:$UA:5001,bind=$UB:5001"
}

# OpenVPN 2.6: no --secret and no TLS options = cleartext p2p (it warns
# "All encryption and authentication features disabled"); DCO not available.
variant_openvpn_start() { ovpn_start openvpn ""; }
variant_openvpn_fastio_start() { ovpn_start openvpn_fastio "--fast-io"; }
ovpn_start() {
    command -v openvpn >/dev/null || { NOTE="openvpn not installed"; return 1; }
    DEVA=ovA$ID; DEVB=ovB$ID
    local c="--dev-type tun --proto udp --tun-mtu $TMTU --disable-dco --verb 3 $2"
    tun_pair "$1" \
      "openvpn --dev $DEVA $c --local $UA --lport 1194 --remote $UB --rport 1194 --ifconfig $OA $OB" \
      "openvpn --dev $DEVB $c --local $UB --lport 1194 --remote $UA --rport 1194 --ifconfig $OB $OA"
}

# tinc 1.0, router mode, Cipher/Digest none, MACLength 0, no compression.
variant_tinc_start() {
    command -v tincd >/dev/null || { NOTE="tincd not installed"; return 1; }
    DEVA=tiA$ID; DEVB=tiB$ID
    local s me peer ua ub oa dev d=$RUN/tinc
    for s in a b; do
        mkdir -p "$d/$s/hosts"
        if [ $s = a ]; then me=a peer=b ua=$UA oa=$OA dev=$DEVA; else me=b peer=a ua=$UB oa=$OB dev=$DEVB; fi
        printf 'Name = %s\nMode = router\nDeviceType = tun\nInterface = %s\nAddressFamily = ipv4\nBindToAddress = %s\nPort = 655\nPingInterval = 600\n%s' \
            $me $dev $ua "$([ $s = a ] && echo 'ConnectTo = b')" >"$d/$s/tinc.conf"
        printf 'Address = %s\nPort = 655\nSubnet = %s/32\nCipher = none\nDigest = none\nMACLength = 0\nCompression = 0\n' \
            $ua $oa >"$d/$s/hosts/$me"
        printf '#!/bin/sh\nip link set "$INTERFACE" mtu %s up\nip addr add %s/%s dev "$INTERFACE"\n' $TMTU $oa $PFX >"$d/$s/tinc-up"
        chmod +x "$d/$s/tinc-up"
        fg_run timeout 60 tincd -c "$d/$s" -K 2048 </dev/null >"$RUN/logs/tinc_keygen_$s.log" 2>&1 || { NOTE="tinc key generation failed"; return 1; }
    done
    cp "$d/a/hosts/a" "$d/b/hosts/a"; cp "$d/b/hosts/b" "$d/a/hosts/b"
    spawn "$NSB" tinc_B tincd -c "$d/b" -D -d1 --pidfile="$d/b.pid" --logfile="$RUN/logs/tinc_B.tinclog"
    sleep 0.3
    spawn "$NSA" tinc_A tincd -c "$d/a" -D -d1 --pidfile="$d/a.pid" --logfile="$RUN/logs/tinc_A.tinclog"
    wait_dev "$NSB" $DEVB && wait_dev "$NSA" $DEVA || return 1
    # tinc sends packets above the discovered PMTU over its TCP meta connection
    # until PMTU discovery has finished: let it settle before measuring.
    WARM_EXTRA=${TINC_SETTLE:-12}
}

# quicktun 2.2.6, PROTOCOL=raw (no crypto, no header). Debian's build reads its
# settings from IF_QT_* environment variables and the device name from IFACE
# (as ifupdown sets them); the plain names (PROTOCOL, INTERFACE, ...) are
# ignored, and it then silently makes a tap0 device with the raw protocol.
variant_quicktun_start() {
    command -v quicktun >/dev/null || { NOTE="quicktun not installed"; return 1; }
    DEVA=qtA$ID; DEVB=qtB$ID
    tun_pair quicktun \
      "env IFACE=$DEVA IF_QT_TUN_MODE=1 IF_QT_PROTOCOL=raw IF_QT_LOCAL_ADDRESS=$UA IF_QT_LOCAL_PORT=2998 IF_QT_REMOTE_ADDRESS=$UB IF_QT_REMOTE_PORT=2998 quicktun" \
      "env IFACE=$DEVB IF_QT_TUN_MODE=1 IF_QT_PROTOCOL=raw IF_QT_LOCAL_ADDRESS=$UB IF_QT_LOCAL_PORT=2998 IF_QT_REMOTE_ADDRESS=$UA IF_QT_REMOTE_PORT=2998 quicktun"
}

variant_vtun_start() {                   # vtun 3: TCP control + UDP data, no encryption/compression
    command -v vtund >/dev/null || { NOTE="vtund not installed"; return 1; }
    DEVA=vtA$ID; DEVB=vtB$ID
    local d=$RUN/vtun ipb; ipb=$(command -v ip); mkdir -p "$d"
    # vtund needs /var/lock/vtund for its session lock files (made here, removed at exit)
    if [ ! -d /var/lock/vtund ]; then mkdir -p /var/lock/vtund && MADE_VTUN_LOCKDIR=1; fi
    cat >"$d/server.conf" <<EOF
options { port 5000; bindaddr { addr $UB; }; timeout 10; ip $ipb; }
default { compress no; encrypt no; speed 0; }
pf { passwd pfpass; type tun; proto udp; compress no; encrypt no; keepalive no; stat no; multi no;
     device $DEVB;
     up {
        ip "link set %% up multicast off mtu $TMTU";
        ip "-family inet addr add $OB/$PFX dev %%";
     };
}
EOF
    cat >"$d/client.conf" <<EOF
options { port 5000; timeout 10; ip $ipb; }
pf { passwd pfpass; device $DEVA; persist no;
     up {
        ip "link set %% up multicast off mtu $TMTU";
        ip "-family inet addr add $OA/$PFX dev %%";
     };
}
EOF
    spawn "$NSB" vtun_B vtund -n -s -f "$d/server.conf"; sleep 0.5
    spawn "$NSA" vtun_A vtund -n -f "$d/client.conf" pf $UB
    wait_dev "$NSB" $DEVB 15 && wait_dev "$NSA" $DEVA 15 || return 1
}

variant_fastd_start() {                  # fastd v22, method "null" (handshake still authenticated)
    command -v fastd >/dev/null || { NOTE="fastd not installed"; return 1; }
    DEVA=fdA$ID; DEVB=fdB$ID
    local d=$RUN/fastd s; mkdir -p "$d"
    for s in a b; do fastd --generate-key --machine-readable >"$d/$s.key" 2>/dev/null; done
    local seca pa secb pb
    seca=$(cat "$d/a.key"); secb=$(cat "$d/b.key")
    pa=$(printf 'secret "%s";\n' "$seca" >"$d/tmp.conf"; fastd -c "$d/tmp.conf" --show-key --machine-readable 2>/dev/null)
    pb=$(printf 'secret "%s";\n' "$secb" >"$d/tmp.conf"; fastd -c "$d/tmp.conf" --show-key --machine-readable 2>/dev/null)
    [ -n "$pa" ] && [ -n "$pb" ] || { NOTE="fastd key generation failed"; return 1; }
    cat >"$d/a.conf" <<EOF
interface "$DEVA"; mode tun; method "null"; bind $UA:10000; secret "$seca"; mtu $TMTU;
log level warn;
peer "b" { key "$pb"; remote $UB:10000; }
EOF
    cat >"$d/b.conf" <<EOF
interface "$DEVB"; mode tun; method "null"; bind $UB:10000; secret "$secb"; mtu $TMTU;
log level warn;
peer "a" { key "$pa"; remote $UA:10000; }
EOF
    tun_pair fastd "fastd -c $d/a.conf" "fastd -c $d/b.conf"
}

variant_wggo_start() {                   # wireguard-go (userspace WireGuard, ENCRYPTED: reference only)
    command -v wireguard-go >/dev/null || { NOTE="wireguard-go not installed"; return 1; }
    DEVA=wgA$ID; DEVB=wgB$ID
    wg_keys
    tun_pair wggo "env WG_PROCESS_FOREGROUND=1 wireguard-go -f $DEVA" "env WG_PROCESS_FOREGROUND=1 wireguard-go -f $DEVB" || return 1
    ip netns exec "$NSA" wg set $DEVA private-key "$RUN/wg/a.key" listen-port 51820 peer "$(cat "$RUN/wg/b.pub")" endpoint $UB:51820 allowed-ips $OB/32 || return 1
    ip netns exec "$NSB" wg set $DEVB private-key "$RUN/wg/b.key" listen-port 51820 peer "$(cat "$RUN/wg/a.pub")" endpoint $UA:51820 allowed-ips $OA/32 || return 1
}

veiltun_pair() {                         # veiltun_pair [extra tunnel arguments]
    [ -x "$VEILTUN" ] || { NOTE="no $VEILTUN (build it: bench/compare.sh does)"; return 1; }
    DEVA=vtA$ID; DEVB=vtB$ID
    spawn "$NSB" veiltun_B "$VEILTUN" tunnel --dev $DEVB --addr $OB/$PFX --mtu $TMTU --listen :6000 --peer $UA:6000 "$@"
    spawn "$NSA" veiltun_A "$VEILTUN" tunnel --dev $DEVA --addr $OA/$PFX --mtu $TMTU --listen :6000 --peer $UB:6000 "$@"
    wait_dev "$NSB" "$DEVB" && wait_dev "$NSA" "$DEVA"
}
variant_veiltun_start() { veiltun_pair; } # this project's tool: offload, batches, UDP GSO/GRO
# The same with --busy-poll BUSY_POLL_US (default 200): polls before sleeping, for latency.
variant_veiltun_busy_start() { veiltun_pair --busy-poll "${BUSY_POLL_US:-200}"; }

# Template variants from $TEMPLATES ("name=command template" per line).
expand_tpl() { # SIDE TEMPLATE
    local s=$1 t=$2 ns dev loc rem addr peer
    if [ "$s" = A ]; then ns=$NSA dev=$DEVA loc=$UA rem=$UB addr=$OA peer=$OB
    else ns=$NSB dev=$DEVB loc=$UB rem=$UA addr=$OB peer=$OA; fi
    t=${t//\{SIDE\}/$s}; t=${t//\{NS\}/$ns}; t=${t//\{DEV\}/$dev}
    t=${t//\{LOCAL\}/$loc}; t=${t//\{REMOTE\}/$rem}; t=${t//\{LPORT\}/${TPL_PORT:-6000}}
    t=${t//\{RPORT\}/${TPL_PORT:-6000}}; t=${t//\{ADDR\}/$addr}; t=${t//\{PEER\}/$peer}
    t=${t//\{PREFIX\}/$PFX}; t=${t//\{MTU\}/$TMTU}; t=${t//\{DIR\}/$RUN}
    printf '%s' "$t"
}
template_start() { # NAME TEMPLATE
    DEVA=$(printf '%.5s' "$1")A$ID; DEVB=$(printf '%.5s' "$1")B$ID
    local ca cb; ca=$(expand_tpl A "$2"); cb=$(expand_tpl B "$2")
    if [ "$TEMPLATE_NOCONF" = 1 ]; then
        spawn "$NSB" "${1}_B" sh -c "exec $cb"; sleep 0.2; spawn "$NSA" "${1}_A" sh -c "exec $ca"
        wait_dev "$NSB" "$DEVB" && wait_dev "$NSA" "$DEVA"
    else
        tun_pair "$1" "$ca" "$cb"
    fi
}
declare -A TPL=()
while IFS= read -r line; do
    [ -z "$line" ] && continue
    n=${line%%=*}; TPL[$n]=${line#*=}
    eval "variant_${n}_start() { template_start '$n' \"\${TPL[$n]}\"; }"
    ALL_VARIANTS="$ALL_VARIANTS $n"
done <<<"$TEMPLATES"

# ---------------------------------------------------------------- measuring
median() { sort -g | awk '{a[NR]=$1} END{ if(NR==0){print "";exit} if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
ticks_of() { # pids... -> "utime stime" summed over pids+descendants (clock ticks)
    local p s u=0 k=0 f
    for p in $(descendants "$@"); do
        s=$(cat /proc/$p/stat 2>/dev/null) || continue
        read -r -a f <<<"${s##*) }"
        u=$((u + f[11])); k=$((k + f[12]))
    done
    echo "$u $k"
}
sysbusy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9, $7+$8}' /proc/stat; }   # busy total irq+softirq
udp_snmp() { # NS -> "InDatagrams OutDatagrams RcvbufErrors"
    ip netns exec "$1" awk '/^Udp:/{ if(!h){for(i=2;i<=NF;i++)n[$i]=i;h=1}else{print $(n["InDatagrams"]), $(n["OutDatagrams"]), $(n["RcvbufErrors"]); exit} }' /proc/net/snmp
}
iperf_server() {
    [ -n "$IPERF_PID" ] && kill_tree "$IPERF_PID"
    ip netns exec "$NSB" iperf3 -s -p 5201 --rcv-timeout 10000 >>"$RUN/logs/iperf3_server.log" 2>&1 </dev/null &
    IPERF_PID=$!; track "$IPERF_PID"
    sleep 0.3
}
iperf_client() { # OUTFILE args... ; prints nothing, returns status
    local out=$1; shift
    fg_run timeout -k 3 $((DUR + OMIT + 20)) ip netns exec "$NSA" iperf3 -c "$DST" -p 5201 --connect-timeout 3000 -J "$@" >"$out" 2>"$out.err"
    local rc=$?
    if [ $rc -ne 0 ] || jq -e '.error' "$out" >/dev/null 2>&1; then
        log "  iperf3 failed (rc=$rc): $(jq -r '.error // empty' "$out" 2>/dev/null) $(head -c 200 "$out.err")"
        [ "${NORESTART:-0}" = 1 ] || iperf_server   # a killed client can leave the server busy
        return 1
    fi
    return 0
}

declare -A R
measure() { # NAME
    local v=$1 d=$RUN/data/$1 i
    mkdir -p "$d"
    iperf_server
    # -- TCP x1, with CPU accounting
    local t1=() cpu_u=0 cpu_k=0 wall=0 bytes=0 sb0 sb1 u0 u1 w0 w1 ta tb retr=0
    for i in $(seq "$RUNS"); do
        read -r ta tb <<<"$(ticks_of "${VPIDS[@]}")"; sb0=$(sysbusy); u0=$(udp_snmp "$NSA"); w0=$(date +%s.%N)
        if iperf_client "$d/tcp1_$i.json" -t "$DUR" -O "$OMIT"; then
            w1=$(date +%s.%N); u1=$(udp_snmp "$NSA"); sb1=$(sysbusy)
            read -r u1a u1b <<<"$(ticks_of "${VPIDS[@]}")"
            t1+=("$(jq -r '.end.sum_received.bits_per_second/1e9' "$d/tcp1_$i.json")")
            retr=$((retr + $(jq -r '.end.sum_sent.retransmits // 0' "$d/tcp1_$i.json")))
            cpu_u=$((cpu_u + u1a - ta)); cpu_k=$((cpu_k + u1b - tb))
            wall=$(echo "$wall + $w1 - $w0" | bc -l)
            bytes=$(echo "$bytes + $(jq '[.intervals[].sum.bytes]|add' "$d/tcp1_$i.json")" | bc)
            echo "$sb0 $sb1" >>"$d/sysbusy"; echo "$u0 $u1" >>"$d/udp_snmp"
        fi
    done
    R[$v,t1]=$(printf '%s\n' "${t1[@]}" | median)
    R[$v,t1min]=$(printf '%s\n' "${t1[@]}" | sort -g | head -1); R[$v,t1max]=$(printf '%s\n' "${t1[@]}" | sort -g | tail -1)
    R[$v,t1all]=$(printf '%.2f ' "${t1[@]}" 2>/dev/null); R[$v,retr]=$retr
    if [ "${#VPIDS[@]}" -gt 0 ] && [ "$wall" != 0 ]; then
        R[$v,cpu]=$(echo "scale=1; 100*($cpu_u+$cpu_k)/$HZ/$wall" | bc -l)
        R[$v,cpuus]=$(echo "scale=0; 100*$cpu_u/$HZ/$wall" | bc -l)/$(echo "scale=0; 100*$cpu_k/$HZ/$wall" | bc -l)
        R[$v,cpugb]=$(echo "scale=2; (($cpu_u+$cpu_k)/$HZ)/($bytes/1000000000)" | bc -l)
    fi
    if [ -s "$d/sysbusy" ]; then
        R[$v,sys]=$(awk '{b+=$4-$1; t+=$5-$2; s+=$6-$3} END{ if(t>0) printf "%.0f/%.0f", 100*b/t, 100*s/t }' "$d/sysbusy")
        R[$v,pps]=$(awk -v w="$wall" '{n+=($4-$1)+($5-$2); e+=$6-$3} END{ if(w>0) printf "%.0f", n/w/1000 }' "$d/udp_snmp")
        R[$v,rcvbuf]=$(awk '{e+=$6-$3} END{print e+0}' "$d/udp_snmp")
    fi
    # -- TCP x4
    local t4=()
    for i in $(seq "$RUNS4"); do
        iperf_client "$d/tcp4_$i.json" -t "$DUR" -O "$OMIT" -P 4 && t4+=("$(jq -r '.end.sum_received.bits_per_second/1e9' "$d/tcp4_$i.json")")
    done
    R[$v,t4]=$(printf '%s\n' "${t4[@]}" | median); R[$v,t4all]=$(printf '%.2f ' "${t4[@]}" 2>/dev/null)
    # -- ping
    local pout
    fg_run timeout 60 ip netns exec "$NSA" ping -q -n -c "$PINGS" -i "$PING_I" -W 2 "$DST" >"$d/ping.txt" 2>&1; pout=$(cat "$d/ping.txt")
    R[$v,rtt]=$(echo "$pout" | awk -F'[/ ]' '/^rtt/{printf "%.3f", $8}')
    R[$v,rttmax]=$(echo "$pout" | awk -F'[/ ]' '/^rtt/{printf "%.3f/%.3f", $9, $10}')
    R[$v,ploss]=$(echo "$pout" | grep -o '[0-9.]*% packet loss' | cut -d% -f1)
    # -- UDP at fixed offered load
    if iperf_client "$d/udp.json" -u -b "$UDP_RATE" -l "$UDP_LEN" -w "$UDP_WIN" -t "$DUR"; then
        R[$v,udploss]=$(jq -r '(.end.sum_received.lost_percent // .end.sum.lost_percent)|.*100|round/100' "$d/udp.json")
        R[$v,udprx]=$(jq -r '(.end.sum_received.bits_per_second // (.end.sum.bits_per_second*(1-.end.sum.lost_percent/100)))/1e9|.*1000|round/1000' "$d/udp.json")
    fi
    if [ -n "$UDP_RATE2" ] && iperf_client "$d/udp2.json" -u -b "$UDP_RATE2" -l "$UDP_LEN" -w "$UDP_WIN" -t "$DUR"; then
        R[$v,udp2loss]=$(jq -r '(.end.sum_received.lost_percent // .end.sum.lost_percent)|.*10|round/10' "$d/udp2.json")
        R[$v,udp2rx]=$(jq -r '(.end.sum_received.bits_per_second // (.end.sum.bits_per_second*(1-.end.sum.lost_percent/100)))/1e9|.*1000|round/1000' "$d/udp2.json")
    fi
    ip -n "$NSA" -s link >"$d/links_A.txt" 2>&1; ip -n "$NSB" -s link >"$d/links_B.txt" 2>&1
    # -- peak resident memory of the largest tunnel process over everything above
    if [ "${#VPIDS[@]}" -gt 0 ]; then
        R[$v,rss]=$(for p in $(descendants "${VPIDS[@]}"); do awk '/^VmHWM:/{print $2}' /proc/$p/status 2>/dev/null; done | sort -g | tail -1)
    fi
    [ "$PROFILE" = 1 ] && [ "${#VPIDS_A[@]}" -gt 0 ] && profile "$v"
    kill_tree "$IPERF_PID"; IPERF_PID=""
}

# Profiling of side A's tunnel process(es) during a 1-stream TCP run.
SC_LIST="read write readv writev sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg select pselect6 poll ppoll epoll_wait epoll_pwait futex nanosleep ioctl getpid gettimeofday clock_gettime io_uring_enter"
profile() {
    local v=$1 d=$RUN/prof/$1 pids ev="" s u0 u1 plen=$((DUR + 1))
    mkdir -p "$d"
    pids=$(descendants "${VPIDS_A[@]}" | sort -n | paste -sd,)
    for s in $SC_LIST; do [ -d /sys/kernel/tracing/events/syscalls/sys_enter_$s ] && ev="$ev,syscalls:sys_enter_$s"; done
    # 1) syscall counts at full speed (tracepoints, low overhead) + datagrams
    NORESTART=1 iperf_client "$d/tcp1_perfstat.json" -t $((DUR + 2)) & local ip=$!; track $ip
    sleep 1; u0=$(udp_snmp "$NSA")
    fg_run timeout $((plen + 10)) perf stat -x, -e "raw_syscalls:sys_enter,context-switches,cpu-migrations,task-clock$ev" -p "$pids" -o "$d/perfstat.csv" -- sleep "$plen" 2>/dev/null
    u1=$(udp_snmp "$NSA"); wait $ip || iperf_server
    echo "$u0 $u1" >"$d/udp_snmp"
    # 2) perf record (cpu-clock sampling) for where the time goes
    NORESTART=1 iperf_client "$d/tcp1_perfrec.json" -t $((DUR + 2)) & ip=$!; track $ip
    sleep 1
    fg_run timeout $((plen + 10)) perf record -q -e cpu-clock -F 2000 -g -p "$pids" -o "$d/perf.data" -- sleep "$plen" >/dev/null 2>&1
    wait $ip || iperf_server
    timeout 120 perf report -i "$d/perf.data" --stdio --no-children --sort dso,sym --percent-limit 1.5 -g none >"$d/perf_report.txt" 2>/dev/null
    timeout 120 perf report -i "$d/perf.data" --stdio --no-children --sort dso --percent-limit 0.5 -g none >"$d/perf_report_dso.txt" 2>/dev/null
    # 3) strace -c (intrusive: slows the tunnel a lot; syscall mix only)
    NORESTART=1 iperf_client "$d/tcp1_strace.json" -t $((DUR + 2)) & ip=$!; track $ip
    sleep 1
    local sp=() q; for q in ${pids//,/ }; do sp+=(-p "$q"); done
    fg_run timeout -s INT $plen strace -c -f -o "$d/strace_c.txt" "${sp[@]}" >/dev/null 2>&1
    wait $ip || iperf_server
    rm -f "$d/perf.data.old"
    # summary: per underlay datagram (in+out, side A) during the perf stat window
    awk -F, -v v="$v" -v u="$(cat "$d/udp_snmp")" '
        BEGIN { split(u, a, " "); pk = (a[4]-a[1]) + (a[5]-a[2]) }
        $3 == "raw_syscalls:sys_enter" { sc = $1 }
        $3 == "context-switches" { cs = $1 }
        $3 == "task-clock" { tc = $1 }
        $3 ~ /^syscalls:sys_enter_/ && $1 > 0 { n = $3; sub(/syscalls:sys_enter_/, "", n); mix = mix sprintf("%s=%.2f ", n, $1/(pk>0?pk:1)) }
        END { if (pk > 0) printf "%s\t%d\t%.2f\t%.2f\t%.2f\t%s\n", v, pk, sc/pk, cs/pk, tc*1000/pk, mix }' "$d/perfstat.csv" >>"$RUN/prof/summary.tsv"
}

# ---------------------------------------------------------------- main
if [ "${1:-}" = -l ]; then echo "$ALL_VARIANTS"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "need root (netns, tun)" >&2; exit 1; }
for t in iperf3 jq bc ip ping; do command -v $t >/dev/null || { echo "missing $t" >&2; exit 1; }; done
SEL=${*:-$ALL_VARIANTS}
mkdir -p "$RUN/logs" "$RUN/data"
exec 9>"$OUTDIR/.anchors.lock"; LOCKFD=9
flock -w 1800 9 || { echo "another peers.sh run holds $OUTDIR/.anchors.lock" >&2; exit 1; }
log "run dir $RUN; namespaces $NSA $NSB; variants: $SEL"
log "RUNS=$RUNS RUNS4=$RUNS4 DUR=$DUR OMIT=$OMIT PINGS=$PINGS PING_I=$PING_I UDP=$UDP_RATE/$UDP_LEN/w$UDP_WIN TMTU=$TMTU PROFILE=$PROFILE"
{ echo "date: $(date -Is)"; echo "kernel: $(uname -r)"; echo "cpus: $NCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)";
  echo "loadavg before: $(cat /proc/loadavg)"; for t in iperf3 socat openvpn tincd quicktun vtund fastd wireguard-go; do
  command -v $t >/dev/null && echo "$t: $(dpkg -S "$(command -v $t)" 2>/dev/null | cut -d: -f1 | xargs -r dpkg-query -W -f='${Version}' 2>/dev/null)"; done; } >"$RUN/env.txt"
setup_underlay || { log "underlay setup failed"; exit 1; }
[ "$PROFILE" = 1 ] && { mkdir -p "$RUN/prof"; printf 'variant\tpkts_A\tsyscalls_per_pkt\tctxsw_per_pkt\tcpu_us_per_pkt\tsyscall_mix_per_pkt\n' >"$RUN/prof/summary.tsv"; }

declare -A STATUS
for v in $SEL; do
    VPIDS=(); VPIDS_A=(); DST=$OB; NOTE=""; WARM_EXTRA=0; DEVA=""; DEVB=""
    if ! declare -F "variant_${v}_start" >/dev/null; then STATUS[$v]="unknown variant"; log "$v: unknown"; continue; fi
    log "== $v: starting"
    if "variant_${v}_start" && wait_overlay; then
        [ "$WARM_EXTRA" -gt 0 ] && { log "   settling ${WARM_EXTRA}s"; fg_run timeout $((WARM_EXTRA + 10)) ip netns exec "$NSA" ping -q -n -c $((WARM_EXTRA * 2)) -i 0.5 -s 1300 -W 1 "$DST" >/dev/null 2>&1; }
        log "   up (dst $DST, pids ${VPIDS[*]:-none}); measuring"
        if [ -n "${HOOK:-}" ]; then   # debugging hook: runs with the variant up
            NSA=$NSA NSB=$NSB DST=$DST DEVA=$DEVA DEVB=$DEVB VPIDS="${VPIDS[*]}" VPIDS_A="${VPIDS_A[*]}" RUN=$RUN V=$v \
                fg_run timeout "${HOOK_TIMEOUT:-120}" bash -c "$HOOK" >"$RUN/logs/hook_$v.log" 2>&1
            log "   hook output: $RUN/logs/hook_$v.log"
        fi
        [ "${MEASURE:-1}" = 1 ] && measure "$v"
        STATUS[$v]="ok${NOTE:+ ($NOTE)}"
        log "   $v: tcp1 ${R[$v,t1]:-?} [${R[$v,t1all]:-}] tcp4 ${R[$v,t4]:-?} rtt ${R[$v,rtt]:-?} udp ${R[$v,udprx]:-?}/${R[$v,udploss]:-?}% cpu ${R[$v,cpu]:-n/a}"
    else
        STATUS[$v]="SKIPPED: ${NOTE:-start failed}"
        log "   $v skipped: ${NOTE:-start failed} (logs: $RUN/logs)"
    fi
    if declare -F "variant_${v}_stop" >/dev/null; then "variant_${v}_stop"; fi
    kill_tree "${VPIDS[@]}"
    # delete any device the variant left (kernel tunnels, persistent tuns)
    for ns in "$NSA" "$NSB"; do
        for dev in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
            case $dev in lo|"$VA"|"$VB") ;; *) ip -n "$ns" link del "$dev" 2>/dev/null ;; esac
        done
        ip netns exec "$ns" ip fou del port 5555 2>/dev/null
    done
done

# ---------------------------------------------------------------- report
ratio() { [ -n "${1:-}" ] && [ -n "${2:-}" ] && echo "scale=3; $1/$2" | bc -l | awk '{printf "%.3f", $1}' || echo "-"; }
f2() { [ -n "${1:-}" ] && awk -v x="$1" 'BEGIN{printf "%.2f", x}' || echo "-"; }
{
echo "| variant | TCPx1 Gbit/s median [runs] | x1 ratio | TCPx4 Gbit/s median [runs] | x4 ratio | RTT avg ms | RTT max/mdev ms | UDP@$UDP_RATE rx Gbit/s / loss % | UDP@${UDP_RATE2:-off} rx Gbit/s / loss % | tunnel CPU % (usr/sys) | tunnel CPU-s/GB | underlay kpps | sys busy%/irq% | status |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for v in $SEL; do
    [ -z "${STATUS[$v]:-}" ] && continue
    if [ "${STATUS[$v]#ok}" = "${STATUS[$v]}" ]; then
        echo "| $v | - | - | - | - | - | - | - | - | - | - | - | - | ${STATUS[$v]} |"; continue
    fi
    t1all=${R[$v,t1all]:-}; t4all=${R[$v,t4all]:-}   # unset when MEASURE=0
    echo "| $v | $(f2 "${R[$v,t1]:-}") [${t1all% }] | $(ratio "${R[$v,t1]:-}" "${R[direct,t1]:-}") | $(f2 "${R[$v,t4]:-}") [${t4all% }] | $(ratio "${R[$v,t4]:-}" "${R[direct,t4]:-}") | ${R[$v,rtt]:--} | ${R[$v,rttmax]:--} | ${R[$v,udprx]:--} / ${R[$v,udploss]:--} | ${R[$v,udp2rx]:--} / ${R[$v,udp2loss]:--} | ${R[$v,cpu]:--}${R[$v,cpuus]:+ (${R[$v,cpuus]})} | ${R[$v,cpugb]:--} | ${R[$v,pps]:--} | ${R[$v,sys]:--} | ${STATUS[$v]} |"
done
} | tee "$RUN/table.md"
{ printf 'variant\ttcp1_gbps\ttcp1_runs\ttcp4_gbps\ttcp4_runs\trtt_avg_ms\trtt_max_mdev\tping_loss\tudp_rx_gbps\tudp_loss_pct\tcpu_pct\tcpu_usr_sys\tcpu_s_per_gb\tunderlay_kpps\trcvbuf_err\ttcp1_retrans\tstatus\tudp2_rx_gbps\tudp2_loss_pct\trss_peak_kb\n'
  for v in $SEL; do [ -z "${STATUS[$v]:-}" ] && continue
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "${R[$v,t1]:-}" "${R[$v,t1all]:-}" "${R[$v,t4]:-}" "${R[$v,t4all]:-}" \
    "${R[$v,rtt]:-}" "${R[$v,rttmax]:-}" "${R[$v,ploss]:-}" "${R[$v,udprx]:-}" "${R[$v,udploss]:-}" "${R[$v,cpu]:-}" "${R[$v,cpuus]:-}" "${R[$v,cpugb]:-}" \
    "${R[$v,pps]:-}" "${R[$v,rcvbuf]:-}" "${R[$v,retr]:-}" "${STATUS[$v]}" "${R[$v,udp2rx]:-}" "${R[$v,udp2loss]:-}" "${R[$v,rss]:-}"; done; } >"$RUN/results.tsv"
echo "loadavg after: $(cat /proc/loadavg)" >>"$RUN/env.txt"
if [ -s "$RUN/prof/summary.tsv" ]; then echo; echo "profile (side A, per underlay datagram):"; column -t -s $'\t' "$RUN/prof/summary.tsv" 2>/dev/null || cat "$RUN/prof/summary.tsv"; fi
log "results: $RUN/table.md $RUN/results.tsv (logs in $RUN/logs, raw data in $RUN/data$([ "$PROFILE" = 1 ] && echo ", profiles in $RUN/prof"))"
