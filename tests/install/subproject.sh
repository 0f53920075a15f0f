#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# veiltun as a subproject: it builds inside another project, does not force its warnings on
# that project's code, installs nothing unless asked (VEILTUN_INSTALL), and installs its files
# when asked.  Usage: subproject.sh SOURCE_DIR WORK_PARENT
set -euo pipefail
src=$1
work=$(mktemp -d "$2/subproject.XXXXXX")
trap 'rm -rf "$work"' EXIT

build() { # build DIR [cmake args]
    local dir=$1
    shift
    cmake -S "$src/tests/install/subproject" -B "$dir" -G Ninja -DVEILTUN_SOURCE_DIR="$src" \
        -DCMAKE_C_FLAGS=-Werror "$@" >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
    cmake --build "$dir" >>"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
}

build "$work/b"
"$work/b/parent_app"
cmake --install "$work/b" --prefix "$work/p" >/dev/null
found=$(cd "$work/p" && find . -type f | sort)
[ "$found" = "./bin/parent_app" ] || { echo "installed more than the parent's program:"; echo "$found"; exit 1; }

build "$work/b" -DVEILTUN_INSTALL=ON
cmake --install "$work/b" --prefix "$work/p2" >/dev/null
test -f "$work/p2/include/veiltun.h"
echo PASS
