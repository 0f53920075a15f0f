#!/usr/bin/env bash
# The whole test suite, as CI runs it (needs root for the privileged tests, which otherwise
# skip): formatting; the build with warnings as errors and every Linux test; the Windows
# backend cross-built with mingw-w64 and tested under Wine; the threaded tests under TSan;
# every fuzz target for FUZZ_SECONDS (45) each; then every Linux test again under
# ASan+UBSan. The last lines are ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
failed=()

scripts/setup.sh --all

step() { printf '\n==== %s\n' "$*"; }

step "format (clang-format)"
if ! git ls-files '*.c' '*.h' '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror; then
    failed+=(format)
fi

step "build and test (warnings are errors)"
cmake -S . -B build/ci -G Ninja -DVEILTUN_WERROR=ON >/dev/null
cmake --build build/ci -j"$jobs"
ctest --test-dir build/ci --output-on-failure -j"$jobs" || failed+=(tests)

step "Windows: mingw-w64 build, tests under Wine"
cmake -S . -B build/windows -G Ninja -DVEILTUN_WERROR=ON \
    -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake >/dev/null
cmake --build build/windows -j"$jobs"
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

step "everything again under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -G Ninja -DVEILTUN_WERROR=ON -DVEILTUN_ASAN=ON -DVEILTUN_UBSAN=ON \
    >/dev/null
cmake --build build/asan -j"$jobs"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "earlier steps failed: ${failed[*]}"
fi
ctest --test-dir build/asan --output-on-failure -j"$jobs" || failed+=(asan)
[ "${#failed[@]}" -eq 0 ]
