#!/usr/bin/env bash
# up / down / show / list, checked against the kernel.
TEST=manage
. "$(dirname "$0")/lib.sh"

in_a "$VEILTUN" up vtm0 --addr 10.70.0.1/24 --addr fd00:70::1/64 --mtu 1400 \
    --route 192.0.2.0/24,via=10.70.0.2,metric=33 --route 2001:db8::/32 --persist --owner 4242 ||
    fail "up failed"
j=$(in_a ip -d -j addr show dev vtm0)
[ "$(echo "$j" | jq '.[0].mtu')" = 1400 ] || fail "mtu: $j"
echo "$j" | jq -e '.[0].flags | index("UP")' >/dev/null || fail "not up: $j"
echo "$j" | jq -e '[.[0].addr_info[] | .local] | index("10.70.0.1")' >/dev/null || fail "v4: $j"
echo "$j" | jq -e '[.[0].addr_info[] | .local] | index("fd00:70::1")' >/dev/null || fail "v6: $j"
[ "$(in_a ip -d -j link show dev vtm0 | jq '.[0].linkinfo.info_data.user')" = 4242 ] || fail owner
r=$(in_a ip -j route show dev vtm0 | jq -c '[.[] | select(.dst == "192.0.2.0/24")][0]')
[ "$(echo "$r" | jq -r '.gateway')/$(echo "$r" | jq '.metric')" = "10.70.0.2/33" ] || fail "route: $r"
in_a ip -6 -j route show dev vtm0 | jq -e '[.[] | .dst] | index("2001:db8::/32")' >/dev/null ||
    fail "v6 route"

s=$(in_a "$VEILTUN" show vtm0 --json)
[ "$(echo "$s" | jq -r '.[0].name')/$(echo "$s" | jq '.[0].mtu')" = "vtm0/1400" ] || fail "show: $s"
[ "$(echo "$s" | jq '.[0].persist')" = true ] || fail "show persist: $s"
[ "$(echo "$s" | jq '.[0].index')" = "$(in_a ip -j link show dev vtm0 | jq '.[0].ifindex')" ] ||
    fail "show index"
echo "$s" | jq -e '.[0].addresses | index("10.70.0.1/24")' >/dev/null || fail "show addrs: $s"
[ "$(echo "$s" | jq '.[0].tunnel')" = null ] || fail "show invented a tunnel: $s"
in_a "$VEILTUN" show vtm0 | grep -q "vtm0: index" || fail "show text"
in_a "$VEILTUN" up vtm1 --persist >/dev/null || fail "up vtm1"
[ "$(in_a "$VEILTUN" list --json | jq -c '[.[].name]')" = '["vtm0","vtm1"]' ] || fail "list"
[ "$(in_a "$VEILTUN" list | wc -l)" = 2 ] || fail "list text"
# up again on an existing device: attaches and adds what is missing, no error.
in_a "$VEILTUN" up vtm0 --addr 10.70.0.1/24 --addr 10.71.0.1/24 || fail "second up"
in_a ip -j addr show dev vtm0 | jq -e '[.[0].addr_info[] | .local] | index("10.71.0.1")' \
    >/dev/null || fail "second up did not add"
# down removes; twice is an error, exit 1.
in_a "$VEILTUN" down vtm0 || fail "down"
in_a ip link show dev vtm0 >/dev/null 2>&1 && fail "vtm0 still exists"
in_a "$VEILTUN" down vtm0 2>/dev/null
[ $? = 1 ] || fail "down of a missing device should exit 1"
in_a "$VEILTUN" show nosuch 2>/dev/null
[ $? = 1 ] || fail "show of a missing device should exit 1"
# A failing up leaves nothing behind (a route through an unreachable gateway).
in_a "$VEILTUN" up vtm2 --persist --addr 10.72.0.1/24 --route 192.0.2.0/24,via=172.16.9.9 \
    2>/dev/null && fail "up with an unreachable gateway succeeded"
in_a ip link show dev vtm2 >/dev/null 2>&1 && fail "a failed up left vtm2 behind"
in_a "$VEILTUN" down vtm1 || fail "down vtm1"
echo PASS
