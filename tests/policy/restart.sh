#!/bin/sh
# Every agent of zone A restarts ten minutes into a total cooling loss,
# while the zone's broker is gone (no peers to seed them), and some crash
# again later: no host trips, no false action, tier 0 goes last.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/policy/policylib.sh"

seeds restart-mid-incident "1 2 3"
safe restart-mid-incident
each restart-mid-incident "the agents restarted" '.restarts >= 40'
tw_done
