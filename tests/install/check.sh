#!/usr/bin/env bash
# The installed package works for others: `cmake --install` into a scratch prefix, then a
# consumer built with find_package(veiltun) (shared and static) and with pkg-config
# (shared and --static), each run.  Usage: check.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d "$build/install-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/veiltun.h"
ls "$prefix"/lib*/libveiltun.so.0 >/dev/null
libdir=$(dirname "$(ls "$prefix"/lib*/libveiltun.a)")

cmake -S "$src/consumer" -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
LD_LIBRARY_PATH=$libdir "$work/cmake/consumer_shared"
"$work/cmake/consumer_static"

export PKG_CONFIG_PATH=$libdir/pkgconfig
cc "$src/consumer.c" -o "$work/pc_shared" $(pkg-config --cflags --libs veiltun)
LD_LIBRARY_PATH=$libdir "$work/pc_shared"
cc "$src/consumer.c" -o "$work/pc_static" -static-libgcc $(pkg-config --cflags veiltun) \
    "$libdir/libveiltun.a" $(pkg-config --libs --static veiltun | sed 's/-lveiltun//')
"$work/pc_static"
test -f "$prefix/share/man/man1/veiltun.1"
test -x "$prefix/bin/veiltun"
# The shared library exports the API and nothing else.
bad=$(nm -D --defined-only "$libdir/libveiltun.so" | awk '{print $3}' | grep -v '^veiltun_' || true)
[ -z "$bad" ] || { echo "unexpected exports: $bad"; exit 1; }
echo PASS
