#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The C++ header compiles cleanly with each C++ compiler there is (clang++, g++) as C++17 and
# C++20, with the warnings a strict user might turn on: the header alone, the C++ tests and
# the example. Syntax only (no linking), so it is cheap. Skips (77) without clang++, which is
# the compiler the build itself does not use. Usage: compilers.sh SOURCE_DIR
set -euo pipefail
src=$1
command -v clang++ >/dev/null || { echo "SKIP: no clang++"; exit 77; }
strict=(-Wall -Wextra -Werror -pedantic -Wshadow -Wconversion -Wsign-conversion
        -Wold-style-cast -Wnon-virtual-dtor -Wundef)
normal=(-Wall -Wextra -Werror -pedantic -Wshadow)
inc=(-I"$src/include" -I"$src/tests/common" -I"$src/tests/priv")
status=0
for cxx in clang++ g++; do
    command -v "$cxx" >/dev/null || continue
    for std in c++17 c++20; do
        run() {
            if ! "$cxx" -std=$std -fsyntax-only "$@"; then
                echo "FAIL: $cxx -std=$std $*"
                status=1
            fi
        }
        # The header alone, every template instantiated, under the strict set.
        run "${strict[@]}" "${inc[@]}" -x c++ - <<'CPP'
#include "veiltun.hpp"
#include <array>
#include <vector>
void use(veil::device &dev, std::vector<std::uint8_t> &v, std::array<std::uint8_t, 4> &a,
         const std::vector<std::uint8_t> &cv);
void use(veil::device &dev, std::vector<std::uint8_t> &v, std::array<std::uint8_t, 4> &a,
         const std::vector<std::uint8_t> &cv)
{
    std::uint8_t raw[8] = {};
    veiltun_packet slots[2] = {veil::make_packet(v), veil::make_packet(raw)};
    std::error_code ec;
    veiltun_gso_info info{};
    veil::const_bytes c = veil::bytes(v);
    (void)dev.read(v);
    (void)dev.read(a, ec);
    (void)dev.write(cv);
    (void)dev.write(c.subspan(1).first(2), ec);
    (void)dev.read_gso(raw, info);
    (void)dev.write_gso(raw, info, ec);
    (void)dev.read_batch(slots);
    (void)dev.write_batch(slots, ec);
    (void)dev.wait(veil::device::forever);
    (void)dev.next_event();
    (void)dev.addresses();
    (void)veil::list();
    dev.add_route("10.0.0.0/8");
}
CPP
        # The tests and the example, as they are built, with the usual warnings.
        for f in "$src"/tests/cpp/*.cpp "$src"/examples/*.cpp; do
            run "${normal[@]}" "${inc[@]}" -D_GNU_SOURCE "$f"
        done
    done
done
[ $status -eq 0 ] && echo PASS
exit $status
