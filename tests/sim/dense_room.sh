#!/bin/sh
# dense-room: 5 kW cabinets lose all cooling. The room as published (the
# first server trips 3-5 minutes after the cooling stops), and thermwatch
# in time: the alarm near the start, no hard trip, tier 0 last.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/sim/public.sh"

seeds dense-room 1-4 --compare
every "the oracle's first trip 3-5 min after the cooling stopped" \
    '.oracle_first_trip_s >= 180 and .oracle_first_trip_s <= 300' none
every "without a policy, most of zone D trips" '.hard_trips >= 60' none
every "no hard trip" '.hard_trips == 0'
every "the alarm in the first half of the oracle's lead" '.lead_alarm > 0.5'
every "tier 0 shut down last" '.tier_order_held'
every "no false actions" '.false_actions == 0'
every "more service kept than without a policy" \
    '.service_retained_pct > 40'
show '.hard_trips, .graceful_shutdowns, .oracle_first_trip_s, .lead_alarm, .lead_shutdown, .service_retained_pct'
tw_done
