#!/bin/sh
# partial-loss: zone A keeps 40 % of one of three CRAC units for six
# hours. Without a policy hosts trip; thermwatch sheds or moves the low
# tiers: no hard trip, every tier 0 host up at the end, tier 0 last.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/sim/public.sh"

seeds partial-loss 1-3 --compare
every "without a policy, hosts trip" '.hard_trips > 0' none
every "no hard trip" '.hard_trips == 0'
every "every tier 0 host up at the end" \
    '.tiers[] | select(.tier == 0) | .survived == .hosts'
every "tier 0 shut down last" '.tier_order_held'
every "the alarm before the oracle's first trip" '.lead_alarm > 0'
show '.hard_trips, .graceful_shutdowns, .migrations, .false_actions, .service_retained_pct'
tw_done
