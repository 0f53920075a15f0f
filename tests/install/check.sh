#!/usr/bin/env bash
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
ls "$prefix"/lib*/libveiltun.so.0 >/dev/null
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
# The tool and its manual come with the package unless the build left the tool out.
if grep -q '^VEILTUN_BUILD_TOOL:BOOL=ON$' "$build/CMakeCache.txt"; then
    test -f "$prefix/share/man/man1/veiltun.1"
    test -x "$prefix/bin/veiltun"
    LD_LIBRARY_PATH=$libdir "$prefix/bin/veiltun" --version >>"$log"
fi
# The shared library exports the API and nothing else.
bad=$(nm -D --defined-only "$libdir/libveiltun.so" | awk '{print $3}' | grep -v '^veiltun_' || true)
[ -z "$bad" ] || { echo "unexpected exports: $bad"; exit 1; }
echo PASS
