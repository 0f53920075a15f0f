#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs inside bench/peers.sh (as its HOOK) while the veiltun tunnel is up: full iperf3 load
# from A to B for SOAK_SECONDS, sampling each tunnel process's RSS and open fds every second
# (VmRSS, and RssAnon: the heap and buffers alone, without pages of mapped files such as
# libc's code) into $SOAK_OUT/samples.tsv; then the tunnels' own counters into $SOAK_OUT/counters_*.json.
# Environment from peers.sh: NSA NSB DST VPIDS ("pid pid"); from soak.sh: SOAK_*.
set -u
read -r -a pids <<<"$VPIDS"
samples=$SOAK_OUT/samples.tsv
printf 't\t%s\n' "$(for p in "${pids[@]}"; do printf 'rss_kb_%s\tfds_%s\tanon_kb_%s\t' "$p" "$p" "$p"; done)" |
    sed 's/\t$//' >"$samples"

ip netns exec "$NSB" timeout $((SOAK_SECONDS + 30)) iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
server=$!
sleep 0.5
ip netns exec "$NSA" timeout $((SOAK_SECONDS + 20)) iperf3 -c "$DST" -p 5299 -t "$SOAK_SECONDS" \
    -P "$SOAK_STREAMS" -J >"$SOAK_OUT/iperf3.json" 2>&1 &
client=$!

start=$(date +%s)
for ((i = 0; i <= SOAK_SECONDS + 20; i++)); do
    kill -0 "$client" 2>/dev/null || break
    row="$(($(date +%s) - start))"
    for p in "${pids[@]}"; do
        rss=$(awk '/^VmRSS:/{print $2}' /proc/"$p"/status 2>/dev/null)
        anon=$(awk '/^RssAnon:/{print $2}' /proc/"$p"/status 2>/dev/null)
        fds=$(ls /proc/"$p"/fd 2>/dev/null | wc -l)
        row="$row	${rss:-gone}	$fds	${anon:-gone}"
    done
    echo "$row" >>"$samples"
    sleep 1
done
wait "$client"
echo "iperf3 client exit status: $?"
wait "$server" 2>/dev/null
for side in A B; do
    ns=NS$side
    ip netns exec "${!ns}" "$VEILTUN" show --json >"$SOAK_OUT/counters_$side.json" 2>&1
done
