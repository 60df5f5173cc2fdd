# public.sh - helpers for the public scenarios' tests (sourced after
# simlib.sh): run a scenario over seeds, then assert on every run.
tw_need_cmd jq

# seeds SCENARIO SEEDS [args...]: --seeds JSON into $TMP/SCENARIO.json
seeds() {
	n=$1
	s=$2
	shift 2
	"$SIM" "$n" --seeds "$s" --jobs 2 --json "$@" > "$TMP/$n.json"
	check "$n: --seeds $s runs" [ $? = 0 ]
	J=$TMP/$n.json
}

# every DESC JQ-BOOLEAN [POLICY]: the expression holds for every run (of
# the policy, default thermwatch); the values are shown either way.
every() {
	pol=${3:-thermwatch}
	vals=$(jq -c "[.runs[] | select(.policy == \"$pol\") |
	    {seed, v: ($2)}]" "$J")
	bad=$(jq -c "[.runs[] | select(.policy == \"$pol\") |
	    select(($2) | not) | .seed]" "$J")
	if [ "$bad" = "[]" ]; then
		ok "$1 ($pol, every seed)"
	else
		not_ok "$1 ($pol): not in seeds $bad: $vals"
	fi
}

# show KEYS...: the figures per run, for the log
show() {
	jq -r ".runs[] | [.policy, .seed, $1] | @tsv" "$J" |
	    sed 's/^/  /'
}
