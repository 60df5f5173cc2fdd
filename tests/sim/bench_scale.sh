#!/bin/sh
# Scaling benchmark: the cost per host and simulated tick at 60, 1,000 and
# 10,000 hosts should be flat (the zone exchange is O(hosts)). Prints
# figures; the only assertions are that each run completes with the room
# it was given and that its incident happened.
#
# Every size asks the same of each host, so that only the room's size
# changes: ten identical zones of n/10 hosts (half tier 3, half tier 1,
# 8 VMs each, heat capacity and cooling per host the same), zone Z0
# losing its cooling a third of the way in, the same simulated time.
# (Rooms of different shapes or lengths measure different work: a host
# in an alarm costs more than a calm one, so a room with half its hosts
# in an alarm for a day is dearer per host-tick whatever its size.)
#   default: one simulated hour, the failure at 20 minutes;
#   TW_BENCH_FULL=1: two hours, the failure at 1 h, and then 1,000 hosts
#   for one simulated day (its total_s: the target is <= 60 s wall on
#   one core).
# The sizes run in rounds (60, then 1,000, 60, 10,000, 60 hosts), three rounds
# (TW_BENCH_RUNS overrides the count); each run is printed, and a size's
# figure is the median of its runs. Flatness is also read per round: each
# larger run against the mean of the 60-host runs just before and after
# it, so that a slow phase of a shared machine (its speed moves by a
# third for minutes at a time) counts on both sides of a ratio.
# Columns: setup_s, the run's set-up (creating the engines); ticks_s,
# the wall time of its ticks; total_s, the whole command on one core
# (--jobs 1: set-up, the run, and its oracle's run, physics only); cpu_s,
# the process's CPU time; per host-tick, the ticks' wall time and their
# CPU time by the thread's own clock (the better figure on a loaded
# machine; neither includes the oracle). The load average is printed
# beside them, the ratio of the largest median CPU cost per host-tick to
# the smallest, and the median of the paired ratios (flat: <= 1.2).
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"

room() { # hosts zones fail_s
	n=$1
	zn=$2
	per=$((n / zn))
	echo "name = \"scale-$n\"; tick_s = 1.0; peer_interval_s = 10.0;"
	echo "seed = 1; sensors = { glitch_per_h = 0.05;"
	echo "  dropout_per_h = 0.02; stale_per_h = 0.01; };"
	echo "zones = ("
	z=0
	while [ $z -lt "$zn" ]; do
		[ $z -gt 0 ] && echo ","
		echo "{ name = \"Z$z\";"
		echo "  heat_capacity_kj_per_k = $((per * 22)).0;"
		echo "  cooling = ( { name = \"c$z\";"
		echo "    capacity_kw = $((per * 6 / 10)).$((per * 6 % 10)); } );"
		echo "  hosts = ( { prefix = \"z$z-t3-\"; count = $((per / 2));"
		echo "      tier = 3; vms = 8; },"
		echo "    { prefix = \"z$z-t1-\"; count = $((per - per / 2));"
		echo "      tier = 1; vms = 8; } ); }"
		z=$((z + 1))
	done
	echo ");"
	echo "events = ( { at = $3; kind = \"cooling\"; zone = \"Z0\";"
	echo "  capacity = 0.0; note = \"zone Z0 loses its cooling\"; } );"
}

# one HOSTS DURATION_S FAIL_S TAG: run once, print its line, append
# "hosts cpu_us" to $TMP/cost.TAG
one() {
	n=$1
	room "$n" 10 "$3" > "$TMP/room$n.conf"
	t0=$(date +%s.%N)
	"$SIM" "$TMP/room$n.conf" --duration "$2" --jobs 1 --quiet \
	    > "$TMP/out$n"
	check "$n hosts: the run completes" [ $? = 0 ]
	t1=$(date +%s.%N)
	check "$n hosts in the summary" \
	    grep -q "summary (thermwatch policy): $n hosts" "$TMP/out$n"
	check "$n hosts: zone Z0's incident is seen" \
	    grep -q "zone Z0: .*first alarm +" "$TMP/out$n"
	check "$n hosts: the cost is printed" grep -q "^run: set-up" "$TMP/out$n"
	awk -v n="$n" -v d="$2" -v t="$t0 $t1" '
	    /^wall time/ { cpu = $6; mb = $10 }
	    /^run: set-up/ { setup = $3; ticks = $7; us = $13 }
	    END { split(t, w, " ");
		printf "%6d %5.1fh %8.2f %8.2f %8.2f %8.2f %12.3f %12.3f %7.0f\n",
		n, d / 3600, setup, ticks, w[2] - w[1], cpu,
		ticks * 1e6 / (n * (d + 1)), us, mb }' "$TMP/out$n"
	awk -v n="$n" '/^run: set-up/ { print n, $13 }' "$TMP/out$n" \
	    >> "$TMP/cost.$4"
}

dur=3600
fail=1200
if [ "${TW_BENCH_FULL:-}" = 1 ]; then
	dur=7200
	fail=3600
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s %6s %8s %8s %8s %8s %12s %12s %7s\n' hosts sim setup_s \
    ticks_s total_s cpu_s wall_us/h-t cpu_us/h-t peak_MB
# Rounds: 60, 1,000, 60, 10,000, 60 hosts. A shared VM's speed moves by a
# third for minutes at a time, on every size alike: each larger run is
# also taken against the 60-host runs just before and after it (their
# mean), and the median of those paired ratios is the flatness figure,
# beside the ratio of the sizes' medians.
k=${TW_BENCH_RUNS:-3}
last() { tail -n 1 "$TMP/cost.$1" | awk '{ print $2 }'; }
# (one() sets n: the loop's variables have other names)
one 60 "$dur" "$fail" 60
before=$(last 60)
round=0
while [ $round -lt "$k" ]; do
	for big in 1000 10000; do
		one "$big" "$dur" "$fail" "$big"
		one 60 "$dur" "$fail" 60
		awk -v n="$big" -v x="$(last "$big")" -v a="$before" \
		    -v b="$(last 60)" \
		    'BEGIN { if (a + b > 0) print n, 2 * x / (a + b) }' \
		    >> "$TMP/paired"
		before=$(last 60)
	done
	round=$((round + 1))
done
# A size's figure: the median of its runs (and the best, for reference).
for n in 60 1000 10000; do
	sort -n -k2 "$TMP/cost.$n" | awk -v n="$n" -v f="$TMP/median" '
	    { v[NR] = $2 }
	    END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "%6d hosts: cpu us per host-tick, median of %d runs " \
		    "%.3f (best %.3f)\n", n, NR, m, v[1];
		print n, m >> f }'
done
# Flat: the largest median CPU cost per host-tick within ~20 % of the
# smallest; and each larger run against the 60-host runs around it.
awk '{ if (NR == 1 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 }
    END { if (lo > 0) printf "cpu per host-tick, largest / smallest median: " \
	"%.2f\n", hi / lo }' "$TMP/median"
for n in 1000 10000; do
	awk -v n="$n" '$1 == n { print $2 }' "$TMP/paired" | sort -g |
	    awk -v n="$n" '{ v[NR] = $1
		s = s (NR > 1 ? ", " : "") sprintf("%.2f", $1) }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%6d hosts against the 60-host runs around each: %s;" \
		    " median %.2f%s\n", n, s, m,
		    n == 10000 ? " (flat: 1.2 or less)" : "" }'
done
if [ "${TW_BENCH_FULL:-}" = 1 ]; then
	echo "1,000 hosts for one simulated day (target: total_s <= 60):"
	one 1000 86400 3600 day
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
tw_done
