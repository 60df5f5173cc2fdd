#!/bin/sh
# A CPU cooler dies at full load (1.4 C/s towards far past the trip):
# the host is shut down cleanly in time; a fan that slows so that the
# CPU settles below its levels, and neighbours' +25 C bursts, shut
# nothing down. Without a policy the first host trips.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/policy/policylib.sh"

seeds cpu-cooler-failure "1 2 3 4"
each cpu-cooler-failure "0 hard trips" '.hard_trips == 0'
each cpu-cooler-failure "0 false actions" '.false_actions == 0'
each cpu-cooler-failure "only the host whose cooler died shut down" \
    '[.events[] | select(.kind == "shutdown") | .host] == ["hpc-02"]'
each cpu-cooler-failure "it was shut down by its cpu's own eta" \
    '[.events[] | select(.kind == "shutdown") |
    select(.text | test("cpu at .* rising .* eta"))] | length == 1'
each cpu-cooler-failure "no migration" '.migrations == 0'
"$SIM" cpu-cooler-failure --policy none --json > "$TMP/none.json"
check_eq "without a policy it trips" "$(jq .hard_trips "$TMP/none.json")" 1
tw_done
