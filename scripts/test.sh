#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, as CI runs it (needs root for the privileged tests, which otherwise
# skip): formatting; the build with warnings as errors and every Linux test; the Windows
# backend cross-built with mingw-w64 and tested under Wine; the threaded tests under TSan;
# every fuzz target for FUZZ_SECONDS (45) each; the unit tests and a few privileged ones under
# valgrind; the Debian packages built, linted and used; then every Linux test again under
# ASan+UBSan. The last lines are ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
failed=()

scripts/setup.sh --all

step() { printf '\n==== %s\n' "$*"; }

step "format (clang-format) and licence lines (SPDX)"
if ! git ls-files '*.c' '*.h' '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror; then
    failed+=(format)
fi
scripts/spdx.sh || failed+=(spdx)

step "build and test (warnings are errors)"
cmake -S . -B build/ci -G Ninja -DVEILTUN_WERROR=ON >/dev/null
cmake --build build/ci -j"$jobs"
ctest --test-dir build/ci --output-on-failure -j"$jobs" || failed+=(tests)

step "Windows: mingw-w64 build, tests under Wine"
cmake -S . -B build/windows -G Ninja -DVEILTUN_WERROR=ON \
    -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake >/dev/null
cmake --build build/windows -j"$jobs"
# With them the bridged tests (label bridge: veiltun.exe, the library and the self-test for
# real Windows, veiltun_selftest.exe, under Wine against real traffic from the Linux side,
# using build/ci's helper; about 2 minutes, one at a time: they share a Wine prefix).
ctest --test-dir build/windows --output-on-failure -j"$jobs" || failed+=(windows)

step "threads under ThreadSanitizer"
# The SPSC queue (the Windows reader's hand-off), cancel/close against blocked waiters, the
# offload switches flipped under a running forwarder, multiqueue, the tunnel's workers, the C++
# reader thread stopped by cancel().
cmake -S . -B build/tsan -G Ninja -DCMAKE_C_COMPILER=clang -DVEILTUN_TSAN=ON \
    -DVEILTUN_BUILD_TOOL=ON -DVEILTUN_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/tsan -j"$jobs"
ctest --test-dir build/tsan --output-on-failure -j"$jobs" \
    -R 'unit.queue|unit.logger|priv.rename|priv.cancel|priv.offload|priv.multiqueue|priv.cpp|tool.queues' || failed+=(tsan)

step "fuzzing (libFuzzer with ASan+UBSan, every target, ${FUZZ_SECONDS:-45} s each)"
scripts/fuzz.sh "${FUZZ_SECONDS:-45}" || failed+=(fuzz)

step "valgrind: no uninitialised bytes to the kernel, no leaks (unit, a few priv tests)"
# valgrind sees what ASan does not: uninitialised bytes handed to a system call (a netlink
# request's padding once was). Every user who runs valgrind on a program of theirs sees ours.
# About 30 s; a test that skips (77, no CAP_NET_ADMIN) counts as passed.
vg_failed=0
for t in build/ci/tests/unit/test_unit_* \
    build/ci/tests/priv/test_priv_{open,addr,events,route,errors,mtu_updown}; do
    # unit.logger checks how threads interleave; valgrind runs one thread at a time (TSan and
    # the plain build run it).
    [ "$t" = build/ci/tests/unit/test_unit_logger ] && continue
    rc=0
    valgrind -q --error-exitcode=1 --leak-check=full "$t" >/dev/null 2>build/ci/valgrind.log ||
        rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        echo "valgrind: $t failed ($rc):"
        cat build/ci/valgrind.log
        vg_failed=1
    fi
done
[ "$vg_failed" -eq 0 ] || failed+=(valgrind)

step "Debian packages: dpkg-buildpackage, lintian, consumers built against their contents"
scripts/deb.sh build/deb || failed+=(deb)

step "everything again under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -G Ninja -DVEILTUN_WERROR=ON -DVEILTUN_ASAN=ON -DVEILTUN_UBSAN=ON \
    >/dev/null
cmake --build build/asan -j"$jobs"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "earlier steps failed: ${failed[*]}"
fi
ctest --test-dir build/asan --output-on-failure -j"$jobs" || failed+=(asan)
[ "${#failed[@]}" -eq 0 ]
