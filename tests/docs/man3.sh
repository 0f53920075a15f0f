#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/man3 matches include/veiltun.h. Every function the header declares with VEILTUN_API and
# every function-like veiltun_* macro has a page (or a `.so` alias to one) whose NAME lists it,
# whose SYNOPSIS shows the header's prototype (or #define line) exactly, whitespace aside, which
# mentions every VEILTUN_E* code the header's comment for that call mentions, and whose HISTORY
# gives the call's "Since:" version. Every VEILTUN_E* code is in veiltun_strerror.3 with its
# value; no page names a call the header no longer has; SEE ALSO names only existing pages;
# the .TH lines carry the header's version; groff formats every page without warnings (when
# groff is installed). Calls without a page are listed at the end. No privileges.
# Usage: man3.sh HEADER MAN3_DIR
set -u
HEADER=$1
MAN3=$2
failures=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }
[ -r "$HEADER" ] || { echo "FAIL: cannot read $HEADER"; exit 1; }
[ -d "$MAN3" ] || { echo "FAIL: no directory $MAN3"; exit 1; }

# Prototype text with the export macros dropped and whitespace normalised: one space between
# words, none just inside parentheses.
normalise() {
    sed -E 's/VEILTUN_API //g; s/VEILTUN_NODISCARD //g; s/[[:space:]]+/ /g; s/^ //; s/ $//;
            s/\( /(/g; s/ \)/)/g'
}
# Roff source as plain text: font escapes and the minus escape removed, macro names dropped.
roff_text() {
    sed -E 's/\\f[BIRP]//g; s/\\-/-/g; s/\\\(em/--/g; s/\\&//g; s/^\.[A-Za-z]+ ?//; s/"//g'
}
section() { # section FILE NAME: that section's roff source, without its .SH line
    awk -v s="$2" '/^\.SH / { on = ($0 == ".SH " s || $0 == ".SH \"" s "\"") ; next } on' "$1"
}
# The page a name's file stands for: itself, or the target of its `.so man3/X.3` line.
resolve() {
    local f=$MAN3/$1.3 first target=""
    [ -f "$f" ] || return 1
    IFS= read -r first <"$f"
    [[ $first == ".so man3/"* ]] && target=${first#.so man3/}
    if [ -n "$target" ]; then
        [ -f "$MAN3/$target" ] || return 1
        echo "$MAN3/$target"
    else
        echo "$f"
    fi
}
names_of() { # the names a page's NAME section lists
    section "$1" NAME | roff_text | tr '\n' ' ' | sed 's/ - .*//' | tr ',' '\n' | tr -d ' ' |
        grep -v '^$'
}

# One line per call: NAME<TAB>LINE<TAB>normalised prototype<TAB>codes its comment mentions.
# A call's comment is the comment block just above it (a veiltun_* macro between the two
# shares it); anything else between a comment and a declaration ends the comment's claim.
calls=$(awk '
    function codes(text,   out, t, all) {
        all = text; gsub(/[[:space:]]+/, " ", all)
        out = ""
        while (match(text, /VEILTUN_E[A-Z]+/)) {
            t = substr(text, RSTART, RLENGTH); text = substr(text, RSTART + RLENGTH)
            if (substr(text, 1, 1) == "_") continue # VEILTUN_EVENT_*, not a code
            if (index(" " out " ", " " t " ") == 0) out = out " " t
        }
        if (all ~ /common OS error/) out = out " common-OS-error"
        if (match(all, /Since: [0-9]+\.[0-9]+/)) out = out " since-" substr(all, RSTART + 7, RLENGTH - 7)
        return out
    }
    incomment { l = $0; sub(/^[[:space:]]*\*+/, "", l); comment = comment " " l; if ($0 ~ /\*\//) incomment = 0; next }
    /^[[:space:]]*\/\*/ { comment = $0; incomment = ($0 !~ /\*\//); next }
    decl != "" { decl = decl " " $0; if ($0 ~ /;/) { emit(decl); decl = "" } ; next }
    /^VEILTUN_API / { start = NR; decl = $0; if ($0 ~ /;/) { emit(decl); decl = "" } ; next }
    /^#define veiltun_[a-z0-9_]+\(/ {
        name = $2; sub(/\(.*/, "", name)
        printf "%s\t%d\t%s\t%s\n", name, NR, norm($0), codes(comment)
        next
    }
    /^[[:space:]]*$/ { next }
    { comment = "" }
    function norm(d) { # as normalise() does
        gsub(/VEILTUN_API |VEILTUN_NODISCARD /, "", d); gsub(/[[:space:]]+/, " ", d)
        sub(/^ /, "", d); sub(/ $/, "", d); gsub(/\( /, "(", d); gsub(/ \)/, ")", d)
        return d
    }
    function emit(d,   name) {
        name = d; sub(/\(.*/, "", name); sub(/.* \**/, "", name)
        printf "%s\t%d\t%s\t%s\n", name, start, norm(d), codes(comment)
        comment = ""
    }' "$HEADER")
[ -n "$calls" ] || bad "found no VEILTUN_API declarations in $HEADER"

# What each page says, worked out once: its NAME list, SYNOPSIS and whole text, as plain text.
declare -A page_names page_synopsis page_text page_history
for page in "$MAN3"/*.3; do
    grep -q '^\.so ' "$page" && continue
    page_names[$page]=" $(names_of "$page" | tr '\n' ' ') "
    page_synopsis[$page]=$(section "$page" SYNOPSIS |
        grep -v '^\.\(nf\|fi\|PP\|P\|br\|ad\|nh\|hy\)' | roff_text | tr '\n' ' ' | normalise)
    page_text[$page]=$(roff_text <"$page" | tr '\n' ' ' | tr -s ' ')
    page_history[$page]=$(section "$page" HISTORY | roff_text | tr '\n' ' ')
done

missing=""
while IFS=$'\t' read -r name line proto codes; do
    page=$(resolve "$name") && [ -n "${page_names[$page]+set}" ] || {
        bad "no page for $name ($HEADER:$line)"
        missing="$missing $name"
        continue
    }
    [[ ${page_names[$page]} == *" $name "* ]] ||
        bad "$name: $(basename "$page") does not list it in NAME"
    [[ ${page_synopsis[$page]} == *"$proto"* ]] ||
        bad "$name: the SYNOPSIS of $(basename "$page") lacks the header's prototype: $proto"
    for code in $codes; do
        if [[ $code == since-* ]]; then
            [[ ${page_history[$page]} == *" ${code#since-}"* ]] ||
                bad "$name: the header says Since: ${code#since-}, the HISTORY of $(basename "$page") does not"
            continue
        fi
        [ "$code" = common-OS-error ] && code="common OS error"
        [[ ${page_text[$page]} =~ (^|[^A-Za-z_])$code([^A-Za-z_]|$) ]] ||
            bad "$name: the header mentions $code for it, $(basename "$page") does not"
    done
done <<<"$calls"
if [ -n "$missing" ]; then
    echo "Calls without a page:$missing"
    echo "  Document them on a page in $MAN3 (NAME, SYNOPSIS with the header's prototype) and"
    echo "  give each name without a page of its own an alias $MAN3/NAME.3 reading"
    echo "  '.so man3/PAGE.3'."
fi

# No page names a call the header does not have (a removed or renamed one).
declare -A known
while IFS=$'\t' read -r name _; do known[$name]=1; done <<<"$calls"
for page in "${!page_names[@]}"; do
    for n in ${page_names[$page]}; do
        [ "$n" = veiltun ] || [ -n "${known[$n]+set}" ] ||
            bad "$(basename "$page") lists $n in NAME, the header declares no such call"
    done
done
for alias in "$MAN3"/*.3; do
    n=$(basename "$alias" .3)
    [ -n "${page_names[$alias]+set}" ] && continue
    [ -n "${known[$n]+set}" ] || bad "alias $n.3: the header declares no $n"
    mapfile -t lines <"$alias"
    [ "${#lines[@]}" = 1 ] || bad "alias $n.3 should hold its .so line alone"
done

# Every error code, with its value, on the veiltun_strerror page.
errors_text=${page_text[$MAN3/veiltun_strerror.3]-}
while read -r _ code value; do
    [[ $errors_text == *"$code $value"* ]] || bad "veiltun_strerror.3 lacks '$code $value'"
done < <(grep -oE '^#define VEILTUN_E[A-Z]+ +\(-[0-9]+\)' "$HEADER")

# SEE ALSO names existing veiltun pages; the overview names every page.
version=$(awk '/^#define VEILTUN_VERSION_(MAJOR|MINOR|PATCH) / { v = v (v == "" ? "" : ".") $3 }
               END { print v }' "$HEADER")
pages=""
for page in "$MAN3"/*.3; do
    grep -q '^\.so ' "$page" && continue
    base=$(basename "$page" .3)
    pages="$pages $base"
    head -n 5 "$page" | grep -q "^\.TH $(printf '%s' "$base" | tr a-z A-Z) 3 .*\"veiltun $version\"" ||
        bad "$base.3: the .TH line should read .TH ${base^^} 3 DATE \"veiltun $version\" ..."
    for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
        grep -Eq "^\.SH \"?$s\"?$" "$page" || bad "$base.3 has no $s section"
    done
    refs=$(section "$page" "SEE ALSO" | roff_text | grep -oE 'veiltun[a-z0-9_]* ?\([13]\)' | tr -d ' ')
    [ -n "$refs" ] || bad "$base.3: SEE ALSO names no veiltun page"
    for ref in $refs; do
        n=${ref%(*}
        s=${ref#*(}
        s=${s%)}
        if [ "$s" = 1 ]; then
            [ -f "$MAN3/../veiltun.1" ] || bad "$base.3: SEE ALSO names $ref, there is no docs/veiltun.1"
        else
            [ -f "$MAN3/$n.3" ] || bad "$base.3: SEE ALSO names $ref, there is no $n.3"
        fi
    done
done
overview_refs=$(section "$MAN3/veiltun.3" "SEE ALSO" | roff_text)
for p in $pages; do
    [ "$p" = veiltun ] && continue
    printf '%s\n' "$overview_refs" | grep -qE "\b$p ?\(3\)" || bad "veiltun.3's SEE ALSO lacks $p(3)"
done

if command -v groff >/dev/null; then
    # From the directory above man3, as man runs it. The aliases' targets are checked above.
    for page in "$MAN3"/*.3; do
        grep -q '^\.so ' "$page" && continue
        warnings=$(cd "$MAN3/.." && LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "man3/$(basename "$page")" 2>&1)
        [ -z "$warnings" ] || bad "groff warns on $(basename "$page"): $warnings"
    done
else
    echo "note: groff not installed (Debian: groff-base), formatting not checked"
fi
[ "$failures" = 0 ] && echo PASS
exit $((failures > 0))
