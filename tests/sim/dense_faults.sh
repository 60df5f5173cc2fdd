#!/bin/sh
# dense_faults: the fastest room of the public scenarios (dense-room: the
# first server trips 3-5 minutes after the cooling stops) with one fault
# of the host's own view arriving with the failure. The class under test:
# a fault that takes away part of what a host sees (its inlet, its
# exhaust, its BMC, its zone's summaries) exactly when there is least
# time to make up for it. Each variant is the public scenario with one
# event more, at seeds 1-3.
#
# HOLDS lists the variants in which thermwatch keeps every host from its
# hardware trip; each is asserted (no hard trip, no false action).
# KNOWN_GAPS lists the variants in which some hosts still reach their
# trip today: they are run and their figures printed as "# TODO" lines,
# which do not fail the test; one that no longer trips at any seed fails
# it, so that it moves to HOLDS and stays there.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/sim/public.sh"

AT='at = "Tue 11:00"; zone = "D"'     # the failure, in dense-room.conf
ODD='hosts = "d-*[13579]"'            # half of the zone's hosts

# variant NAME EVENT...: dense-room with these events added
variant() {
	v=$1
	shift
	awk -v ev="$*" '
		/^events = \($/ { print; print ev; done = 1; next }
		{ print }
		END { if (!done) exit 1 }' "$SCN/dense-room.conf" |
	    sed "s/^name = \"dense-room\";/name = \"dense-$v\";/" \
	    >"$TMP/dense-$v.conf"
	check "variant $v written" [ $? = 0 ]
}

# run V: seeds 1-3 of the variant; J is its JSON
run() {
	J=$TMP/$1.json
	"$SIM" "$TMP/dense-$1.conf" --seeds 1-3 --jobs 2 --json >"$J"
	check "$1: --seeds 1-3 runs" [ $? = 0 ]
}

variant half-inlets-frozen \
    "{ $AT; $ODD; kind = \"sensor\"; sensor = \"inlet\"; fault = \"frozen\"; },"
variant half-exhausts-frozen \
    "{ $AT; $ODD; kind = \"sensor\"; sensor = \"exhaust\"; fault = \"frozen\"; },"
variant all-inlets-frozen \
    "{ $AT; hosts = \"d-*\"; kind = \"sensor\"; sensor = \"inlet\"; fault = \"frozen\"; },"
variant half-bmc-frozen \
    "{ $AT; $ODD; kind = \"sensor\"; sensor = \"inlet\"; fault = \"frozen\"; },
     { $AT; $ODD; kind = \"sensor\"; sensor = \"exhaust\"; fault = \"frozen\"; },"
variant half-inlets-dead \
    "{ $AT; $ODD; kind = \"sensor\"; sensor = \"inlet\"; fault = \"dead\"; },"
variant half-inlets-stale \
    "{ $AT; $ODD; kind = \"sensor\"; sensor = \"inlet\"; fault = \"stale\"; },"
variant half-inlets-stuck-cool \
    "{ $AT; $ODD; kind = \"sensor\"; sensor = \"inlet\"; fault = \"stuck\"; value_c = 22.0; },"
variant half-bmc-hung \
    "{ $AT; $ODD; kind = \"bmc\"; duration = \"10m\"; },"
variant peers-lost \
    "{ $AT; kind = \"peers\"; duration = \"10m\"; },"

HOLDS="half-inlets-frozen half-exhausts-frozen"
KNOWN_GAPS="all-inlets-frozen half-bmc-frozen half-inlets-dead
    half-inlets-stale half-inlets-stuck-cool half-bmc-hung peers-lost"

for v in $HOLDS; do
	run "$v"
	every "$v: the oracle trips within 5 minutes" \
	    '.oracle_first_trip_s <= 300'
	every "$v: no hard trip" '.hard_trips == 0'
	every "$v: no false actions" '.false_actions == 0'
	show '.hard_trips, .graceful_shutdowns, .lead_shutdown, .service_retained_pct'
done

for v in $KNOWN_GAPS; do
	run "$v"
	trips=$(jq -c '[.runs[] | select(.policy == "thermwatch") |
	    .hard_trips]' "$J")
	if [ "$trips" = "[]" ] || [ -z "$trips" ]; then
		not_ok "$v: no runs"
	elif [ "$(jq '[.runs[] | select(.policy == "thermwatch") |
	    select(.hard_trips > 0)] | length' "$J")" = 0 ]; then
		not_ok "$v: no hard trip at any seed now: move it to HOLDS"
	else
		echo "not ok - $v: hard trips per seed $trips # TODO known gap"
	fi
	show '.hard_trips, .graceful_shutdowns, .lead_shutdown, .service_retained_pct'
done
tw_done
