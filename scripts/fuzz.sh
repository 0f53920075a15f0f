#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (fuzz/, clang with ASan+UBSan) and runs each for SECONDS
# (default 60) on a scratch copy of its committed seed corpus, one after the other. Exits
# non-zero if any target crashed, leaked, hit a sanitizer report or broke an invariant; the
# input that did it is kept in build/fuzz/findings/. One summary line per target.
#   scripts/fuzz.sh [SECONDS]            as CI runs it (CI: 45 s each)
#   scripts/fuzz.sh --merge [SECONDS]    also merge new interesting inputs into fuzz/corpus/
set -uo pipefail
cd "$(dirname "$0")/.."
merge=0
if [ "${1:-}" = "--merge" ]; then
    merge=1
    shift
fi
seconds=${1:-60}
build=build/fuzz
findings=$build/findings

cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DVEILTUN_BUILD_FUZZ=ON \
    -DVEILTUN_BUILD_TESTS=OFF -DVEILTUN_BUILD_TOOL=OFF -DVEILTUN_BUILD_EXAMPLES=OFF \
    -DVEILTUN_WERROR=ON >/dev/null || exit 1
cmake --build "$build" >/dev/null || { cmake --build "$build"; exit 1; }
mkdir -p "$findings"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=()
# Every target that was built, so one without a corpus fails here instead of being skipped.
for bin in "$build"/fuzz/fuzz_*; do
    t=${bin##*/fuzz_}
    mkdir -p "$work/$t"
    if ! cp fuzz/corpus/"$t"/* "$work/$t/"; then
        printf 'fuzz %-9s %10s: FAILED (no seed corpus in fuzz/corpus/%s)\n' "$t" - "$t"
        failed+=("$t")
        continue
    fi
    log=$work/$t.log
    timeout $((seconds + 60)) "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/$t-" "$work/$t" \
        >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ "$rc" -eq 0 ]; then
        printf 'fuzz %-9s %10s executions in %s s: ok\n' "$t" "${execs:-?}" "$seconds"
    else
        printf 'fuzz %-9s %10s executions: FAILED (exit %s)\n' "$t" "${execs:-?}" "$rc"
        grep -E "ERROR|invariant|runtime error|SUMMARY|Test unit written" "$log" | head -n 8 |
            sed 's/^/    /'
        failed+=("$t")
    fi
    if [ "$merge" = 1 ] && [ "$rc" -eq 0 ]; then
        "$build/fuzz/fuzz_$t" -merge=1 "fuzz/corpus/$t" "$work/$t" >/dev/null 2>&1
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (inputs in $findings)"
    exit 1
fi
