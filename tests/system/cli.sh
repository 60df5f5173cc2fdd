#!/bin/sh
# thermwatchd command line: --version, bad arguments, --check-config.
. "$(dirname "$0")/../lib.sh"
D=$(mktemp -d /tmp/tw-cli.XXXXXX)
tw_at_exit 'rm -rf "$D"'
TWD=$TW_BUILD/thermwatchd

out=$($TWD --version)
check_eq "--version" "$out" "thermwatchd $(sed -n 's/^project(thermwatch VERSION \([0-9.]*\).*/\1/p' "$TW_SRC/CMakeLists.txt")"
$TWD --bogus >/dev/null 2>&1
check_eq "unknown option exits 2" "$?" 2
$TWD --json -c /dev/null >/dev/null 2>&1
check_eq "--json without --once exits 2" "$?" 2
$TWD extra >/dev/null 2>&1
check_eq "stray argument exits 2" "$?" 2

# the shipped example config is valid
$TWD --check-config -c "$TW_SRC/agent/thermwatch.conf" >"$D/eff" 2>"$D/err"
check_eq "example config OK" "$?" 0
check "says configuration OK" grep -q "configuration OK" "$D/err"
check "prints the effective config" grep -q 'zone = "flemingsberg";' "$D/eff"
# the effective config is itself valid
$TWD --check-config -c "$D/eff" >/dev/null 2>&1
check_eq "effective config re-reads" "$?" 0

printf 'agent = {\n  site = "kth";\n  intervall = 1.0;\n};\n' >"$D/typo.conf"
$TWD --check-config -c "$D/typo.conf" >"$D/out" 2>"$D/err"
check_eq "typo exits 1" "$?" 1
check "typo reported with file:line and suggestion" grep -qF \
	"$D/typo.conf:3: unknown setting 'intervall' in group 'agent' (did you mean 'interval_s'?)" "$D/err"
check "nothing on stdout for a bad config" test ! -s "$D/out"

$TWD --check-config -c "$D/missing.conf" 2>"$D/err"
check_eq "missing file exits 1" "$?" 1
check "missing file named" grep -q "missing.conf: cannot open" "$D/err"
tw_done
