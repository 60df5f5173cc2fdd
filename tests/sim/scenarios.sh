#!/bin/sh
# Every shipped scenario parses and runs; the failure scenarios hurt
# without a policy and thermwatch does better there.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"

for f in "$SCN"/*.conf; do
	n=$(basename "$f" .conf)
	"$SIM" "$f" --duration 2h --policy none --json > "$TMP/$n.json" \
	    2> "$TMP/err"
	check "$n parses and runs" [ $? = 0 ]
	check_eq "$n: name matches the file" "$(jget "$TMP/$n.json" scenario)" "$n"
done
for n in hot-spot-rack partial-cooling-loss sensor-failure-during-heatwave; do
	"$SIM" "$n" --json --compare > "$TMP/$n.json"
	tw=$(jget "$TMP/$n.json" hard_trips)
	none=$(awk '/"policy":\t"none"/ { on = 1 }
	    on && /"hard_trips":/ { v = $2; sub(/,/, "", v); print v; exit }' \
	    "$TMP/$n.json")
	check "$n: none hard-trips ($none)" gt "$none" 0
	check_eq "$n: thermwatch 0 hard trips" "$tw" 0
done
tw_done
