#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/veiltun.1 matches the tool: every command has a SYNOPSIS line and a COMMANDS entry,
# every option the SYNOPSIS names is one the command's parser knows, every option a command's
# -h advertises (and its parser knows) is in the SYNOPSIS, the version matches, and groff
# formats the page without warnings (when groff is installed). Needs no privileges.
# Usage: manpage.sh TOOL MANPAGE
set -u
VEILTUN=$1
PAGE=$2
failures=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

[ -r "$PAGE" ] || { echo "FAIL: cannot read $PAGE"; exit 1; }
# The SYNOPSIS as plain text, one command per line (roff escapes and macros removed).
synopsis=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$PAGE" | sed '1d;$d' | grep -v '^\.\(nh\|hy\|ad\)' |
    sed 's/\\-/-/g; s/\\f[BIRP]//g; s/^\.[A-Z]* //; s/"//g' |
    awk '/^\.br/ { print line; line = ""; next } { line = line " " $0 } END { print line }')
man_options() { # the options the SYNOPSIS line of command $1 names
    printf '%s\n' "$synopsis" | grep -E "^ *veiltun $1( |$)" | grep -o -- '--[a-z][a-z-]*' | sort -u
}
# A stray argument after the option keeps anything from running; an unknown option is
# reported as such before the stray is looked at.
parser_knows() { # parser_knows CMD OPT
    ! "$VEILTUN" "$1" "$2" stray1 stray2 2>&1 >/dev/null | grep -q "unknown option"
}

commands=$("$VEILTUN" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
[ -n "$commands" ] || bad "no commands found in 'veiltun --help'"
for cmd in $commands; do
    printf '%s\n' "$synopsis" | grep -Eq "^ *veiltun $cmd( |$)" || bad "SYNOPSIS lacks 'veiltun $cmd'"
    grep -Eq "^\.(B|BI|BR) \"?$cmd( |\"|$)" "$PAGE" || bad "COMMANDS has no entry for $cmd"
    for opt in $(man_options "$cmd"); do
        parser_knows "$cmd" "$opt" || bad "the page gives 'veiltun $cmd $opt', the tool does not know it"
    done
    for opt in $("$VEILTUN" "$cmd" -h | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        parser_knows "$cmd" "$opt" || continue # advertised but unknown: cli.sh reports that
        man_options "$cmd" | grep -qx -- "$opt" || bad "'veiltun $cmd $opt' is missing from the SYNOPSIS"
    done
done

version=$("$VEILTUN" --version)
head -n 5 "$PAGE" | grep -q "^\.TH VEILTUN 1 .*\"$version\"" ||
    bad "the .TH line should name \"$version\": $(grep -m1 '^\.TH' "$PAGE")"

if command -v groff >/dev/null; then
    warnings=$(LC_ALL=C.UTF-8 groff -man -ww -z "$PAGE" 2>&1)
    [ -z "$warnings" ] || bad "groff warns: $warnings"
    text=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -P-cbou "$PAGE" 2>/dev/null)
    for section in NAME SYNOPSIS DESCRIPTION COMMANDS ENCAPSULATION MTU "CONTROL SOCKET" SIGNALS \
        "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        printf '%s\n' "$text" | grep -q "^$section\$" || bad "no section $section in the formatted page"
    done
else
    echo "note: groff not installed, formatting not checked"
fi
[ "$failures" = 0 ] && echo PASS
exit $((failures > 0))
