#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The C++ header compiles cleanly with clang++ and g++ as C++17 and C++20: the header alone
# under the warnings a strict user might turn on, the README's example, and (clang++ only: the
# build itself compiles them with g++) the C++ tests and example. Syntax only, no linking, so
# it is cheap. Skips (77) without clang++. Usage: compilers.sh SOURCE_DIR
set -euo pipefail
src=$1
command -v clang++ >/dev/null || { echo "SKIP: no clang++"; exit 77; }
strict=(-Wall -Wextra -Werror -pedantic -Wshadow -Wconversion -Wsign-conversion
        -Wold-style-cast -Wnon-virtual-dtor -Wundef)
normal=(-Wall -Wextra -Werror -pedantic -Wshadow)
inc=(-I"$src/include" -I"$src/tests/common" -I"$src/tests/priv")
status=0
readme=$(mktemp --suffix=.cpp)
trap 'rm -f "$readme"' EXIT
{
    echo '#include "veiltun.hpp"'
    echo 'void send_to_peer(veil::const_bytes packet);'
    echo 'void readme_example();'
    echo 'void readme_example() {'
    sed -n '/^```cpp$/,/^```$/p' "$src/README.md" | sed '1d;$d'
    echo '}'
} >"$readme"
grep -q veil:: "$readme" || { echo "FAIL: no C++ example in README.md"; exit 1; }
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
    (void)dev.addresses(ec);
    (void)veil::list();
    (void)veil::list(ec);
    (void)veil::query_addresses("vt0", ec);
    (void)veil::format_prefix(veil::parse_prefix("10.0.0.1/8"), ec);
    dev.add_route("10.0.0.0/8");
}
CPP
        # The README's C++ example, inside a function.
        run "${normal[@]}" "${inc[@]}" -x c++ "$readme"
        # The tests and the example, as they are built, with the usual warnings (g++ builds
        # them in the build itself).
        [ "$cxx" = g++ ] && continue
        for f in "$src"/tests/cpp/*.cpp "$src"/examples/*.cpp; do
            run "${normal[@]}" "${inc[@]}" -D_GNU_SOURCE "$f"
        done
    done
done
[ $status -eq 0 ] && echo PASS
exit $status
