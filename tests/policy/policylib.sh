# policylib.sh - helpers for the scenario tests of the engine's evidence
# rules (sourced after tests/lib.sh and tests/sim/simlib.sh): run a
# scenario once per seed and check every run, timeline included.
tw_need_cmd jq

# seeds SCENARIO "S1 S2 ..." [ARGS...]: one JSON per seed, $TMP/SCENARIO.S.json
seeds() {
	_s=$1
	SEEDS=$2
	shift 2
	for _n in $SEEDS; do
		"$SIM" "$_s" --seed "$_n" --json "$@" > "$TMP/$_s.$_n.json" \
		    2> "$TMP/$_s.err"
		check "$_s: seed $_n ran" [ $? = 0 ]
	done
}

# each SCENARIO DESC JQ: JQ (over one run's JSON) is true in every seed;
# a JQ that fails counts as false.
each() {
	_bad=""
	for _n in $SEEDS; do
		_v=$(jq -e "$3" "$TMP/$1.$_n.json" 2> /dev/null)
		[ "$_v" = true ] || _bad="$_bad $_n"
	done
	if [ -z "$_bad" ]; then
		ok "$1: $2 (seeds $SEEDS)"
	else
		not_ok "$1: $2: not in seeds$_bad"
	fi
}

# fig SCENARIO KEY: the values of KEY over the seeds, for the log
fig() {
	_l=""
	for _n in $SEEDS; do
		_l="$_l $(jq -c ".$2" "$TMP/$1.$_n.json")"
	done
	echo "# $1 $2:$_l"
}

# the common assertions: no hardware trip, no false action, tier 0 last
safe() {
	each "$1" "0 hard trips" '.hard_trips == 0'
	each "$1" "0 false actions" '.false_actions == 0'
	each "$1" "tier order held (tier 0 went last)" '.tier_order_held'
	fig "$1" graceful_shutdowns
	fig "$1" service_retained_pct
}
