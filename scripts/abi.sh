#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The library's ABI against the committed baseline (abi/libveiltun.abi), with libabigail.
#   scripts/abi.sh check BUILD_DIR   fails (1) on a change that breaks programs built against
#                                    the baseline, and when the soname moved but the baseline
#                                    did not; skips (77) without abidiff or debug information
#   scripts/abi.sh dump BUILD_DIR    writes the baseline from BUILD_DIR's libveiltun.so: do it
#                                    when the version moves (a new soname before 1.0)
# Only the public header's types count (--headers-dir), so internal structures may change.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=$1 build=$2
lib=$(readlink -f "$build/libveiltun.so")
baseline=abi/libveiltun.abi
command -v abidw >/dev/null && command -v abidiff >/dev/null ||
    { echo "SKIP: abidw/abidiff not installed (Debian: abigail-tools)"; exit 77; }
readelf -S "$lib" | grep -q '\.debug_info' ||
    { echo "SKIP: $lib has no debug information (build with -g)"; exit 77; }

# The public types only, without paths: the same text whichever directory built it.
dump() {
    abidw --headers-dir include --drop-private-types --no-show-locs --no-corpus-path \
        --no-comp-dir-path --out-file "$1" "$lib"
}

case $mode in
dump)
    dump "$baseline"
    echo "wrote $baseline ($(grep -c '<elf-symbol ' "$baseline") symbols)"
    ;;
check)
    want=$(grep -oE "soname='[^']*'" "$baseline" | head -1 | cut -d"'" -f2)
    have=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
    [ "$want" = "$have" ] || {
        echo "FAIL: the soname is $have, the baseline's $want: run scripts/abi.sh dump"
        exit 1
    }
    dump "$build/abi-current.xml"
    set +e
    abidiff --no-added-syms "$baseline" "$build/abi-current.xml" >"$build/abidiff.txt"
    status=$?
    set -e
    # abidiff's exit status is a bit mask: 1-2 = it failed, 4 = the ABI changed (a type's
    # layout, a function's signature), 8 = incompatibly (a symbol removed). Functions added
    # are not changes here (--no-added-syms): programs built against the baseline still work.
    if [ $status -ne 0 ]; then
        cat "$build/abidiff.txt"
        echo "FAIL: the ABI differs from the $want baseline: keep it, or move the version (a new"
        echo "      minor before 1.0, so a new soname) and run scripts/abi.sh dump"
        exit 1
    fi
    echo "PASS: compatible with the $want baseline"
    ;;
*)
    echo "usage: $0 check|dump BUILD_DIR" >&2
    exit 2
    ;;
esac
