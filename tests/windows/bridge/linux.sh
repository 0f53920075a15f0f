# SPDX-License-Identifier: MIT
# Sourced first by the bridge tests: the Linux side they need from LINUX_BUILD (the tool, the
# bridge helper, tcpsink), a skip (77) when it is missing, then tests/tool/lib.sh (namespaces,
# cleanup). Set LINUX_BUILD and TEST before sourcing.
LINUX_TOOL=$LINUX_BUILD/tools/veiltun/veiltun
HELPER=$LINUX_BUILD/tests/windows/bridge/bridge_helper
TCPSINK=$LINUX_BUILD/tests/tool/tcpsink
for f in "$LINUX_TOOL" "$HELPER" "$TCPSINK"; do
    [ -x "$f" ] || { echo "SKIP: $f missing: build the Linux tree in $LINUX_BUILD first" \
        "(or set VEILTUN_LINUX_BUILD)" >&2; exit 77; }
done
command -v jq >/dev/null || { echo "SKIP: no jq" >&2; exit 77; }
# shellcheck source=../../tool/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../tool/lib.sh" "$LINUX_TOOL" "$TCPSINK"
