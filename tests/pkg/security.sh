#!/bin/sh
# systemd-analyze security rates the unit of the network-facing agent at
# 3.0 or below ("OK"), offline, on the unit this build installs; systemd
# parses it without a warning (a misspelt setting is ignored with one).
. "$(dirname "$0")/pkg_lib.sh"
tw_need_cmd systemd-analyze
TARGET=3.0
T=$(mktemp -d /tmp/tw-security.XXXXXX)
tw_at_exit 'rm -rf "$T"'
unit=$TW_BUILD/thermwatchd.service
check "unit built" test -f "$unit"
systemd-analyze security --offline=true "$unit" >"$T/out" 2>"$T/err"
grep -E '✗|Overall' "$T/out"
cat "$T/err"
score=$(sed -n 's/.*Overall exposure level for thermwatchd.service: \([0-9.]*\).*/\1/p' "$T/out")
check "a score: ${score:-none}" test -n "$score"
check "score $score <= $TARGET" awk -v s="${score:-99}" -v t=$TARGET \
	'BEGIN { exit !(s <= t) }'
check "systemd parses the unit without a warning" test ! -s "$T/err"
tw_done
