#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every source file git knows carries "SPDX-License-Identifier: MIT" in its first lines
# (after a #! line): C and C++ sources and headers, shell, Python, CMake, the linker script,
# the build's templates, man pages (not the one-line aliases), debian/rules. Fails with the
# list of files that lack it.
#   scripts/spdx.sh          check
#   scripts/spdx.sh --fix    add the line where it is missing, in the file's comment syntax
set -euo pipefail
cd "$(dirname "$0")/.."
fix=${1:-}
tag="SPDX-License-Identifier: MIT"

comment_for() { # the line to add, in the comment syntax of file $1
    case $1 in
    *.c | *.h | *.cpp | *.hpp | *.map) echo "/* $tag */" ;;
    *.1 | *.3) echo ".\\\" $tag" ;;
    *) echo "# $tag" ;;
    esac
}

missing=()
while IFS= read -r f; do
    [ -f "$f" ] || continue
    head -n 3 "$f" | grep -q "$tag" && continue
    # A man page alias is one ".so" line pointing at a page (man reads it only there).
    [ "$(wc -l <"$f")" -le 1 ] && grep -q '^\.so ' "$f" && continue
    missing+=("$f")
done < <(git ls-files -co --exclude-standard -- '*.c' '*.h' '*.cpp' '*.hpp' '*.sh' '*.py' \
    '*.cmake' '*.cmake.in' '*.pc.in' 'CMakeLists.txt' '*/CMakeLists.txt' '*.map' '*.1' '*.3' \
    'debian/rules' '.ci/run' | grep -v '^build/')

if [ "$fix" = --fix ]; then
    for f in "${missing[@]}"; do
        line=$(comment_for "$f")
        if head -n 1 "$f" | grep -q '^#!'; then
            { head -n 1 "$f"; echo "$line"; tail -n +2 "$f"; } >"$f.spdx"
        else
            { echo "$line"; cat "$f"; } >"$f.spdx"
        fi
        chmod --reference="$f" "$f.spdx"
        mv "$f.spdx" "$f"
    done
    echo "added the SPDX line to ${#missing[@]} files"
    exit 0
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "files without '$tag' in their first lines:"
    printf '  %s\n' "${missing[@]}"
    exit 1
fi
echo "SPDX: every source file has its licence line"
