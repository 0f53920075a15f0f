#!/usr/bin/env bash
# --user nobody: the tunnel really runs without root after setup, still works, and its
# control socket answers root and refuses other users.
TEST=privdrop
. "$(dirname "$0")/lib.sh"

id nobody >/dev/null 2>&1 || skip "no user 'nobody'"
uid=$(id -u nobody)
start_tunnel a --user nobody
start_tunnel b
status=$(cat /proc/"$PID_a"/status)
echo "$status" | grep -Eq "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" || fail "uids: $(echo "$status" | grep Uid)"
gid=$(id -g nobody)
echo "$status" | grep -Eq "^Gid:\s+$gid\s+$gid\s+$gid\s+$gid$" || fail "gids: $(echo "$status" | grep Gid)"
echo "$status" | grep -Eq "^CapEff:\s+0+$" || fail "capabilities left: $(echo "$status" | grep Cap)"
expect "ping through the unprivileged tunnel" in_b ping -c 2 -i 0.2 -W 2 $OVER_A
j=$(tunnel_json "$NS_A")
[ "$(echo "$j" | jq '.datagrams_in')" -ge 2 ] || fail "root cannot read the counters: $j"
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
# Another unprivileged user is refused.
other=$(as_user 12345 12345 show vt0 --json)
[ "$(echo "$other" | jq -c '.[0].tunnel')" = '{"error":"permission denied"}' ] ||
    fail "another user read the counters: $other"
# And the tunnel's own user may.
mine=$(as_user "$uid" "$gid" show vt0 --json)
[ "$(echo "$mine" | jq '.[0].tunnel.datagrams_in')" -ge 2 ] || fail "own user refused: $mine"
echo PASS
