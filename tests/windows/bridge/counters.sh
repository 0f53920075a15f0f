# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Packet accounting for windows.bridge_tunnel (sourced by tunnel.sh after lib.sh): a snapshot
# of every counter on the path, taken when no traffic moves, and the check that between two
# snapshots every packet one side's stack sent reached the other side's stack or was counted
# as dropped where it was lost. The path, Windows side first:
#   A's stack -> vt0 (kernel: tx) -> bridge_helper (to the double, lost) -> the shared-memory
#   channel (loses nothing) -> the double's receive ring (ring drops) -> libveiltun (device_packets) ->
#   veiltun.exe (datagrams_out, dropped.send) -> veth -> B's UDP socket (B's UDP errors) ->
#   the Linux tunnel (socket_datagrams = datagrams_in + dropped.*) -> B's stack;
# and back: the Linux tunnel (device_packets = datagrams_out + dropped.send) -> A's UDP socket
#   under Wine (A's UDP errors) -> veiltun.exe (socket_datagrams) -> send ring (datagrams_in)
#   -> the double -> the channel -> helper (from it, refused) -> vt0 (rx).
# veiltun.exe prints its counters each --stats-interval (1 s) without traffic; the helper
# prints its counts on SIGUSR1; the kernels' come from ip -s and /proc/net/snmp{,6}.

# The last report veiltun.exe printed, as "name value" lines (JSON's names: group.name).
# (Windows text output ends its lines with CR LF.)
win_report() {
    tr -d "\r" <"$WIN_LOG" | tac | awk '/^tunnel vt0:/ {exit} {print}' | tac | awk '{
        g = $1; sub(":", "", g); sub(/^ *[a-z]*: /, ""); sub(/^[^;]*; /, "")
        n = split($0, kv, ", ")
        for (i = 1; i <= n; i++) {
            split(kv[i], f, " ")
            print (g == "traffic" ? "" : g ".") f[1], f[2]
        }
    }' | sed 's/^/win./'
}

# A report equal to the one printed a second before it: no traffic moved in between
# (veiltun.exe prints one every second, busy or not).
win_quiet_report() {
    local prev="" cur n0 n
    for _ in $(seq 20); do
        n0=$(grep -c '^tunnel vt0:' "$WIN_LOG")
        for _ in $(seq 30); do
            n=$(grep -c '^tunnel vt0:' "$WIN_LOG")
            [ "$n" -gt "$n0" ] && break
            sleep 0.1
        done
        cur=$(win_report)
        [ "$n" -gt "$n0" ] && [ -n "$cur" ] && [ "$cur" = "$prev" ] && { echo "$cur"; return 0; }
        prev=$cur
    done
    fail "veiltun.exe's counters did not settle within 60 s"
}

# UDP datagrams a namespace's kernel dropped on receipt (IPv4 and IPv6, all sockets).
udp_errors() {
    ip netns exec "$1" awk '/^Udp: [0-9]/ {s += $4} /^Udp6InErrors/ {s += $2} END {print s + 0}' \
        /proc/net/snmp /proc/net/snmp6
}

# The helper's counts, asked for with SIGUSR1.
helper_now() {
    local n0 n line
    n0=$(grep -c ' counts (' "$HELPER_LOG")
    kill -USR1 "$HELPER_PID"
    for _ in $(seq 50); do
        n=$(grep -c ' counts (' "$HELPER_LOG")
        [ "$n" -gt "$n0" ] && break
        sleep 0.1
    done
    [ "$n" -gt "$n0" ] || fail "bridge_helper did not print its counts"
    line=$(grep ' counts (' "$HELPER_LOG" | tail -n 1)
    local name
    for name in "to the double:to" "from it:from" "lost:lost" "refused:refused" \
        "ring drops:ring_drops"; do
        echo "h.${name#*:} $(echo "$line" | sed -n "s/.*[(,] *${name%:*} \([0-9]*\).*/\1/p")"
    done
}

# The counters other than veiltun.exe's.
others_now() {
    in_b "$VEILTUN" show vt0 --json | jq -r '.[0].tunnel | paths(scalars) as $p |
        "lin.\($p | map(tostring) | join(".")) \(getpath($p))"'
    ip -n "$NS_A" -j -s link show vt0 |
        jq -r '.[0].stats64 | "a.vt0_tx \(.tx.packets)\na.vt0_rx \(.rx.packets)"'
    echo "a.udp_errors $(udp_errors "$NS_A")"
    echo "b.udp_errors $(udp_errors "$NS_B")"
    helper_now
}

# snapshot FILE: every counter, read while nothing moves: the others' are read before and
# after veiltun.exe's settle and must not change in between (A's stack sends a router
# solicitation now and then: a packet in flight during the reads would be counted on one side
# of the snapshot only).
snapshot() {
    local before after
    for _ in $(seq 5); do
        before=$(others_now)
        win_quiet_report >"$1"
        after=$(others_now)
        [ "$before" = "$after" ] && echo "$after" >>"$1" && return 0
    done
    fail "the counters kept moving: no snapshot in 5 tries"
}

# check_accounting BEFORE AFTER: the equations above on the differences; prints the flows.
check_accounting() {
    local -A d
    local k v m1 m2 m3 m4
    while read -r k v; do d[$k]=$v; done < <(awk 'NR == FNR {b[$1] = $2; next}
        $2 ~ /^[0-9]+$/ {print $1, $2 - b[$1]}' "$1" "$2")
    # A counter missing (renamed, not printed) must fail, not pass as 0.
    for k in a.vt0_tx a.vt0_rx a.udp_errors b.udp_errors h.to h.from h.lost h.refused \
        h.ring_drops win.batches.device_packets win.batches.socket_datagrams win.datagrams_in \
        win.datagrams_out win.dropped.send lin.batches.device_packets \
        lin.batches.socket_datagrams lin.datagrams_in lin.datagrams_out lin.dropped.send; do
        [ -n "${d[$k]:-}" ] || fail "counter $k missing from a snapshot"
    done
    n() { echo "${d[$1]}"; } # the change of one counter
    # Windows -> Linux
    want_eq "A's vt0 sent = helper's to the double + lost" "$(n a.vt0_tx)" \
        $(($(n h.to) + $(n h.lost)))
    m1=$(($(n h.to) - $(n h.ring_drops) - $(n win.batches.device_packets)))
    want_eq "library's packets read = datagrams sent + send drops" \
        "$(n win.batches.device_packets)" $(($(n win.datagrams_out) + $(n win.dropped.send)))
    m2=$(($(n win.datagrams_out) - $(n lin.batches.socket_datagrams)))
    want_eq "datagrams veiltun.exe sent, not received by the Linux tunnel = B's UDP drops" \
        "$(n b.udp_errors)" "$m2"
    # Linux -> Windows
    want_eq "Linux tunnel's device packets = datagrams sent + send drops" \
        "$(n lin.batches.device_packets)" $(($(n lin.datagrams_out) + $(n lin.dropped.send)))
    m3=$(($(n lin.datagrams_out) - $(n win.batches.socket_datagrams)))
    m4=$(($(n win.datagrams_in) - $(n h.from)))
    want_eq "helper's from the double = A's vt0 received + refused" "$(n h.from)" \
        $(($(n a.vt0_rx) + $(n h.refused)))
    # The shared-memory channel loses nothing: the helper's count is the library's (plus the
    # double's ring drops) and the double's; what A's kernel dropped was at Wine's UDP socket.
    want_eq "packets to the double = the library's packets read + ring drops" 0 "$m1"
    want_eq "packets the library wrote = the helper's from the double" 0 "$m4"
    want_eq "datagrams the Linux tunnel sent, not received by veiltun.exe = A's UDP drops" \
        "$(n a.udp_errors)" "$m3"
    note "Windows -> Linux: $(n a.vt0_tx) packets from A's stack, $(n h.to) to the double" \
        "(ring drops $(n h.ring_drops), lost $(n h.lost))," \
        "$(n win.batches.device_packets) read by the library, $(n win.datagrams_out) sent" \
        "(send drops $(n win.dropped.send)), $(n lin.datagrams_in) into B's device" \
        "(B's UDP drops $(n b.udp_errors), tunnel drops" \
        "$(($(n lin.batches.socket_datagrams) - $(n lin.datagrams_in))))"
    note "Linux -> Windows: $(n lin.batches.device_packets) packets from B's device," \
        "$(n lin.datagrams_out) sent (send drops $(n lin.dropped.send))," \
        "$(n win.batches.socket_datagrams) received by veiltun.exe (Wine socket $m3)," \
        "$(n win.datagrams_in) written by the library, $(n h.from) to the helper" \
        "(refused $(n h.refused)), $(n a.vt0_rx) into A's stack"
}
