#!/bin/sh
# chilled-water-creep: zone A's cooling falls to 25 % over three days.
# The room comes into danger only on the third day, slowly (well under
# ASHRAE's 20 C/h), and would then trip; thermwatch keeps every host from
# its trip and alarms in time.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/sim/public.sh"

seeds chilled-water-creep 1-2
every "danger only from the third day" \
    '.incident_s > 172800 and .incident_s < 259200'
every "without a policy, hosts would trip" '.oracle_hard_trips > 0'
every "no hard trip" '.hard_trips == 0'
every "the alarm well before the oracle's first trip" '.lead_alarm > 0.5'
every "every tier 0 host up at the end" \
    '.tiers[] | select(.tier == 0) | .survived == .hosts'
show '.incident_s, .oracle_first_trip_s, .lead_alarm, .false_actions, .graceful_shutdowns, .service_retained_pct'
tw_done
