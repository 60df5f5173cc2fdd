#!/bin/sh
# Same scenario + seed + config -> byte-identical JSON (wall_s, the only
# wall-clock figure, is removed before comparing), whether the room goes
# several ticks at a time or tick by tick.
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"

run() {
	"$SIM" "$@" --json | grep -v '"wall_s":'
}
run partial-cooling-loss --duration 3h --seed 42 > "$TMP/a"
run partial-cooling-loss --duration 3h --seed 42 > "$TMP/b"
check "same seed: identical JSON" cmp -s "$TMP/a" "$TMP/b"
check_eq "the seed is reported" "$(jget "$TMP/a" seed)" 42
run partial-cooling-loss --duration 3h --seed 43 > "$TMP/c"
differ() { ! cmp -s "$1" "$2"; }
check "another seed: different JSON" differ "$TMP/a" "$TMP/c"
# The built-in scenario is the shipped ac-failure.conf.
run --duration 8h > "$TMP/d"
run ac-failure --duration 8h > "$TMP/e"
check "built-in == ac-failure.conf" cmp -s "$TMP/d" "$TMP/e"
run "$SCN/partial-cooling-loss.conf" --duration 2h --compare > "$TMP/f"
run "$SCN/partial-cooling-loss.conf" --duration 2h --compare > "$TMP/g"
check "--compare is deterministic too" cmp -s "$TMP/f" "$TMP/g"

# Several ticks at a time (thermwatch-sim(1), Steps) or tick by tick:
# the same JSON and CSV, in public scenarios with restarts, broker loss,
# slow and hung BMCs, hot spots and cooler failures (shortened).
same_as_ticks restart-mid-incident restart-mid-incident --duration 3h --seed 2
same_as_ticks bmc-gaps bmc-gaps --duration 4h
same_as_ticks dense-room dense-room --duration 2h
same_as_ticks cpu-cooler-failure cpu-cooler-failure --duration 4h
# (its zone alarm and the hosts after it: busy and quiet zones in the
# same blocks, the peer exchange's deliveries folded into them)
same_as_ticks ac-failure ac-failure --duration 8h
tw_done
