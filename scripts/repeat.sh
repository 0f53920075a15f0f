#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The flake hunt: runs a built test suite N times in a row, in parallel (ctest -j$(nproc)
# unless the arguments say otherwise), and reports every failing test with its run number.
#
#   scripts/repeat.sh N BUILD_DIR [ctest arguments...]
#   scripts/repeat.sh 10 build/ci                       # the Linux suite, ten times
#   scripts/repeat.sh 10 build/windows -L windows       # the Wine tests only
#   scripts/repeat.sh 10 build/tsan -R 'unit.queue|priv.cancel'
#
# Build the suite first (scripts/test.sh builds build/ci, build/windows, build/tsan and
# build/asan). Each failing run's output is kept in BUILD_DIR/repeat/run-K.log, and ctest's
# own record of it (commands, exit codes) in run-K.ctest.log. Exit status:
# 0 if every run passed, 1 otherwise.
set -uo pipefail

if [ $# -lt 2 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ]; then
    echo "usage: $0 N BUILD_DIR [ctest arguments...]" >&2
    exit 2
fi
runs=$1
dir=$2
shift 2
if [ ! -f "$dir/CTestTestfile.cmake" ]; then
    echo "repeat: $dir is not a configured build directory (build it first)" >&2
    exit 2
fi
args=("$@")
case " ${args[*]:-} " in
*" -j"* | *" --parallel"*) ;;
*) args=(-j"$(nproc)" "${args[@]}") ;;
esac

mkdir -p "$dir/repeat"
failed_runs=0
declare -A failures=()
start=$(date +%s)
for k in $(seq 1 "$runs"); do
    log="$dir/repeat/run-$k.log"
    t0=$(date +%s)
    if ctest --test-dir "$dir" --output-on-failure "${args[@]}" >"$log" 2>&1; then
        printf 'run %2d/%d: pass (%d s)\n' "$k" "$runs" "$(($(date +%s) - t0))"
        rm -f "$log"
        continue
    fi
    failed_runs=$((failed_runs + 1))
    cp "$dir/Testing/Temporary/LastTest.log" "$dir/repeat/run-$k.ctest.log" 2>/dev/null
    names=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (.*)$/\1/p' "$log" | tr '\n' ' ')
    printf 'run %2d/%d: FAIL (%d s): %s(log: %s)\n' "$k" "$runs" "$(($(date +%s) - t0))" \
        "${names:-see log }" "$log"
    for n in $names; do
        failures[$n]=$((${failures[$n]:-0} + 1))
    done
done
echo "repeat: $((runs - failed_runs))/$runs runs passed in $(($(date +%s) - start)) s" \
    "(ctest ${args[*]})"
for n in "${!failures[@]}"; do
    echo "  $n failed in ${failures[$n]} run(s)"
done
[ "$failed_runs" -eq 0 ]
