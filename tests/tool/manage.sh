#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# up / down / show / list, checked against the kernel.
TEST=manage
. "$(dirname "$0")/lib.sh"

in_a "$VEILTUN" up vtm0 --addr 10.70.0.1/24 --addr fd00:70::1/64 --mtu 1400 \
    --route 192.0.2.0/24,via=10.70.0.2,metric=33 --route 2001:db8::/32 --persist --owner 4242 --group 4343 ||
    fail "up failed"
j=$(in_a ip -d -j addr show dev vtm0)
want_eq "vtm0 MTU (ip -j addr)" 1400 "$(echo "$j" | jq '.[0].mtu')"
echo "$j" | jq -e '.[0].flags | index("UP")' >/dev/null || fail "not up: $j"
echo "$j" | jq -e '[.[0].addr_info[] | .local] | index("10.70.0.1")' >/dev/null || fail "v4: $j"
echo "$j" | jq -e '[.[0].addr_info[] | .local] | index("fd00:70::1")' >/dev/null || fail "v6: $j"
want_eq "vtm0 owner (ip -d -j link)" 4242 "$(in_a ip -d -j link show dev vtm0 | jq '.[0].linkinfo.info_data.user')"
want_eq "vtm0 group (ip -d -j link)" 4343 "$(in_a ip -d -j link show dev vtm0 | jq '.[0].linkinfo.info_data.group')"
r=$(in_a ip -j route show dev vtm0 | jq -c '[.[] | select(.dst == "192.0.2.0/24")][0]')
want_eq "route 192.0.2.0/24 gateway/metric (ip -j route)" "10.70.0.2/33" \
    "$(echo "$r" | jq -r '.gateway')/$(echo "$r" | jq '.metric')" "$r"
in_a ip -6 -j route show dev vtm0 | jq -e '[.[] | .dst] | index("2001:db8::/32")' >/dev/null ||
    fail "v6 route"

s=$(in_a "$VEILTUN" show vtm0 --json)
want_eq "show --json name/mtu" "vtm0/1400" "$(echo "$s" | jq -r '.[0].name')/$(echo "$s" | jq '.[0].mtu')" "$s"
want_eq "show --json mtu6 (Linux: one MTU)" 1400 "$(echo "$s" | jq '.[0].mtu6')" "$s"
want_eq "show --json persist" true "$(echo "$s" | jq '.[0].persist')"
want_eq "show --json owner" 4242 "$(echo "$s" | jq '.[0].owner')"
want_eq "show --json group" 4343 "$(echo "$s" | jq '.[0].group')"
want_eq "show --json index vs ip -j link ifindex" "$(in_a ip -j link show dev vtm0 | jq '.[0].ifindex')" \
    "$(echo "$s" | jq '.[0].index')"
echo "$s" | jq -e '.[0].addresses | index("10.70.0.1/24")' >/dev/null || fail "show addrs: $s"
[ "$(echo "$s" | jq '.[0].tunnel')" = null ] || fail "show invented a tunnel: $s"
in_a "$VEILTUN" show vtm0 | grep -q "vtm0: index" || fail "show text"
in_a "$VEILTUN" up vtm1 --persist >/dev/null || fail "up vtm1"
# Without --owner the caller owns it (root here): no owner would let any user attach and
# remove it.
owner() { in_a cat /sys/class/net/"$1"/owner /sys/class/net/"$1"/group | paste -sd/; }
want_eq "vtm1 owner/group without --owner (sysfs)" "0/-1" "$(owner vtm1)"
in_a "$VEILTUN" up vtm4 --persist --group 4343 >/dev/null || fail "up vtm4 --group"
want_eq "vtm4 owner/group with --group alone" "-1/4343" "$(owner vtm4)"
expect "down vtm4" in_a "$VEILTUN" down vtm4
want_eq "list --json names" '["vtm0","vtm1"]' "$(in_a "$VEILTUN" list --json | jq -c '[.[].name]')"
want_eq "list (text) lines" 2 "$(in_a "$VEILTUN" list | wc -l)"
# A template: the kernel picks the number, and up prints the name it got.
want_eq "the name up printed for 'vtm%d'" vtm2 "$(in_a "$VEILTUN" up 'vtm%d' --persist)"
expect "down vtm2" in_a "$VEILTUN" down vtm2
# up again on an existing device: attaches and adds what is missing, no error.
in_a "$VEILTUN" up vtm0 --addr 10.70.0.1/24 --addr 10.71.0.1/24 || fail "second up"
in_a ip -j addr show dev vtm0 | jq -e '[.[0].addr_info[] | .local] | index("10.71.0.1")' \
    >/dev/null || fail "second up did not add"
want_eq "vtm0 owner/group after a second up without --owner" "4242/4343" "$(owner vtm0)"
# down removes; twice is an error, exit 1.
in_a "$VEILTUN" down vtm0 || fail "down"
in_a ip link show dev vtm0 >/dev/null 2>&1 && fail "vtm0 still exists"
in_a "$VEILTUN" down vtm0 2>/dev/null
want_eq "exit status of down on a missing device" 1 $?
in_a "$VEILTUN" show nosuch 2>/dev/null
want_eq "exit status of show on a missing device" 1 $?
# A failing up leaves nothing behind (a route through an unreachable gateway).
in_a "$VEILTUN" up vtm2 --persist --addr 10.72.0.1/24 --route 192.0.2.0/24,via=172.16.9.9 \
    2>/dev/null && fail "up with an unreachable gateway succeeded"
in_a ip link show dev vtm2 >/dev/null 2>&1 && fail "a failed up left vtm2 behind"
in_a "$VEILTUN" down vtm1 || fail "down vtm1"
# Without --persist, up holds the device it created until a signal, then it is gone.
ip netns exec "$NS_A" "$VEILTUN" up vtm3 --addr 10.73.0.1/24 2>/dev/null &
pid=$!
PIDS+=("$pid")
for _ in $(seq 50); do in_a ip -j addr show dev vtm3 2>/dev/null | grep -q 10.73.0.1 && break; sleep 0.1; done
in_a ip -j addr show dev vtm3 | jq -e '[.[0].addr_info[] | .local] | index("10.73.0.1")' \
    >/dev/null || fail "up without --persist: vtm3 did not appear with its address"
want_eq "vtm3 persist in show --json" false "$(in_a "$VEILTUN" show vtm3 --json | jq '.[0].persist')"
kill -TERM "$pid"
timeout 5 tail --pid="$pid" -f /dev/null || fail "up ignored SIGTERM"
wait "$pid"
want_eq "exit status of up after SIGTERM" 0 $?
in_a ip link show dev vtm3 >/dev/null 2>&1 && fail "vtm3 still exists after up was stopped"
echo PASS
