#!/bin/sh
# normal-month: a month without any failure, with daily swings, bursts,
# glitches, hung BMCs, broker and agent restarts, a clock step and a
# filter change. The room is never in danger; thermwatch must take no
# action at all.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/sim/public.sh"

seeds normal-month 1-2
every "the room was never in danger" '.incident_s == null'
every "no hard trip" '.hard_trips == 0'
every "no action: no migration, no shutdown" '.actions == 0'
every "no false action" '.false_actions == 0'
every "all load kept" '.service_retained_pct == 100'
every "the agents were restarted (3 upgrades x 36 hosts)" \
    '.restarts == 108'
every "the engines saw and rejected bad samples" '.rejected > 0'
show '.actions, .false_actions, .restarts, .rejected, .peers_dropped_clock, .wall_s'
tw_done
