#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --user nobody: the tunnel really runs without root after setup (real, effective, saved and
# filesystem IDs, no supplementary groups, no capabilities), still works, its control socket
# answers root and its own user and refuses anyone else, and SIGTERM still removes the device.
TEST=privdrop
. "$(dirname "$0")/lib.sh"

id nobody >/dev/null 2>&1 || skip "no user 'nobody'"
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
uid=$(id -u nobody)
gid=$(id -g nobody)
other=12345
start_tunnel a --user nobody
start_tunnel b
status=$(cat /proc/"$PID_a"/status)
line() { echo "$status" | grep "^$1:" | tr -s ' \t' ' '; }
want_eq "/proc/PID/status Uid (real effective saved fs)" "Uid: $uid $uid $uid $uid" "$(line Uid)"
want_eq "/proc/PID/status Gid (real effective saved fs)" "Gid: $gid $gid $gid $gid" "$(line Gid)"
want_eq "/proc/PID/status Groups (supplementary)" "Groups:" "$(line Groups | sed 's/ $//')"
want_eq "/proc/PID/status CapEff" "CapEff: 0000000000000000" "$(line CapEff)"
want_eq "/proc/PID/status CapPrm" "CapPrm: 0000000000000000" "$(line CapPrm)"

note "traffic through the unprivileged tunnel"
expect "ping B->A v4" in_b ping -c 2 -i 0.2 -W 2 $OVER_A
expect "ping A->B v6" in_a ping -6 -c 2 -i 0.2 -W 2 $OVER6_B

note "control socket: root and the tunnel's user may read the counters, another user may not"
j=$(tunnel_json "$NS_A")
want_ge "datagrams_in as root sees it" 2 "$(echo "$j" | jq '.datagrams_in')" "$j"
# Unprivileged users may not be able to reach the build tree (a 0700 checkout): give them a
# copy of the tool and its library in a directory they can read.
pub=/tmp/vt-$TEST-$$-bin
mkdir -p "$pub" && chmod 755 "$pub"
cp "$VEILTUN" "$pub/veiltun" && cp "$(ldd "$VEILTUN" | awk '/libveiltun/ {print $3}')" "$pub/"
chmod -R a+rX "$pub"
as_user() { # UID GID ARGS...: the tool's copy, run as that user
    local u=$1 g=$2; shift 2
    in_a setpriv --reuid="$u" --regid="$g" --clear-groups env LD_LIBRARY_PATH="$pub" \
        "$pub/veiltun" "$@"
}
mine=$(as_user "$uid" "$gid" show vt0 --json)
want_ge "datagrams_in as the tunnel's own user sees it" 2 \
    "$(echo "$mine" | jq '.[0].tunnel.datagrams_in')" "$mine"
refused=$(as_user $other $other show vt0 --json)
want_eq "tunnel field for uid $other" '{"version":1,"status":"denied"}' \
    "$(echo "$refused" | jq -c '.[0].tunnel')" "$refused"
# The device itself is still shown to anyone (no privileges needed to look).
want_eq "device name for uid $other" '"vt0"' "$(echo "$refused" | jq '.[0].name')"
text=$(as_user $other $other show vt0)
echo "$text" | grep -q "only root or its user may read" ||
    fail "show (text) as uid $other: expected a refusal line, saw: $text"
echo "$text" | grep -q "datagrams" && fail "show (text) as uid $other leaked counters: $text"

note "SIGTERM: the unprivileged tunnel still removes its device"
stop_tunnel a
in_a ip link show dev vt0 >/dev/null 2>&1 &&
    fail "vt0 still exists after SIGTERM to the tunnel running as nobody"

note "the control socket it could not remove (no longer root) is replaced by the next tunnel"
sock=/run/veiltun/vt0.$(stat -L -c %i /run/netns/"$NS_A").sock
[ -S "$sock" ] && echo "left behind: $(stat -c '%n %a %U' "$sock")"
start_tunnel a
want_eq "control socket owner after the restart as root" root "$(stat -c %U "$sock")"
echo PASS
