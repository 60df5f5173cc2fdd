#!/bin/sh
# Zone A loses all cooling for 20 minutes: no host trips, tier 0 goes
# last, no migration or shutdown starts once cooling is back, and at the
# end every host that runs is ok (nothing warn, hot or degraded).
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/policy/policylib.sh"

seeds short-outage "1 2 3 4"
safe short-outage
back=$(jq '[.events[] | select(.kind == "event") |
    select(.text | test("restarted"))][0].t_s' "$TMP/short-outage.1.json")
check "cooling comes back ($back s)" [ "$back" -gt 0 ]
each short-outage "no migration or shutdown after cooling is back" \
    "[.events[] | select(.kind == \"migrate\" or .kind == \"shutdown\")
    | select(.t_s > $back)] | length == 0"
for s in $SEEDS; do
	"$SIM" short-outage --seed "$s" --csv "$TMP/$s.csv" > /dev/null
	# t_s,building,A air,cooling,heat,B air,cooling,heat,ok,warn,hot,
	# degraded,migrating,shutting_down,off,tripped,vms
	last=$(tail -n 1 "$TMP/$s.csv" | awk -F, '{ print $10, $11, $12,
	    $13, $14, $16 }')
	check_eq "seed $s: at the end no host warn, hot, degraded, migrating, shutting down or tripped" \
	    "$last" "0 0 0 0 0 0"
done
tw_done
