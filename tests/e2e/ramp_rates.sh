#!/bin/sh
# End to end, a property of the real daemon (issue 10): for CPU ramps at
# several rates and writer cadences, on the machine of `./bootstrap demo`
# (interval 0.5 s, a clean shutdown takes 12 s: shutdown.lead_s 12,
# safety factor 1.75, margin 5 C; trend window 15 s, persist_s 2 s), the
# shutdown hook runs before crit with at least the shutdown lead left or,
# where the ramp is too fast for that, within 3 samples of the shutdown
# level (judge in ns_ramp.sh). Each case is a daemon of its own on a fake
# tree of its own, all at once; the ramps are functions of the clock, so
# the time left is exact. Prints, per case, the time left against the
# lead and against the effective lead (lead x safety factor).
. "$(dirname "$0")/e2e_lib.sh"
. "$TW_SRC/tests/e2e/ns_ramp.sh"

CPU="trend_window_s = 15.0; $DEMO_CPU"
EFFECTIVE=21

# name from_mC rate_mC/s cadence_s: ramps long enough to be seen for twice
# the effective lead, and one (2 C/s) too fast for it
CASES="demo 55000 500 0.5
fine 55000 500 0.25
slow 85000 250 1.0
fast1 40000 1000 0.5
fast2 40000 2000 0.25"

set -- $CASES
while [ $# -ge 4 ]; do
	ns_up "$1" "$2" && ns_conf "$1" $IV "$CPU" && ns_start "$1" ||
	    not_ok "$1: daemon started"
	shift 4
done
sleep 2
set -- $CASES
while [ $# -ge 4 ]; do
	ns_ramp "$1" "$2" "$3" "$4"
	shift 4
done

set -- $CASES
while [ $# -ge 4 ]; do
	cs=$1
	# the ramp reaches crit (100 C) by then at the latest
	limit=$(awk -v a="$2" -v r="$3" 'BEGIN { print int((100000 - a) / r) + 5 }')
	check "$cs: the shutdown hook ran" wait_for "$limit" runs_in_ge "$cs" shutdown 1
	r=$(judge "$cs" $LEAD $MARGIN $IV)
	left=$(echo "$r" | awk '{ print $2 }')
	echo "# $cs: $(awk -v r="$3" 'BEGIN { printf "%.2f", r / 1000 }') C/s written every $4 s: $r; lead $LEAD s, effective $EFFECTIVE s"
	if ! ge "$left" $EFFECTIVE; then
		echo "# $cs: less than the effective lead left ($left < $EFFECTIVE s)"
	fi
	check "$cs: before crit with the lead left, or within 3 samples of the level ($r)" \
	    judged "$cs" $LEAD $MARGIN $IV
	ns_ramp_stop "$cs"
	ns_stop "$cs"
	shift 4
done
tw_done
