#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Windows DLL exports exactly the functions the header declares (the list the Linux
# library's version script exports), read from its export table; and a program linked with the
# static library exports none of them (the static library is not built as the DLL).
#   Usage: dll_exports.sh DLL HEADER OBJDUMP STATIC_PROGRAM
set -euo pipefail
dll=$1 header=$2 objdump=$3 program=$4
declared=$(grep -oE 'VEILTUN_API .*\bveiltun_[a-z0-9_]+\(' "$header" |
    grep -oE 'veiltun_[a-z0-9_]+\($' | tr -d '(' | sort -u)
exported=$("$objdump" -p "$dll" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' | tail -n +2 |
    grep -oE '\] [A-Za-z_][A-Za-z0-9_]*$' | cut -c3- | sort -u)
if [ "$declared" != "$exported" ]; then
    echo "DLL exports differ from the header (< header, > DLL):"
    diff <(echo "$declared") <(echo "$exported") || true
    exit 1
fi
leaked=$("$objdump" -p "$program" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
    grep -oE 'veiltun_[a-z0-9_]+' || true)
[ -z "$leaked" ] || { echo "a program linked with the static library exports: $leaked"; exit 1; }
echo "PASS: $(echo "$exported" | wc -l) exports"
