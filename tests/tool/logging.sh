#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The library's log reaches the user: when a call fails, the kernel's own explanation (its
# extended ack) is on stderr; a command that succeeds says nothing, even when it tolerated a
# failure on the way; -v prints every line as it comes.
TEST=logging
. "$(dirname "$0")/lib.sh"

note "a refused route: the kernel's extended ack is shown"
in_a "$VEILTUN" up vtl0 --persist --addr 10.74.0.1/24 || fail "up vtl0"
err=$(in_a "$VEILTUN" up vtl0 --route 192.0.2.0/24,via=172.16.9.9 2>&1 >/dev/null)
want_eq "exit status of up with an unreachable gateway" 1 $?
echo "$err"
echo "$err" | grep -q "Nexthop has invalid gateway" ||
    fail "the kernel's extended ack is missing from stderr: $err"
echo "$err" | tail -n 1 | grep -q "^veiltun: up: vtl0: 192.0.2.0/24: " ||
    fail "the tool's own message should come last: $err"

note "success stays quiet, also when a failure was tolerated (the address exists)"
err=$(in_a "$VEILTUN" up vtl0 --addr 10.74.0.1/24 2>&1 >/dev/null) || fail "second up failed: $err"
want_eq "stderr of a successful up" "" "$err"

note "-v: everything the library logs, as it comes"
err=$(in_a "$VEILTUN" -v up vtl0 --addr 10.74.0.1/24 2>&1 >/dev/null) || fail "up -v failed: $err"
echo "$err"
echo "$err" | grep -q "^veiltun: library error: vtl0: add address: .*exists" ||
    fail "-v did not show the tolerated failure: $err"
err=$(in_a "$VEILTUN" --verbose up vtl0 --route 192.0.2.0/24,via=172.16.9.9 2>&1 >/dev/null)
echo "$err" | grep -q "Nexthop has invalid gateway" || fail "--verbose lost the extended ack: $err"
expect "down vtl0" in_a "$VEILTUN" down vtl0
echo PASS
