#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The public header compiles for MSVC's ABI (clang's x86_64-pc-windows-msvc target, with
# Microsoft compatibility and pedantic warnings), as C11 and as C++17, importing from the DLL
# and not: a Visual C++ program can use the mingw-built DLL through the header (the DLL's
# functions are plain C with the platform's calling convention). Skips without clang.
#   Usage: header_msvc.sh INCLUDE_DIR SOURCE
set -euo pipefail
inc=$1 src=$2
command -v clang >/dev/null || { echo "SKIP: no clang"; exit 77; }
for std in "c -std=c11" "c++ -std=c++17"; do
    for def in "" -DVEILTUN_USING_SHARED; do
        # shellcheck disable=SC2086
        clang --target=x86_64-pc-windows-msvc -ffreestanding -fms-compatibility -fsyntax-only \
            -Wall -Wextra -Werror -pedantic $def -I"$inc" -x $std "$src"
    done
done
echo PASS
