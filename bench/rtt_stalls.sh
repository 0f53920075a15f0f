#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Where a slow ping's time went: brings one variant up with bench/peers.sh, records every
# scheduler event of the machine (perf sched) while PINGS pings go through the idle tunnel
# PING_I s apart, and for each ping slower than SLOW_MS finds the longest stretch inside its
# flight in which no CPU of the machine switched or woke a task. A stretch about as long as
# the excess RTT means the machine itself did not run (a virtual machine's host held its
# virtual CPUs): nothing in the tunnel could have run either. Compare with bench/stalls.
# Prints one line per slow ping and a summary; keeps the raw data in OUT.
# usage:  sudo bench/rtt_stalls.sh [variant]      (default veiltun; needs perf, python3)
# env:    PINGS=3000 PING_I=0.01 SLOW_MS=1 OUT=build/bench/rtt_stalls
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-veiltun}
PINGS=${PINGS:-3000} PING_I=${PING_I:-0.01} SLOW_MS=${SLOW_MS:-1}
OUT=$(realpath -m "${OUT:-build/bench/rtt_stalls}")
command -v perf >/dev/null || { echo "rtt_stalls: needs perf (apt-get install linux-perf)" >&2; exit 1; }
export VEILTUN=${VEILTUN:-$PWD/build/bench/tools/veiltun/veiltun}
mkdir -p "$OUT"
rm -f "$OUT/ping.txt" "$OUT/events.txt" "$OUT/offset"
# perf's file goes to memory: writing it to a disk would itself stall the tunnel's CPUs.
data=$(mktemp /dev/shm/rtt_stalls.XXXXXX)
trap 'rm -f "$data"' EXIT

# The hook (peers.sh runs it with the variant up; NSA and DST exported). The offset turns
# ping's wall-clock stamps into the monotonic clock perf records with.
hook='
python3 -c "import time; print(time.clock_gettime(time.CLOCK_REALTIME) - time.clock_gettime(time.CLOCK_MONOTONIC))" >"$OUT/offset"
perf sched record -k CLOCK_MONOTONIC -o "$DATA" -- \
    ip netns exec "$NSA" ping -D -n -c "$PINGS" -i "$PING_I" -W 1 "$DST" >"$OUT/ping.txt" 2>&1
'
export OUT PINGS PING_I
DATA=$data MEASURE=0 HOOK=$hook HOOK_TIMEOUT=$((PINGS / 50 + 120)) bench/peers.sh "$variant" \
    >"$OUT/peers.log" 2>&1 || { tail -n 20 "$OUT/peers.log"; exit 1; }
[ -s "$OUT/ping.txt" ] || { echo "rtt_stalls: no ping output (see $OUT/peers.log)" >&2; exit 1; }
perf sched timehist -w -i "$data" 2>/dev/null | awk '$1 ~ /^[0-9]+\.[0-9]+$/ {print $1}' \
    >"$OUT/events.txt"

python3 - "$OUT" "$SLOW_MS" <<'PY'
import bisect, re, statistics, sys
out, slow_ms = sys.argv[1], float(sys.argv[2])
offset = float(open(out + "/offset").read())
events = sorted(float(x) for x in open(out + "/events.txt"))
pings = []
for line in open(out + "/ping.txt"):
    m = re.match(r"\[(\d+\.\d+)\].*icmp_seq=(\d+).*time=([\d.]+) ms", line)
    if m:
        pings.append((float(m.group(1)) - offset, int(m.group(2)), float(m.group(3)) / 1e3))

def longest_quiet(lo, hi):
    """The longest stretch in [lo, hi] with no scheduler event on any CPU."""
    i, j = bisect.bisect_left(events, lo), bisect.bisect_right(events, hi)
    points = [lo] + events[i:j] + [hi]
    return max(b - a for a, b in zip(points, points[1:]))

# ping prints a reply after it has been woken for it: the flight ends a little before.
slow, normal = [], []
for printed, seq, rtt in pings:
    end = printed - 0.0002
    quiet = longest_quiet(end - rtt, end)
    (slow if rtt * 1e3 > slow_ms else normal).append((seq, rtt * 1e3, quiet * 1e3))
print("seq\trtt_ms\tlongest_quiet_ms")
for s in slow:
    print("%d\t%.2f\t%.2f" % s)
explained = sum(1 for _, rtt, q in slow if q >= 0.8 * (rtt - 0.4))
print("%d pings, %d above %.1f ms; %d of those had a stretch with no scheduler event on any CPU"
      " of at least 0.8 x (RTT - 0.4 ms)" % (len(pings), len(slow), slow_ms, explained))
if normal:
    print("the other pings: longest such stretch median %.3f ms, max %.3f ms"
          % (statistics.median(q for *_, q in normal), max(q for *_, q in normal)))
PY
