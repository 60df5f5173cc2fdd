#!/bin/sh
# The built-in incident (zone A loses cooling Friday evening, nobody acts
# until Monday): thermwatch must lose no host to a hard trip, move load to
# zone B and shut tier 0 down last; without a policy hosts hard-trip.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"

"$SIM" --json > "$TMP/tw.json" 2> "$TMP/tw.err"
check "thermwatch run exits 0" [ $? = 0 ]
check_eq "60 hosts" "$(jget "$TMP/tw.json" hosts)" 60
check_eq "scenario is the incident" "$(jget "$TMP/tw.json" scenario)" \
    ac-failure
check_eq "thermwatch: 0 hard trips" "$(jget "$TMP/tw.json" hard_trips)" 0
x=$(jget "$TMP/tw.json" migrations_cross_zone)
check "thermwatch: load migrated to zone B ($x VMs)" gt "$x" 0
jevents "$TMP/tw.json" > "$TMP/ev"
check "some migration landed in another zone" \
    grep -q ' migrated A ' "$TMP/ev"
x=$(jget "$TMP/tw.json" first_alarm_s)
check "thermwatch: alarm within 15 min of the failure ($x s)" \
    awk -v a="$x" 'BEGIN { exit !(a != "null" && a + 0 <= 900) }'

# Tier 0 last: in zone A no host of a lower-priority tier starts its
# shutdown after the first tier 0 host does (or tier 0 never shuts down).
awk '$2 == "shutdown" && $3 == "A"' "$TMP/ev" > "$TMP/shut"
check "thermwatch shut some zone A hosts down" [ -s "$TMP/shut" ]
t0=$(awk '$4 == 0 { print $1; exit }' "$TMP/shut")
if [ -z "$t0" ]; then
	ok "tier 0 never shut down (lived longest)"
else
	late=$(awk -v t="$t0" '$4 != 0 && $1 > t' "$TMP/shut" | wc -l)
	check_eq "no lower tier shut down after tier 0 (at $t0 s)" "$late" 0
fi
check_eq "the summary says tier 0 went last" \
    "$(jget "$TMP/tw.json" tier_order_held)" true
x=$(jget "$TMP/tw.json" lead_alarm)
check "the alarm came near the failure, by the oracle ($x)" \
    awk -v a="$x" 'BEGIN { exit !(a != "null" && a + 0 > 0.5) }'
check_eq "the oracle saw trips" \
    "$(jget "$TMP/tw.json" oracle_first_trip_s | grep -c '^[0-9]')" 1
# ...and the tiers went in order: 3 before 2 before 1.
first() { awk -v r="$1" '$4 == r { print $1; exit }' "$TMP/shut"; }
f3=$(first 3)
f1=$(first 1)
check "tier 3 started shutting down before tier 1" \
    awk -v a="$f3" -v b="$f1" 'BEGIN { exit !(a != "" && (b == "" || a + 0 <= b + 0)) }'

"$SIM" --policy none --json > "$TMP/none.json"
x=$(jget "$TMP/none.json" hard_trips)
check "none: hosts hard-trip ($x)" gt "$x" 0
check_eq "none: no graceful shutdowns" \
    "$(jget "$TMP/none.json" graceful_shutdowns)" 0
a=$(jget "$TMP/tw.json" service_retained_pct)
b=$(jget "$TMP/none.json" service_retained_pct)
check "readings were fed ($(jget "$TMP/tw.json" readings))" \
    gt "$(jget "$TMP/tw.json" readings)" 1000000
echo "service retained: thermwatch $a %, none $b %"
tw_done
