#!/bin/sh
# Bad scenario files: every error is "file:line: message", all of them
# are reported in one run, and the simulator exits 1 without running.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"

# expect FILE LINE PATTERN: stderr has "FILE:LINE: ...PATTERN..."
expect() {
	if grep -q "^$1:$2: .*$3" "$TMP/err"; then
		ok "$(basename "$1"):$2: $3"
	else
		not_ok "$(basename "$1"):$2: $3 (got: $(head -c 300 "$TMP/err"))"
	fi
}

f=$TMP/syntax.conf
printf 'name = "x";\nzones = (\n  { name = "A";\n    hosts = ( { count = 2 } } );\n);\n' > "$f"
"$SIM" "$f" > /dev/null 2> "$TMP/err"
check_eq "syntax error: exit 1" $? 1
expect "$f" 4 "syntax error"

f=$TMP/semantic.conf
cat > "$f" <<'SCN'
name = "bad";
duraton = "2h";
zones = (
	{
		name = "A";
		heat_capacity_kj_per_k = -5.0;
		cooling = ( { name = "c1"; capacity_kw = 10.0; } );
		hosts = (
			{ prefix = "h-"; count = 2; tier = 12; vms = 20;
			  capacity_vms = 16; }
		);
	}
);
events = (
	{ at = "Fry 19:00"; kind = "cooling"; zone = "A"; capacity = 0.0; },
	{ at = 60.0; kind = "cooling"; zone = "Q"; capacity = 0.0; },
	{ at = 60.0; kind = "meteor"; zone = "A"; },
	{ at = 60.0; kind = "cooling"; zone = "A"; cooler = "c9"; capacty = 0.5; }
);
SCN
"$SIM" "$f" > /dev/null 2> "$TMP/err"
check_eq "semantic errors: exit 1" $? 1
expect "$f" 2 "duraton.*did you mean.*duration"
expect "$f" 6 "heat_capacity_kj_per_k"
expect "$f" 9 "tier"
expect "$f" 9 "vms (20) exceeds capacity_vms (16)"
expect "$f" 15 "Fry 19:00"
expect "$f" 16 "no zone named \"Q\""
expect "$f" 17 "meteor"
expect "$f" 18 "no cooling unit named \"c9\""
expect "$f" 18 "capacty.*did you mean.*capacity"
n=$(grep -c "^$f:[0-9]*: " "$TMP/err")
check "all errors reported in one run ($n)" ge "$n" 9

f=$TMP/nozones.conf
printf 'name = "empty";\nseed = -3;\n' > "$f"
"$SIM" "$f" > /dev/null 2> "$TMP/err"
check_eq "no zones: exit 1" $? 1
expect "$f" 2 "seed"
check "no zones reported" grep -q "zones: expected" "$TMP/err"
tw_done
