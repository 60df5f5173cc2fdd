#!/bin/sh
# own_view_faults: a fault of a host's own view around a cooling failure,
# over rooms, onsets and kinds. The class under test: a fault that takes
# away part of what a host sees (its inlet, its exhaust, its BMC, its
# zone's summaries) when the room is about to heat, when there is least
# time to make up for it. Each cell (room, onset, kind) is the public
# scenario with one event more (two for half-bmc-frozen, three for
# half-bmc-frozen+restart), run by
# thermwatch-sim --seeds. (It replaces dense_faults.sh: its cells are
# the dense-room/at row.)
#
# Covered (the data blocks below; edit them there):
# - rooms: dense-room (80 hosts in zone D, first trip 3-5 min after the
#   cooling stops), ac-failure (the built-in incident: zone A, about 32
#   min, then hosts go on heating for days), partial-loss (zone A keeps
#   40 % of one unit: about 3 h). The failure's time and zone are read
#   from each scenario file: its first "cooling" event with a capacity
#   below 1 (the simulator's own rule for the incident).
# - kinds: half the zone's inlets (its odd-numbered hosts) frozen, dead,
#   stale or stuck at 22 C; half its exhausts frozen; all its inlets
#   frozen; half its BMCs frozen (inlet and exhaust frozen) or hung; the
#   zone's peer summaries lost (its broker gone). Frozen, dead, stale and
#   stuck last to the end; the hung BMC and the lost peers last from the
#   onset to the room's window after the failure, past the oracle's
#   first trip.
# - restart kinds (the class "an agent restart around a cooling
#   failure"): half the zone's agents (its odd-numbered hosts) or all of
#   them restart at the onset, down 5 s; half-bmc-frozen+restart: the
#   half-bmc-frozen hosts' agents restart 90 s after their BMCs froze
#   (mid-ramp at dense-room's +1m and ac-failure's +10m). The simulator's
#   restart frees the engine and starts a blank one: it keeps none of
#   what thermwatchd's engine-state.json brings back (trend points,
#   noise, resolution, rise, rho), so these cells measure a blind
#   restart, an upper bound of what a daemon with its state file loses.
#   Each has a "-kept" twin (state = "kept"): the new engine gets what
#   the daemon's state file holds after a clean stop (the sensors' trend
#   points, noise and rise, rho, the zone alarm's references and the
#   load tracking, and since engine snapshot 3 each sensor's run of one
#   value (found frozen or not yet, with its evidence when it began) and
#   an inlet's held step, since snapshot 4 the busy levels; not the busy
#   references nor the zone alarm itself). Measured 2026-12-01: the twins trip as the blind restarts
#   do (+1m all-restart-kept holds at seeds 1-3, the blind one trips 2
#   at seed 2); the zone alarm's references do not come back in the
#   simulator, whose restarted agent hears no peer before its first
#   evaluation (they are dropped there; keeping them did not change the
#   half-bmc-frozen+restart-kept cells, tried). With the runs kept,
#   half-bmc-frozen+restart-kept (seed 1): -10m 26 -> 14 hard trips, at
#   27 -> 26, +1m [2,2,3] as before; without a restart the same BMC
#   faults trip none (-10m, at, +1m seeds 1-3), so most of what such a
#   restart loses is still elsewhere. 2026-12-02, with the busy levels
#   kept (snapshot 4) and a lost inlet's reference held to its last
#   sample: -10m 14 -> 0 (now holds), at 26 -> 14, +1m [1,0,2].
# - onsets and seeds: a dense-room run costs a third to a fifth of a
#   slower room's, and dense-room is where the onset changes the outcome,
#   so it gets every onset: 10 min before the failure (a sensor that froze
#   or died while the room was calm; seeds 1-2), at it (seeds 1-3) and
#   2 min after it (mid-ramp; seed 1). ac-failure gets the failure's
#   onset and partial-loss a mid-ramp one (+1h of about 3 h), at seed 1.
#   The restart kinds (a quarter more CPU; runs with restarts cost more
#   than the faults') have their own onsets, with seeds trimmed where
#   they told the least (checked 2026-12-01):
#   dense-room -10m and at at seed 1 (a restart before the ramp: half-
#   and all-restart held at seeds 1-3, the bmc-frozen one tripped at
#   every seed), +1m at seeds 1-3 (mid-ramp: only seed 2 trips a restart
#   alone), +2m at seed 1 with the faults (it holds; seeds 2-3 gave
#   all-restart 1 and 0 hard trips); ac-failure +10m only ("at" gave
#   the same: 0, 0 and 4 hard trips); none in partial-loss (its 3 h
#   ramp leaves time to learn again: all three held at +1h, seed 1).
# - durations: dense-room whole (3 h: the recovery after the cooling is
#   back included); partial-loss up to the repair (10 h; its whole 14 h
#   gave the same for the frozen, stuck and all-frozen cells, no false
#   action after the repair either, checked 2026-12-01); ac-failure 13 h
#   after the failure (20 h of its 72): its hosts heat for days, and some
#   faults trip hosts only hours later (half-bmc-frozen at seed 1,
#   before the cpu's load was evidence: the first trip 11.5 h after the
#   failure, 6 hard trips in 72 h, 2 in 20 h; none in 72 h since).
#   Cells that hold at 20 h held at 72 h too when checked
#   (2026-12-01, seed 1: half-inlets-frozen, half-exhausts-frozen,
#   half-inlets-dead, -stale, -stuck-cool, half-bmc-hung, peers-lost).
#   ac-failure/+10m/half-bmc-frozen+restart trips 6-12 h after the
#   failure (seed 1). About 80 s of CPU in all at load 4 before the
#   -kept twins, which add the restart kinds once more (64 s without
#   the restart kinds), two runs at a time.
#
# Asserted in every cell: the fault comes before the oracle's first trip
# (the cell tests what it says) and no false action (a fault of some
# hosts' own view never makes a healthy host act). HOLDS cells (all that
# KNOWN_GAPS does not name): no hard trip at any seed. KNOWN_GAPS cells
# still see hard trips today: printed as "# TODO known gap" lines, which
# do not fail the test; one that no longer trips at any seed fails it, so
# that it moves to HOLDS and stays there; a KNOWN_GAPS line that names
# no cell fails too. Determinism: one cell's seed twice as a single run,
# the same JSON apart from wall_s, with the hard trips of its --seeds
# run. The table at the end (cell, hard trips and false actions per
# seed) is for notes to quote.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
. "$TW_SRC/tests/sim/public.sh"
tw_need_cmd awk xargs

# ---- the grid (edit here) -----------------------------------------------

# room (a line for each set of onsets): its onsets (labels of ONSETS),
# each with its seeds and, after another ":", the kinds it runs; the window
# (from the failure) to which the hung BMC and the lost peers last;
# --duration ("-": the scenario's)
ROOMS='
dense-room	-10m:1-2:faults,at:1-3:faults,+2m:1	10m	-
dense-room	-10m:1:restarts,at:1:restarts,+1m:1-3:restarts	10m	-
ac-failure	at:1:faults,+10m:1:restarts	45m	20h
partial-loss	+1h:1:faults	4h	10h
'
# onset: seconds from the failure
ONSETS='
-10m	-600
at	0
+1m	60
+2m	120
+10m	600
+1h	3600
'
# the kinds: faults of the own view, and agent restarts (an onset with
# neither ":faults" nor ":restarts" runs both)
FAULTS='half-inlets-frozen half-exhausts-frozen all-inlets-frozen
half-bmc-frozen half-inlets-dead half-inlets-stale half-inlets-stuck-cool
half-bmc-hung peers-lost'
RESTARTS='half-restart all-restart half-bmc-frozen+restart
half-restart-kept all-restart-kept half-bmc-frozen+restart-kept'
# a restart's down time (s), and how long after its BMCs freeze (s) the
# agents of half-bmc-frozen+restart restart
RESTART_DOWN_S=5
RESTART_AFTER_S=90

# Cells where hosts still trip today (room/onset/kind; shell patterns
# allowed): delete a line when its cell holds. (dense-room/+2m/
# half-inlets-stuck-cool holds since an inlet's step down beyond its
# class's rate is not trusted until its cpu or exhaust follows: 12 hard
# trips at seed 1 before; the stuck-cool cells at -10m and at stick 1-2 C
# below the air, within the rate, and are left to the frozen check.
# dense-room/at/half-inlets-dead, -stale and half-bmc-hung hold since an
# inlet's reference for its substitute moves on only with its own samples
# (it had paired the last value with the zone's inlets of every evaluation
# until stale_s, starting the substitute up to 5 C low) and an inlet
# silent for three of its sample gaps while its zone's air rises is stale
# at once:
# hard trips at seeds 1-3 were [1,5,1], [1,5,1], [2,6,1]; with the same
# change (and the zone's substitute no lower than its unsmoothed median
# while the zone rises) half-bmc-frozen and half-inlets-stuck-cool at
# -10m ([0,1] before) and at ([0,1,0]) hold too. Measured 2026-12-01.)
KNOWN_GAPS='
dense-room/-10m/all-inlets-frozen
dense-room/-10m/peers-lost
dense-room/at/all-inlets-frozen
dense-room/at/peers-lost
dense-room/+2m/all-restart
dense-room/-10m/half-bmc-frozen+restart
dense-room/at/half-bmc-frozen+restart
dense-room/+1m/all-restart
dense-room/+1m/half-bmc-frozen+restart
dense-room/at/half-bmc-frozen+restart-kept
dense-room/+1m/half-bmc-frozen+restart-kept
ac-failure/at/all-inlets-frozen
'

# The cell whose determinism is checked, and the seed.
DET_CELL=dense-room/at/half-bmc-hung
DET_SEED=2

# ---- the cells ------------------------------------------------------------

# failure SCENARIO-FILE: "seconds-from-start zone" of the first cooling
# event with capacity below 1; at is a number, "+<duration>" or "Day
# HH:MM" (the first such time at or after start, as the simulator reads
# it).
failure() {
	awk '
	function wd(d) { return index("SunMonTueWedThuFriSat", d) }
	function dow_s(s,   a, t) {	# "Tue 11:00" -> seconds into the week
		split(s, a, " ")
		if (wd(a[1]) == 0 || (wd(a[1]) - 1) % 3) return -1
		split(a[2], t, ":")
		return (wd(a[1]) - 1) / 3 * 86400 + t[1] * 3600 + t[2] * 60
	}
	function dur(s,   n, u, tot) {	# "1d12h", "90m", "45"
		tot = 0
		while (match(s, /^[0-9.]+[smhd]?/)) {
			n = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
			u = substr(n, length(n)); n += 0
			tot += u == "d" ? n * 86400 : u == "h" ? n * 3600 : \
			    u == "m" ? n * 60 : n
		}
		return s == "" ? tot : -1
	}
	function str(item, key,   r) {	# key = "value"; or key = number;
		if (!match(item, key " *= *(\"[^\"]*\"|[-+0-9.]+)")) return ""
		r = substr(item, RSTART, RLENGTH)
		sub(/^[a-z_]+ *= */, "", r); gsub(/"/, "", r)
		return r
	}
	/^start *=/ { start = str($0, "start") }
	/^events *= *\($/ { on = 1; next }
	!on { next }
	{ item = item " " $0 }
	/}/ {
		if (str(item, "kind") == "cooling" && \
		    str(item, "capacity") != "" && \
		    str(item, "capacity") + 0 < 1 && !found) {
			at = str(item, "at"); z = str(item, "zone")
			found = 1
		}
		item = ""
	}
	END {
		if (!found || z == "") exit 1
		if (at ~ /^[0-9.]+$/) s = at
		else if (at ~ /^\+/) s = dur(substr(at, 2))
		else {
			a = dow_s(at); b = dow_s(start)
			if (a < 0 || b < 0) exit 1
			s = (a - b + 7 * 86400) % (7 * 86400)
		}
		if (s < 0) exit 1
		print s, z
	}' "$1"
}

# dur_s DURATION: seconds ("45m", "4h", "90")
dur_s() {
	awk -v d="$1" 'BEGIN {
		n = d + 0; u = substr(d, length(d))
		print n * (u == "h" ? 3600 : u == "m" ? 60 : u == "d" ? 86400 : 1)
	}'
}

# fault KIND AT DURATION: the event(s) of the kind, in the failure's
# zone ($ZONE), at AT seconds from the start; DURATION (seconds) for the
# kinds that end
fault() {
	e="at = $2; zone = \"$ZONE\";"
	half="$e hosts = \"*[13579]\";"
	case $1 in
	half-inlets-frozen)
		echo "{ $half kind = \"sensor\"; sensor = \"inlet\"; fault = \"frozen\"; },";;
	half-exhausts-frozen)
		echo "{ $half kind = \"sensor\"; sensor = \"exhaust\"; fault = \"frozen\"; },";;
	all-inlets-frozen)
		echo "{ $e hosts = \"*\"; kind = \"sensor\"; sensor = \"inlet\"; fault = \"frozen\"; },";;
	half-bmc-frozen)
		echo "{ $half kind = \"sensor\"; sensor = \"inlet\"; fault = \"frozen\"; },"
		echo "{ $half kind = \"sensor\"; sensor = \"exhaust\"; fault = \"frozen\"; },";;
	half-inlets-dead)
		echo "{ $half kind = \"sensor\"; sensor = \"inlet\"; fault = \"dead\"; },";;
	half-inlets-stale)
		echo "{ $half kind = \"sensor\"; sensor = \"inlet\"; fault = \"stale\"; },";;
	half-inlets-stuck-cool)
		echo "{ $half kind = \"sensor\"; sensor = \"inlet\"; fault = \"stuck\"; value_c = 22.0; },";;
	half-bmc-hung)
		echo "{ $half kind = \"bmc\"; duration = $3; },";;
	half-restart)
		echo "{ $half kind = \"restart\"; duration = $RESTART_DOWN_S; },";;
	all-restart)
		echo "{ $e hosts = \"*\"; kind = \"restart\"; duration = $RESTART_DOWN_S; },";;
	half-bmc-frozen+restart)
		fault half-bmc-frozen "$2"
		echo "{ at = $(($2 + RESTART_AFTER_S)); zone = \"$ZONE\"; hosts = \"*[13579]\"; kind = \"restart\"; duration = $RESTART_DOWN_S; },";;
	peers-lost)
		echo "{ $e kind = \"peers\"; duration = $3; },";;
	*-restart-kept|*+restart-kept)
		# the same restarts with thermwatchd's state file
		fault "${1%-kept}" "$2" "$3" |
		    sed 's/kind = "restart";/kind = "restart"; state = "kept";/';;
	*)
		return 1;;
	esac
}

# is_gap CELL: KNOWN_GAPS names it
is_gap() {
	for _g in $KNOWN_GAPS; do
		# shellcheck disable=SC2254
		case $1 in $_g) return 0;; esac
	done
	return 1
}

# Write every cell's scenario, and its line in $TMP/jobs: cell, file
# name, seeds, duration, onset (s from the failure).
: >"$TMP/jobs"
while IFS='	' read -r room onsets win dur; do
	[ -n "$room" ] || continue
	src=$SCN/$room.conf
	f=$(failure "$src")
	check "$room: the failure's time and zone read from the scenario" \
	    [ -n "$f" ]
	[ -n "$f" ] || continue
	fail_s=${f% *}
	ZONE=${f#* }
	echo "# $room: failure at ${fail_s} s, zone $ZONE;" \
	    "onset:seeds $onsets; window $win; duration $dur"
	for os in $(echo "$onsets" | tr , ' '); do
		onset=${os%%:*}
		seeds=${os#*:}
		kinds="$FAULTS $RESTARTS"
		case $seeds in
		*:faults) kinds=$FAULTS;;
		*:restarts) kinds=$RESTARTS;;
		*:*) not_ok "$room: onset $os: which kinds?"; continue;;
		esac
		seeds=${seeds%%:*}
		off=$(echo "$ONSETS" | awk -v o="$onset" '$1 == o { print $2 }')
		[ -n "$off" ] || { not_ok "$room: onset $onset unknown"; continue; }
		for k in $kinds; do
			c=$room/$onset/$k
			n=$(echo "$c" | tr '/+' '_p')
			ev=$(fault "$k" $((fail_s + off)) \
			    $(($(dur_s "$win") - off)))
			awk -v ev="$ev" -v name="$n" '
				/^name = / { print "name = \"" name "\";"; next }
				/^events = \($/ { print; print ev; done = 1; next }
				{ print }
				END { if (!done) exit 1 }' "$src" >"$TMP/$n.conf" ||
			    not_ok "$c: scenario written"
			printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$n" "$seeds" \
			    "$dur" "$off" >>"$TMP/jobs"
		done
	done
done <<EOF
$ROOMS
EOF
cells=$(wc -l <"$TMP/jobs")
check "the grid has cells ($cells)" [ "$cells" -gt 0 ]

# Run them two at a time, each on one thread (the results do not depend
# on --jobs), the longer rooms first so that the two finish together;
# $TMP/<name>.rc holds each one's exit status.
t0=$(date +%s)
# shellcheck disable=SC2016
sort -t '	' -k 4,4r "$TMP/jobs" | cut -f 2-4 |
    TMPD=$TMP xargs -P 2 -L 1 sh -c '
	d=
	[ "$3" != - ] && d="--duration $3"
	"$0" "$TMPD/$1.conf" --seeds "$2" --jobs 1 $d --json \
	    >"$TMPD/$1.json" 2>"$TMPD/$1.err"
	echo $? >"$TMPD/$1.rc"' "$SIM"
echo "# $cells cells run in $(($(date +%s) - t0)) s"

# ---- the assertions and the table -----------------------------------------

# tw JQ: the expression over the thermwatch runs of $J, compact
tw() {
	jq -c "[.runs[] | select(.policy == \"thermwatch\") | $1]" "$J"
}

holds=0
gaps=0
printf '%-44s %-10s %s\n' "# cell" "trips" "false" >"$TMP/table"
while IFS='	' read -r c n seeds dur off; do
	J=$TMP/$n.json
	if [ "$(cat "$TMP/$n.rc" 2>/dev/null)" != 0 ]; then
		not_ok "$c: thermwatch-sim failed: $(head -3 "$TMP/$n.err")"
		continue
	fi
	# per seed: hard trips, false actions, the oracle's first trip; the
	# seeds with a hard trip, with a false action, and those whose
	# oracle's first trip is not after the fault
	IFS='	' read -r trips falses oracle tripped falsed early <<EOF
$(jq -r --argjson off "$off" '[.runs[] | select(.policy == "thermwatch")] |
    [map(.hard_trips), map(.false_actions), map(.oracle_first_trip_s),
     map(select(.hard_trips > 0) | .seed),
     map(select(.false_actions > 0) | .seed),
     map(select(.oracle_first_trip_s == null or
	 .oracle_first_trip_s <= $off) | .seed)] | map(tojson) | @tsv' "$J")
EOF
	printf '%-44s %-10s %s\n' "# $c" "$trips" "$falses" >>"$TMP/table"
	[ "$early" = "[]" ] ||
	    not_ok "$c: the fault is not before the oracle's first trip" \
		"(seeds $early; oracle's first trips $oracle)"
	[ "$falsed" = "[]" ] || not_ok "$c: false actions per seed $falses"
	if [ "$trips" = "[]" ] || [ -z "$trips" ]; then
		not_ok "$c: no runs"
	elif ! is_gap "$c"; then
		holds=$((holds + 1))
		[ "$tripped" = "[]" ] ||
		    not_ok "$c: hard trips per seed $trips"
	elif [ "$tripped" = "[]" ]; then
		not_ok "$c: no hard trip at any seed now: move it to HOLDS"
	else
		gaps=$((gaps + 1))
		echo "not ok - $c: hard trips per seed $trips # TODO known gap"
	fi
done <"$TMP/jobs"
echo "# $cells cells: $holds in HOLDS, $gaps known gaps"

for g in $KNOWN_GAPS; do
	cut -f 1 "$TMP/jobs" | while read -r c; do
		# shellcheck disable=SC2254
		case $c in $g) echo "$c";; esac
	done | grep -q . || not_ok "KNOWN_GAPS: $g names no cell"
done

# Determinism: one cell, its seed twice as a single run.
n=$(echo "$DET_CELL" | tr '/+' '_p')
d=$(awk -F '\t' -v c="$DET_CELL" '$1 == c { print $4 }' "$TMP/jobs")
dopt=
[ -n "$d" ] && [ "$d" != - ] && dopt="--duration $d"
for i in 1 2; do
	# shellcheck disable=SC2086
	"$SIM" "$TMP/$n.conf" --seed "$DET_SEED" $dopt --json >"$TMP/det$i.json"
	grep -v '"wall_s":' "$TMP/det$i.json" >"$TMP/det$i.cmp"
done
check "$DET_CELL: seed $DET_SEED twice, the same JSON apart from wall_s" \
    cmp -s "$TMP/det1.cmp" "$TMP/det2.cmp"
J=$TMP/$n.json
check_eq "$DET_CELL: seed $DET_SEED alone, the hard trips of --seeds" \
    "$(jq .hard_trips "$TMP/det1.json")" \
    "$(tw "select(.seed == $DET_SEED) | .hard_trips" | jq '.[0]')"

echo "# hard trips per seed and false actions per seed (thermwatch):"
cat "$TMP/table"
tw_done
