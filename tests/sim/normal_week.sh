#!/bin/sh
# A normal week (noise, glitches, dropouts, hung BMCs, load changes, no
# failure): thermwatch must take no action at all. Three days cover every
# event of the scenario and keep the test short under the sanitizers.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"

"$SIM" normal-week --duration 3d --json > "$TMP/nw.json"
check "run exits 0" [ $? = 0 ]
check_eq "scenario" "$(jget "$TMP/nw.json" scenario)" normal-week
check_eq "0 false actions" "$(jget "$TMP/nw.json" false_actions)" 0
check_eq "0 migrations" "$(jget "$TMP/nw.json" migrations)" 0
check_eq "0 graceful shutdowns" \
    "$(jget "$TMP/nw.json" graceful_shutdowns)" 0
check_eq "0 hard trips" "$(jget "$TMP/nw.json" hard_trips)" 0
check_eq "all load kept" "$(jget "$TMP/nw.json" service_retained_pct)" 100
x=$(jget "$TMP/nw.json" rejected)
check "the engine saw (and rejected) bad samples ($x)" gt "$x" 0
tw_done
