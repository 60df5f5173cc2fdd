#!/bin/sh
# The incident while zone A's BMCs hang for 71 s again and again: a stale
# inlet's worst case is what its zone says, so no host trips, nothing is
# shut down by a stale reading ahead of its tier, tier 0 goes last.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/policy/policylib.sh"

seeds bmc-gaps "1 2 3"
safe bmc-gaps
each bmc-gaps "the BMCs hung, hot" \
    '[.events[] | select(.text | test("BMCs hang"))] | length > 30'
tw_done
