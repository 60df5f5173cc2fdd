# simlib.sh - helpers for the thermwatch-sim tests (sourced after lib.sh).
# The JSON is read with awk from cJSON's formatted output (one top-level
# key per line, one tab deep), so the tests need no jq.
SIM=$TW_BUILD/thermwatch-sim
SCN=$TW_SRC/tests/scenarios
[ -x "$SIM" ] || { echo "not built: $SIM"; exit 1; }
TMP=$(mktemp -d)
tw_at_exit 'rm -rf "$TMP"'

# jget FILE KEY: a top-level scalar of the JSON object
jget() {
	awk -v k="$2" -F '\t' '
		$1 == "" && $2 == "\"" k "\":" {
			v = $3; sub(/,$/, "", v); gsub(/"/, "", v); print v; exit
		}' "$1"
}

# jevents FILE: the "events" array as lines "t_s kind zone tier host"
jevents() {
	awk '
		/^\t"events":/ { on = 1; next }
		on && /^\t"[a-z_]+":/ { on = 0 }
		!on { next }
		/"t_s":/ { t = $2; sub(/,/, "", t) }
		/"kind":/ { k = $2; gsub(/[",]/, "", k) }
		/"zone":/ { z = $2; gsub(/[",]/, "", z) }
		/"host":/ { h = $2; gsub(/[",]/, "", h) }
		/"tier":/ { r = $2; sub(/,/, "", r) }
		/^\t\t}/ { print t, k, z, (r == "" ? "-" : r), \
		    (h == "" ? "-" : h); t = k = z = h = r = "" }
	' "$1"
}

# is_num X, ge A B, gt A B (numbers, possibly fractional)
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

# same_as_ticks NAME ARGS...: the run stepped tick by tick
# (THERMWATCH_SIM_STEP=tick) and as the simulator steps it by default
# (several ticks at a time where it can): JSON with the comparison and CSV,
# byte for byte (wall_s removed).
same_as_ticks() {
	name=$1
	shift
	THERMWATCH_SIM_STEP=tick "$SIM" "$@" --json --compare \
	    --csv "$TMP/tick.csv" | grep -v '"wall_s":' > "$TMP/tick.json"
	"$SIM" "$@" --json --compare --csv "$TMP/block.csv" |
	    grep -v '"wall_s":' > "$TMP/block.json"
	check "$name: JSON as tick by tick" \
	    cmp -s "$TMP/tick.json" "$TMP/block.json"
	check "$name: CSV as tick by tick" \
	    cmp -s "$TMP/tick.csv" "$TMP/block.csv"
}
