#!/bin/sh
# Every scenario key, event kind and fault name the parser knows is in
# thermwatch-sim(1): the lists are read from the parser's own arrays.
. "$TW_SRC/tests/lib.sh"
MAN=$TW_SRC/man/thermwatch-sim.1
words() { # file: the strings inside the parser's name arrays
	awk '/(_keys|_names)\[[A-Z_ +0-9]*\] = \{|\[SIM_EV_[A-Z]+\] =/ { on = 1 }
	    on { while (match($0, /"[^"]*"/)) {
		print substr($0, RSTART + 1, RLENGTH - 2)
		$0 = substr($0, RSTART + RLENGTH) } }
	    on && /NULL/ { on = 0 }' "$1"
}
n=0
missing=""
set -f
for w in $(words "$TW_SRC/agent/sim/scenario.c";
    words "$TW_SRC/agent/sim/scn_event.c"); do
	[ "$w" = "*" ] && continue
	n=$((n + 1))
	grep -qE "(Ic|Qq|Cm) ([a-z_]+ , )*$w( |$)" "$MAN" || missing="$missing $w"
done
check "the parser's names were found ($n)" [ "$n" -gt 60 ]
check_eq "every scenario key, kind and fault is in thermwatch-sim(1)" \
    "$missing" ""
tw_done
