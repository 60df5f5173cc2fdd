#!/bin/sh
# The man pages match the code: every key of the effective configuration is
# described in thermwatch.conf(5), every option of the programs in their
# pages.
. "$(dirname "$0")/../lib.sh"
D=$(mktemp -d /tmp/tw-docs.XXXXXX)
tw_at_exit 'rm -rf "$D"'
MAN=$TW_SRC/man

# a config with one of each list entry, so their keys are printed too
cat >"$D/tw.conf" <<CONF
sensors = ( { match = "x*"; class = "cpu"; trip_c = 90.0; ignore = false; } );
CONF
"$TW_BUILD/thermwatchd" --check-config -c "$D/tw.conf" >"$D/eff" 2>/dev/null
check_eq "effective config printed" "$?" 0
grep -oE '^[[:space:]]*[a-z_0-9]+ =' "$D/eff" | sed 's/ =$//; s/^[[:space:]]*//' |
	sort -u >"$D/keys"
n=$(wc -l <"$D/keys")
check "the effective config has many keys ($n)" test "$n" -gt 50
missing=""
for k in $(cat "$D/keys"); do
	grep -qE "(Ic|Li|Cm|Ss) $k( |$)" "$MAN/thermwatch.conf.5" ||
		missing="$missing $k"
done
check_eq "every config key is in thermwatch.conf(5)" "$missing" ""

# long options from the usage texts
opts() { # program
	"$TW_BUILD/$1" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u
}
for p in thermwatchd:thermwatchd.8 thermwatch-sim:thermwatch-sim.1 \
    thermwatchctl:thermwatchctl.8 thermwatch-privd:thermwatchd.8; do
	prog=${p%%:*}
	page=${p#*:}
	missing=""
	for o in $(opts "$prog"); do
		name=${o#--}
		grep -qE "Fl -$name( |$)" "$MAN/$page" || missing="$missing $o"
	done
	check_eq "every option of $prog is in $page" "$missing" ""
done
tw_done
