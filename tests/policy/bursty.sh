#!/bin/sh
# Two normal weeks with a +-3 C daily swing, +25 C CPU bursts several
# times a day, glitches, dropouts and BMC stalls: no migration, no
# shutdown, all load kept, in every seed.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/policy/policylib.sh"

seeds bursty-two-weeks "1 2 3"
each bursty-two-weeks "0 hard trips" '.hard_trips == 0'
each bursty-two-weeks "0 false actions" '.false_actions == 0'
each bursty-two-weeks "0 migrations" '.migrations == 0 and .evacuations == 0'
each bursty-two-weeks "0 shutdowns" '.graceful_shutdowns == 0'
each bursty-two-weeks "all load kept" '.service_retained_pct == 100'
each bursty-two-weeks "the bursts happened" \
    '[.events[] | select(.text | test("idle to full load"))] | length > 40'
each bursty-two-weeks "glitches were seen and rejected" '.rejected > 0'
tw_done
