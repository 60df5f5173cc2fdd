#!/bin/sh
# Command line: bad arguments exit 2 with a message; --csv, --plot,
# --config and --compare produce what they say.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"

bad() {
	desc=$1
	shift
	"$SIM" "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	if [ $rc = 2 ] && grep -q "thermwatch-sim" "$TMP/err"; then
		ok "$desc: exit 2"
	else
		not_ok "$desc: exit $rc, stderr: $(head -c 200 "$TMP/err")"
	fi
}
bad "unknown policy" --policy smart
bad "negative seed" --seed -1
bad "bad duration" --duration soon
bad "zero duration" --duration 0
bad "PNG plot" --plot out.png
bad "two scenarios" ac-failure normal-week
bad "unknown option" --frobnicate
"$SIM" --help > "$TMP/out"
check "--help exits 0 and shows usage" grep -q "usage: thermwatch-sim" \
    "$TMP/out"
"$SIM" --list > "$TMP/out"
for f in "$SCN"/*.conf; do
	check "--list names $(basename "$f" .conf)" \
	    grep -q "^$(basename "$f" .conf) " "$TMP/out"
done
"$SIM" hot-spot-rack.conf --duration 60 --json > /dev/null
check_eq "a name with .conf resolves" $? 0
"$SIM" no-such-scenario > /dev/null 2> "$TMP/err"
check_eq "unknown scenario: exit 1" $? 1
check "unknown scenario named" grep -q "no-such-scenario" "$TMP/err"

"$SIM" hot-spot-rack --duration 4h --csv "$TMP/s.csv" \
    --plot "$TMP/s.svg" > "$TMP/out"
check "human output has a timeline" grep -q "^timeline" "$TMP/out"
check "human output prints the seed" grep -q "seed 5" "$TMP/out"
check "csv header" grep -q "^t_s,building_c,A_air_c,A_cooling_kw" "$TMP/s.csv"
rows=$(($(wc -l < "$TMP/s.csv") - 1))
check "csv has rows ($rows)" [ "$rows" -gt 100 ]
cols=$(awk -F, '{ print NF }' "$TMP/s.csv" | sort -u | wc -l)
check_eq "csv rows all have the header's columns" "$cols" 1
hosts=$(awk -F, 'NR > 1 { s = 0; for (i = 9; i < NF; i++) s += $i;
    print s }' "$TMP/s.csv" | sort -u)
check_eq "csv host states add up to 60 hosts" "$hosts" 60
check "svg is a complete document" grep -q "</svg>" "$TMP/s.svg"
check "svg shows the trip line" grep -q "inlet hardware trip" "$TMP/s.svg"
if command -v xmllint > /dev/null 2>&1; then
	check "svg is well-formed XML" xmllint --noout "$TMP/s.svg"
fi

"$SIM" hot-spot-rack --duration 1h --compare > "$TMP/out"
for p in thermwatch static none; do
	check "--compare table has $p" grep -q "^ .*$p" "$TMP/out"
done
check "--compare table has hard trips" grep -q "^hard trips" "$TMP/out"
"$SIM" hot-spot-rack --duration 1h --compare --json > "$TMP/c.json"
n=$(grep -c '"policy":' "$TMP/c.json")
check_eq "--compare --json lists the three policies (+ main)" "$n" 4

# --config: the operator's real thermwatch.conf.
cfg=$TW_SRC/agent/thermwatch.conf
if [ -f "$cfg" ]; then
	"$SIM" hot-spot-rack --duration 30m --config "$cfg" --json \
	    > "$TMP/cfg.json"
	check_eq "--config with the shipped example runs" $? 0
fi
printf 'policy = {\n  no_such_key = 1;\n};\n' > "$TMP/bad.conf"
"$SIM" --duration 1h --config "$TMP/bad.conf" > /dev/null 2> "$TMP/err"
check_eq "--config with a bad file: exit 1" $? 1
check "--config error is file:line" grep -q "^$TMP/bad.conf:2: " "$TMP/err"
tw_done
