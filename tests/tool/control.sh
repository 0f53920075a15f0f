#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The control socket: callers that connect and say nothing do not hold up packets; `show`
# prints the same counters as text and as JSON (valid, versioned, with a status); a local user
# can neither take the socket's name (old abstract name squatted: the tunnel still starts and
# show ignores the squatter; the socket file's directory refuses them) nor make show print
# their text; a socket held by someone other than root is not believed.
TEST=control
. "$(dirname "$0")/lib.sh"

id nobody >/dev/null 2>&1 || skip "no user 'nobody'"
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
nobody=$(id -u nobody)
nogroup=$(id -g nobody)
# The unprivileged user may not reach the build tree: a copy of the helper it can run.
pub=/tmp/vt-$TEST-$$-bin
mkdir -p "$pub" && cp "$HELPERS/ctlsock" "$pub/" && chmod 755 "$pub" "$pub/ctlsock"
as_nobody() { in_a setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups "$@"; }
sock=/run/veiltun/vt0.$(stat -L -c %i /run/netns/"$NS_A").sock

start_tunnel a
start_tunnel b
[ -S "$sock" ] || fail "no control socket at $sock: $(ls -l /run/veiltun 2>&1)"
want_eq "control socket mode and owner" "600 root" "$(stat -c '%a %U' "$sock")"

note "silent callers on the control socket do not hold up packets"
# (Builds before the file socket listened on the abstract name: hammer that one there.)
addr=$sock
[ -S "$sock" ] || addr=@veiltun/vt0
# Timed against the same 40 pings without callers, measured just before on the same machine:
# a data path that waits for each caller (200 ms a read, as it once did) adds seconds, while
# load (a sanitizer build, a busy CI machine) slows both runs alike.
forty_pings() { # prints the milliseconds 40 pings one after another took
    local start
    start=$(date +%s%N)
    in_a bash -c "for i in \$(seq 40); do ping -c 1 -W 2 -q $OVER_B >/dev/null || exit 1; done" ||
        fail "pings lost ($1)"
    echo $((($(date +%s%N) - start) / 1000000))
}
base=$(forty_pings "no callers")
in_a "$HELPERS/ctlsock" silent "$addr" 8 8 &
hammer=$!
PIDS+=("$hammer")
sleep 0.5
ms=$(forty_pings "while silent callers held the control socket")
echo "40 pings one after another: $base ms alone, $ms ms with 8 silent callers"
[ "$ms" -lt $((2 * base + 2000)) ] ||
    fail "40 pings took $ms ms with silent callers, $base ms without: the data path waited for them"
timeout 15 tail --pid="$hammer" -f /dev/null

note "show: valid JSON with version and status, the same counters as the text"
j=$(in_a "$VEILTUN" show vt0 --json)
echo "$j" | jq -e . >/dev/null || fail "show --json is not JSON: $j"
want_eq "tunnel version/status" '1/"ok"' \
    "$(echo "$j" | jq -c '.[0].tunnel.version')/$(echo "$j" | jq -c '.[0].tunnel.status')" "$j"
# Whole-number counters as "name value" lines, from JSON and from the text (a ratio is printed
# with two decimals in text; it is left out). Traffic of its own (IPv6 router solicitations)
# may change a counter between the two calls: a few tries.
from_json='.[0].tunnel | ([to_entries[]] + [(.dropped, .batches, .offload) | to_entries[]])
    | .[] | select((.value | type) == "number" and (.key | test("_per_") | not))
    | "\(.key) \(.value)"'
same=0
for _ in 1 2 3 4 5; do
    pairs_json=$(in_a "$VEILTUN" show vt0 --json | jq -r "$from_json" | grep -v '^version ' | sort)
    pairs_text=$(in_a "$VEILTUN" show vt0 | sed -n 's/^    [a-z]*: //p' | sed 's/^[a-z -]*; //' |
        tr ',' '\n' | sed 's/^ *//' | grep -v '_per_' | sort)
    pairs_json=$(echo "$pairs_json" | grep -v '^mtu ')
    [ "$pairs_json" = "$pairs_text" ] && { same=1; break; }
    sleep 0.2
done
[ "$same" = 1 ] || fail "text and JSON counters differ:$(diff <(echo "$pairs_json") <(echo "$pairs_text"))"
want_ge "counters compared" 15 "$(echo "$pairs_json" | wc -l)"

note "a local user squats the old abstract name and tries the socket file"
stop_tunnel a
as_nobody "$pub/ctlsock" serve @veiltun/vt0 60 >/tmp/vt-$TEST-$$-squat.out 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do grep -q ready /tmp/vt-$TEST-$$-squat.out && break; sleep 0.1; done
grep -q ready /tmp/vt-$TEST-$$-squat.out || fail "squatter: $(cat /tmp/vt-$TEST-$$-squat.out)"
out=$(as_nobody "$pub/ctlsock" serve "$sock" 1) && fail "user nobody could bind $sock: $out"
echo "nobody binding $sock: $out"
start_tunnel a
sleep 0.5
kill -0 "$PID_a" 2>/dev/null ||
    fail "the squatter kept tunnel a from starting: $(tail -n 3 /tmp/vt-$TEST-$$-a.log)"
text=$(in_a "$VEILTUN" show vt0)
printf '%s' "$text" | grep -q $'\e' && fail "show printed a terminal escape: $(printf '%q' "$text")"
printf '%s' "$text" | grep -q FORGED && fail "show printed the squatter's text: $text"
j=$(in_a "$VEILTUN" show vt0 --json)
echo "$j" | jq -e . >/dev/null || fail "show --json is not JSON with a squatter: $j"
want_eq "top-level keys" '["addresses","counters","group","index","mtu","mtu6","multi_queue","name","owner","persist","running","tunnel","up"]' \
    "$(echo "$j" | jq -c '.[0] | keys')" "$j"
want_eq "tunnel status with a squatter" '"ok"' "$(echo "$j" | jq -c '.[0].tunnel.status')" "$j"
stop_tunnel a

note "a socket whose listener is not root is not believed"
in_a "$VEILTUN" up vt0 --persist || fail "up vt0"
"$HELPERS/ctlsock" serve "$sock" 60 "$nobody" >/tmp/vt-$TEST-$$-fake.out 2>&1 &
fake=$!
PIDS+=("$fake")
for _ in $(seq 50); do grep -q ready /tmp/vt-$TEST-$$-fake.out && break; sleep 0.1; done
grep -q ready /tmp/vt-$TEST-$$-fake.out || fail "fake server: $(cat /tmp/vt-$TEST-$$-fake.out)"
text=$(in_a "$VEILTUN" show vt0)
printf '%s' "$text" | grep -q "neither root nor you" || fail "show believed a non-root socket: $text"
printf '%s' "$text" | grep -q FORGED && fail "show printed the fake socket's text: $text"
want_eq "tunnel status, non-root listener" '"untrusted"' \
    "$(in_a "$VEILTUN" show vt0 --json | jq -c '.[0].tunnel.status')"
kill "$fake"
in_a "$VEILTUN" down vt0 || fail "down vt0"
echo PASS
