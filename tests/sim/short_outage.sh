#!/bin/sh
# short-outage: 20 minutes without cooling, then it is back. No host
# would have tripped: nothing is lost to heat, and every action taken is
# counted as needless (but none as false: the danger was real while it
# lasted).
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/sim/public.sh"

seeds short-outage 1-3
every "the incident is the outage's start" '.incident_s == 3600'
every "the oracle saw no trip" \
    '.oracle_first_trip_s == null and .oracle_hard_trips == 0'
every "no hard trip" '.hard_trips == 0'
every "every action counted needless" '.needless_actions == .actions'
every "no false action while the danger was real" '.false_actions == 0'
show '.actions, .needless_actions, .graceful_shutdowns, .service_retained_pct'
tw_done
