#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every bad argument exits 2 with one line on stderr that names the problem; -h and
# --version exit 0. Needs no privileges: nothing gets far enough to touch the system.
# Usage: cli.sh TOOL  or  cli.sh EMULATOR TOOL (e.g. wine-run.sh veiltun.exe).
set -u
VEILTUN=("$@")
failures=0

check() { # check EXPECTED_STATUS PATTERN ARGS...
    local want=$1 pattern=$2; shift 2
    local err status
    err=$("${VEILTUN[@]}" "$@" 2>&1 >/dev/null)
    status=$?
    if [ "$status" != "$want" ]; then
        echo "FAIL: veiltun $* exited $status, want $want ($err)"; failures=$((failures + 1))
    elif [ "$want" = 2 ] && { [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] ||
            ! printf '%s' "$err" | grep -q -- "$pattern"; }; then
        echo "FAIL: veiltun $*: message '$err' should be one line naming '$pattern'"
        failures=$((failures + 1))
    fi
}

T="--dev vt0 --addr 10.0.0.1/24 --listen :5555 --peer 192.0.2.1:5555"
check 2 "unknown command 'frobnicate'" frobnicate
check 2 "unknown option '--bogus'" up vt0 --bogus
check 2 "unknown option '--bogus'" tunnel $T --bogus
check 2 "bad --addr '10.0.0/24'" up vt0 --addr 10.0.0/24
check 2 "bad --addr '10.0.0.1/33'" up vt0 --addr 10.0.0.1/33
check 2 "bad --addr 'fd00::1/129'" tunnel --dev vt0 --addr fd00::1/129 --listen :5555 --peer 192.0.2.1:5555
check 2 "bad --route '10.0.0.1/24'" up vt0 --route 10.0.0.1/24
check 2 "bad --route" up vt0 --route 10.0.0.0/24,via
check 2 "bad --listen ':0'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen :0 --peer 192.0.2.1:5555
check 2 "bad --listen ':70000'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen :70000 --peer 192.0.2.1:5555
check 2 "bad --peer '192.0.2.1'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen :5555 --peer 192.0.2.1
check 2 "bad --peer '192.0.2.1:x'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen :5555 --peer 192.0.2.1:x
check 2 "missing --peer" tunnel --dev vt0 --addr 10.0.0.1/24 --listen :5555
check 2 "missing --dev" tunnel --addr 10.0.0.1/24 --listen :5555 --peer 192.0.2.1:5555
check 2 "missing --addr" tunnel --dev vt0 --listen :5555 --peer 192.0.2.1:5555
check 2 "missing --listen" tunnel --dev vt0 --addr 10.0.0.1/24 --peer 192.0.2.1:5555
check 2 "same IP version" tunnel $T --listen '[::]:5555'
check 2 "bad --mtu '67'" up vt0 --mtu 67
check 2 "bad --mtu '65536'" tunnel $T --mtu 65536
check 2 "bad --mtu 'abc'" up vt0 --mtu abc
check 2 "needs a value" up vt0 --mtu
check 2 "bad device name 'veil0123456789ab'" up veil0123456789ab
check 2 "bad --dev 'veil0123456789ab'" tunnel --dev veil0123456789ab --addr 10.0.0.1/24 --listen :5555 --peer 192.0.2.1:5555
check 2 "bad device name 'a/b'" down a/b
check 2 "missing device NAME" up
check 2 "missing device NAME" down
check 2 "bad --user 'no-such-user-xyz'" tunnel $T --user no-such-user-xyz
check 2 "bad --owner 'no-such-user-xyz'" up vt0 --owner no-such-user-xyz
check 2 "bad --stats-interval '0'" tunnel $T --stats-interval 0
check 2 "bad --queues '0'" tunnel $T --queues 0
check 2 "bad --queues '9'" tunnel $T --queues 9
for bad in 0 10001 -5 1.5 abc ''; do
    check 2 "bad --busy-poll '$bad'" tunnel $T --busy-poll "$bad"
done
check 2 "unexpected argument 'extra'" tunnel $T --busy-poll 10000 extra
# --ring-capacity: a power of two from 128 KiB to 64 MiB, in bytes or with K/M (1024-based).
for bad in 0 131071 196608 64K 128k0 0x20000 128KB 128KiB 128G 65M 134217728 -128K K '' \
    99999999999999999999M; do
    check 2 "bad --ring-capacity '$bad'" tunnel $T --ring-capacity "$bad"
done
# Good values pass the parser, which then stops at the stray argument (nothing is opened).
for good in 131072 128K 128k 512K 2M 8m 64M 67108864; do
    check 2 "unexpected argument 'extra'" tunnel $T --ring-capacity "$good" --ring-grow extra
done
check 2 "unexpected argument 'extra'" list extra
check 2 "unexpected argument 'extra'" show vt0 extra
check 2 "unknown option '--bogus'" list --bogus
check 2 "unknown option '--bogus'" show --bogus
check 2 "bad device name 'veil0123456789ab'" show veil0123456789ab
check 2 "bad device name 'veil0123456789ab'" down veil0123456789ab
check 2 "bad device name 'vt 0'" up "vt 0"
check 2 "got 'vt1' too" up vt0 vt1
check 2 "'--addr' needs a value" tunnel --dev vt0 --addr
check 2 "'--peer' needs a value" tunnel --dev vt0 --addr 10.0.0.1/24 --listen :5555 --peer
check 2 "'--route' needs a value" up vt0 --route
check 2 "bad --addr 'fd00::zz/64'" up vt0 --addr fd00::zz/64
check 2 "bad --addr '10.0.0.1/24x'" tunnel --dev vt0 --addr 10.0.0.1/24x --listen :5555 --peer 192.0.2.1:5555
check 2 "bad --route '10.0.0.0/24,via=fd00::1'" up vt0 --route 10.0.0.0/24,via=fd00::1
check 2 "bad --route '10.0.0.0/24,metric=x'" up vt0 --route 10.0.0.0/24,metric=x
check 2 "bad --route '10.0.0.0/24,mtu=9'" up vt0 --route 10.0.0.0/24,mtu=9
check 2 "bad --listen 'fd00::1:5555'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen fd00::1:5555 --peer '[fd00::2]:5555'
check 2 "bad --listen '10.0.0.1'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen 10.0.0.1 --peer 192.0.2.1:5555
check 2 "bad --listen 'host.invalid:5555'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen host.invalid:5555 --peer 192.0.2.1:5555
check 2 "bad --peer ':5555'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen :5555 --peer :5555
check 2 "bad --peer '192.0.2.1:0'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen :5555 --peer 192.0.2.1:0
check 2 "bad --peer '\\[fd00::1\\]5555'" tunnel --dev vt0 --addr 10.0.0.1/24 --listen :5555 --peer '[fd00::1]5555'
check 2 "bad --mtu '-1'" up vt0 --mtu -1
check 2 "bad --mtu '1500x'" tunnel $T --mtu 1500x
check 2 "bad --stats-interval '86401'" tunnel $T --stats-interval 86401
check 2 "bad --group 'no-such-group-xyz'" tunnel $T --group no-such-group-xyz
check 2 "bad --group 'no-such-group-xyz'" up vt0 --group no-such-group-xyz
check 2 "too many --addr" tunnel $T --addr 10.0.0.2/24 --addr 10.0.0.3/24 --addr 10.0.0.4/24 \
    --addr 10.0.0.5/24 --addr 10.0.0.6/24 --addr 10.0.0.7/24 --addr 10.0.0.8/24 --addr 10.0.0.9/24
check 2 "unexpected argument 'extra'" tunnel $T extra
[ -n "${VEILTUN_CLI_WINDOWS:-}" ] || check 2 "bad --size '0'" demo --size 0
check 0 "" --version
check 0 "" -h
check 0 "" tunnel -h
check 0 "" up --help

# Every option a command's -h advertises is one its parser knows. Two stray arguments make
# sure nothing runs even when the option is accepted (they are a usage error of their own).
cmds="up down show list tunnel"
[ -n "${VEILTUN_CLI_WINDOWS:-}" ] || cmds="$cmds demo"
for cmd in $cmds; do
    for opt in $("${VEILTUN[@]}" "$cmd" -h | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        err=$("${VEILTUN[@]}" "$cmd" "$opt" stray1 stray2 2>&1 >/dev/null)
        status=$?
        if [ "$status" != 2 ] || printf '%s' "$err" | grep -q "unknown option"; then
            echo "FAIL: 'veiltun $cmd -h' advertises $opt; 'veiltun $cmd $opt stray1 stray2'" \
                "should exit 2 complaining about the strays or the value, saw $status: $err"
            failures=$((failures + 1))
        fi
    done
done
[ "$("${VEILTUN[@]}" --version | tr -d '\r')" = "veiltun ${VEILTUN_VERSION:?set by ctest from the header}" ] || { echo "FAIL: --version"; failures=$((failures + 1)); }
"${VEILTUN[@]}" >/dev/null 2>&1; [ $? = 2 ] || { echo "FAIL: no arguments should exit 2"; failures=$((failures + 1)); }
[ "$failures" = 0 ] && echo PASS
exit $((failures > 0))
