#!/bin/sh
# The incident with half of zone A's inlet sensors frozen at their last
# value from the failure on: no host trips (a frozen inlet still protects
# its host from its zone and its own exhaust and cpu), tier 0 goes last,
# and the frozen sensors were found out (shutdowns say so); without a
# policy, hosts trip.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/policy/policylib.sh"

seeds frozen-inlets "1 2 3"
safe frozen-inlets
each frozen-inlets "the frozen inlets were found out and stood in for" \
    '[.events[] | select(.kind == "shutdown") |
    select(.text | test("inlet frozen at .* the zone.s inlets say"))]
    | length > 0'
"$SIM" frozen-inlets --policy none --json > "$TMP/none.json"
x=$(jq .hard_trips "$TMP/none.json")
check "without a policy hosts trip ($x)" [ "$x" -gt 0 ]
tw_done
