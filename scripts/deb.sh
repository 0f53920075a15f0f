#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian packages (debian/) from this tree, runs lintian on them (errors fail),
# unpacks them into a scratch root, and builds and runs programs against exactly what they
# contain: a C program with pkg-config, one with find_package(veiltun) (shared and static),
# a C++ one, and the tool. Needs debhelper and lintian (scripts/setup.sh --all).
#   scripts/deb.sh [OUT_DIR]   (the .deb files are left in OUT_DIR, default build/deb)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
out=$(realpath -m "${1:-build/deb}")
rm -rf "$out"
mkdir -p "$out/tree"
# dpkg-buildpackage writes beside the source tree: build a copy of the files git knows.
git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T - | tar -xf - -C "$out/tree"
(cd "$out/tree" && dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1) ||
    { tail -n 40 "$out/build.log"; echo "FAIL: dpkg-buildpackage"; exit 1; }
debs=$(ls "$out"/*.deb | grep -v dbgsym)
echo "packages: $(for d in $debs; do basename "$d"; done | tr '\n' ' ')"

# lintian: errors fail; warnings and notes are shown.
status=0
lintian --fail-on error --display-info "$out"/*.changes >"$out/lintian.all" 2>&1 || status=$?
grep -v 'root privileges' "$out/lintian.all" >"$out/lintian.txt" || true
cat "$out/lintian.txt"
[ $status -eq 0 ] || { echo "FAIL: lintian (status $status)"; exit 1; }
echo "lintian: $(grep -c '^E:' "$out/lintian.txt" || true) errors, $(grep -c '^W:' "$out/lintian.txt" || true) warnings, $(grep -c '^I:' "$out/lintian.txt" || true) notes"

root=$out/root
for d in $debs; do dpkg-deb -x "$d" "$root"; done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=$root/usr/lib/$multiarch
test -e "$libdir/libveiltun.so.0.1"
objdump -p "$libdir/libveiltun.so.0.1" | grep -q 'SONAME *libveiltun.so.0.1'

# Consumers built against the unpacked packages only (the .pc and CMake files point at /usr,
# so they are told where the root is).
work=$out/consumers
mkdir -p "$work"
export LD_LIBRARY_PATH=$libdir
cc -I"$root/usr/include" "$src/tests/install/consumer.c" -L"$libdir" -lveiltun -o "$work/c"
"$work/c"
sed "s|^prefix=.*|prefix=$root/usr|" "$libdir/pkgconfig/veiltun.pc" >"$work/veiltun.pc"
cc "$src/tests/install/consumer.c" -o "$work/pc" $(PKG_CONFIG_PATH=$work pkg-config --cflags --libs veiltun)
"$work/pc"
cmake -S "$src/tests/install/consumer" -B "$work/cmake" -G Ninja \
    -DCMAKE_FIND_ROOT_PATH="$root" -DCMAKE_PREFIX_PATH="$root/usr" >"$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
"$work/cmake/consumer_shared"
"$work/cmake/consumer_static"
if command -v c++ >/dev/null; then
    printf '#include <veiltun.hpp>\nint main() { return veil::version()[0] == 0; }\n' >"$work/cpp.cpp"
    c++ -std=c++17 -I"$root/usr/include" "$work/cpp.cpp" -L"$libdir" -lveiltun -o "$work/cpp"
    "$work/cpp"
fi
"$root/usr/bin/veiltun" --version
test -f "$root/usr/share/man/man1/veiltun.1.gz"
echo PASS
