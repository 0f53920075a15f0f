#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The installed package works for others: `cmake --install` into a scratch prefix, then a
# consumer built with find_package(veiltun) (shared and static) and with pkg-config
# (shared and --static), and a C++ one with pkg-config, each run.
# Usage: check.sh BUILD_DIR SOURCE_DIR [CFLAGS]
# CFLAGS: what consumers of a sanitizer build must be compiled with too.
set -euo pipefail
build=$1
src=$2
cflags=${3:-}
work=$(mktemp -d "$build/install-check.XXXXXX")
log=$work/log
trap 'status=$?; [ $status = 0 ] || cat "$log"; rm -rf "$work"; exit $status' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >"$log" 2>&1
test -f "$prefix/include/veiltun.h"
ls "$prefix"/lib*/libveiltun.so.0.1 >/dev/null
libdir=$(dirname "$(ls "$prefix"/lib*/libveiltun.a)")

cmake -S "$src/consumer" -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$cflags" >>"$log" 2>&1
cmake --build "$work/cmake" >>"$log" 2>&1
LD_LIBRARY_PATH=$libdir "$work/cmake/consumer_shared"
"$work/cmake/consumer_static"

export PKG_CONFIG_PATH=$libdir/pkgconfig
cc $cflags "$src/consumer.c" -o "$work/pc_shared" $(pkg-config --cflags --libs veiltun)
LD_LIBRARY_PATH=$libdir "$work/pc_shared"
cc $cflags "$src/consumer.c" -o "$work/pc_static" $(pkg-config --cflags veiltun) \
    "$libdir/libveiltun.a" $(pkg-config --libs --static veiltun | sed 's/-lveiltun//')
"$work/pc_static"
# The C++ header, from a C++ program (where there is a C++ compiler).
test -f "$prefix/include/veiltun.hpp"
if command -v c++ >/dev/null; then
    c++ -std=c++17 $cflags "$src/consumer.cpp" -o "$work/pc_cpp" $(pkg-config --cflags --libs veiltun)
    LD_LIBRARY_PATH=$libdir "$work/pc_cpp" >>"$log"
fi
# The C reference: every page and alias of docs/man3, an alias still pointing at its page.
man3=$prefix/share/man/man3
[ "$(ls "$man3" | wc -l)" = "$(ls "$src/../../docs/man3" | wc -l)" ] && test -f "$man3/veiltun.3" &&
    grep -qx '.so man3/veiltun_open.3' "$man3/veiltun_adopt.3" ||
    { echo "man3 pages not installed as in docs/man3: $(ls "$man3" 2>&1 | head -3)"; exit 1; }
# The tool and its manual come with the package unless the build left the tool out.
if grep -q '^VEILTUN_BUILD_TOOL:BOOL=ON$' "$build/CMakeCache.txt"; then
    test -f "$prefix/share/man/man1/veiltun.1"
    test -x "$prefix/bin/veiltun"
    # It finds its library from the prefix alone (a run path relative to itself).
    env -u LD_LIBRARY_PATH "$prefix/bin/veiltun" --version >>"$log"
    # man finds its page from PATH, as for any prefix.
    if command -v man >/dev/null; then
        page=$(env -u MANPATH PATH="$prefix/bin:$PATH" man -w veiltun)
        [ "$page" = "$prefix/share/man/man1/veiltun.1" ] ||
            { echo "man -w veiltun found '$page'"; exit 1; }
    fi
fi
# The licence and the examples' sources come along.
test -f "$prefix/share/doc/veiltun/LICENSE"
test -f "$prefix/share/doc/veiltun/examples/minimal.c"
# A consumer's find_package(veiltun) needs neither pkg-config nor libmnl's headers: the
# package's config files do not mention them.
! grep -rlE 'pkg_check_modules|PkgConfig|find_dependency\(PkgConfig' "$libdir/cmake/veiltun" ||
    { echo "the CMake package needs pkg-config"; exit 1; }
# The shared library exports exactly the functions the header declares, each with the version
# node of the release (the linker script), and nothing else; its soname carries MAJOR.MINOR.
declared=$(grep -oE 'VEILTUN_API .*\bveiltun_[a-z0-9_]+\(' "$src/../../include/veiltun.h" |
    grep -oE 'veiltun_[a-z0-9_]+\($' | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$libdir/libveiltun.so" | awk '$2 == "T" {print $3}' |
    sed 's/@.*//' | sort -u)
[ "$declared" = "$exported" ] ||
    { echo "exports differ from the header:"; diff <(echo "$declared") <(echo "$exported"); exit 1; }
other=$(nm -D --defined-only "$libdir/libveiltun.so" |
    awk '$2 != "T" && $3 !~ /^VEILTUN_[0-9]+\.[0-9]+$/ {print $3}')
[ -z "$other" ] || { echo "unexpected exports: $other"; exit 1; }
unversioned=$(objdump -T "$libdir/libveiltun.so" | awk '/ DF .text/ && !/VEILTUN_0\.1/')
[ -z "$unversioned" ] || { echo "exports without the VEILTUN_0.1 node: $unversioned"; exit 1; }
soname=$(objdump -p "$libdir/libveiltun.so" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = "libveiltun.so.${VEILTUN_SOVERSION:?}" ] || { echo "soname $soname"; exit 1; }
echo PASS
