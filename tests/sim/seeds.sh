#!/bin/sh
# --seeds runs one scenario over many seeds and prints what happened per
# seed and the min / median / max of every figure; --jobs runs them on
# threads and changes nothing in the results.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
tw_need_cmd jq

nowall() { jq -S 'del(.wall_s, .runs[]?.wall_s, .compare[]?.wall_s)'; }

# a small room, so that this runs in seconds (under the sanitizers too):
# zone A (8 hosts, tiers 0-3) loses its cooling at +20 min
R=$TMP/room.conf
cat > "$R" <<'SCN'
name = "small"; duration = "2h"; seed = 9;
sensors = { glitch_per_h = 0.5; dropout_per_h = 0.2; };
zones = (
	{ name = "A"; heat_capacity_kj_per_k = 150.0; ua_w_per_k = 60.0;
	  cooling = ( { name = "a1"; capacity_kw = 4.0; } );
	  hosts = ( { prefix = "a-t0-"; count = 2; tier = 0; },
		{ prefix = "a-t1-"; count = 2; tier = 1; },
		{ prefix = "a-t3-"; count = 4; tier = 3; inlet_offset_c = 2.0; } ); },
	{ name = "B"; cooling = ( { name = "b1"; capacity_kw = 4.0; } );
	  hosts = ( { prefix = "b-"; count = 4; tier = 1; vms = 4; } ); }
);
events = ( { at = "+20m"; kind = "cooling"; zone = "A"; capacity = 0.0; } );
SCN

"$SIM" "$R" --seeds 1-3 --quiet > "$TMP/table"
check "--seeds: exit 0" [ $? = 0 ]
check "the header names the seeds" grep -q "seeds 1-3" "$TMP/table"
check "the seeds saw trouble" grep -q "^lead of alarm / oracle  *0" "$TMP/table"
check "a block for the policy" grep -q "^thermwatch policy, 3 seeds:" \
    "$TMP/table"
rows=$(awk '/^ *seed +trips/ { on = 1; next } on && NF == 0 { on = 0 }
    on { n++ } END { print n }' "$TMP/table")
check_eq "one row per seed" "$rows" 3
check "min / median / max columns" grep -qE "^ +min +median +max$" \
    "$TMP/table"
check "tier order over the runs" \
    grep -qE "^tier 0 shut down last +[0-3] of 3 runs" "$TMP/table"
check "lead times in the table" grep -q "^lead of alarm / oracle" \
    "$TMP/table"

"$SIM" "$R" --seeds 1-3 --json > "$TMP/a.json"
check_eq "JSON: the seeds" "$(jq -c .seeds "$TMP/a.json")" "[1,2,3]"
check_eq "JSON: a run per seed" \
    "$(jq -c '[.runs[] | .seed]' "$TMP/a.json")" "[1,2,3]"
# the statistics are those of the runs
for k in service_retained_pct migrations graceful_shutdowns; do
	want=$(jq -c "[.runs[].$k] | sort |
	    {min: .[0], median: .[1], max: .[2]}" "$TMP/a.json")
	got=$(jq -c ".stats.thermwatch.$k | {min, median, max}" \
	    "$TMP/a.json")
	check_eq "stats of $k match the runs" "$got" "$want"
done
held=$(jq '[.runs[] | select(.tier_order_held)] | length' "$TMP/a.json")
check_eq "stats count the runs where tier 0 went last" \
    "$(jq .stats.thermwatch.tier_order_held.held "$TMP/a.json")" "$held"
x=$(jq '[.runs[].rejected] | unique | length' "$TMP/a.json")
check "different seeds, different runs ($x rejected counts)" [ "$x" -gt 1 ]

# threads change nothing
"$SIM" "$R" --seeds 1-4 --json --jobs 1 | nowall > "$TMP/j1"
"$SIM" "$R" --seeds 1-4 --json --jobs 2 | nowall > "$TMP/j2"
check "--seeds --jobs 2 == --jobs 1" cmp -s "$TMP/j1" "$TMP/j2"
"$SIM" "$R" --compare --json --jobs 1 | nowall > "$TMP/c1"
"$SIM" "$R" --compare --json --jobs 3 | nowall > "$TMP/c3"
check "--compare --jobs 3 == --jobs 1" cmp -s "$TMP/c1" "$TMP/c3"
# a seed of --seeds is that seed's run
"$SIM" "$R" --seed 3 --json | nowall > "$TMP/s3"
check_eq "--seeds run 3 == --seed 3" \
    "$(jq -S -c '.runs[2] | del(.seed)' "$TMP/j1")" \
    "$(jq -S -c 'del(.events, .scenario, .seed, .duration_s, .tick_s)' \
	"$TMP/s3")"
check "that run is not empty" grep -q '"hard_trips"' "$TMP/s3"
"$SIM" "$R" --seeds 1,2 --compare --json > "$TMP/p.json"
check_eq "--compare: every policy per seed" \
    "$(jq -c '[.runs[] | .policy]' "$TMP/p.json")" \
    '["thermwatch","static","none","thermwatch","static","none"]'
check_eq "--compare: stats per policy" \
    "$(jq -c '.stats | keys' "$TMP/p.json")" '["none","static","thermwatch"]'

bad() {
	"$SIM" "$@" > /dev/null 2> "$TMP/err"
	check_eq "$* : exit 2" $? 2
}
bad --seeds 5-1
bad --seeds x
bad --seeds 1-
bad --seeds 1-3 --seed 4
bad --seeds 1-3 --plot x.svg
bad --jobs 0
bad --jobs 65
tw_done
