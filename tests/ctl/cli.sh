#!/bin/sh
# thermwatchctl against a private daemon: human and --json output, override
# set/clear, refusals with clear errors, bad arguments (exit 2), daemon
# down (exit 1, socket named).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ctl_lib.sh"
tw_need_cmd jq

# --- without a daemon ----------------------------------------------------
out=$("$CTL" --version)
check_eq "--version" "$out" "thermwatchctl $(sed -n \
	's/^project(thermwatch VERSION \([0-9.]*\).*/\1/p' "$TW_SRC/CMakeLists.txt")"
"$CTL" --help | grep -q "override set KEY VALUE"
check_eq "--help shows the commands" "$?" 0

ctl status >"$CT/out" 2>"$CT/err"
check_eq "daemon down: exit 1" "$?" 1
check "daemon down: socket named" grep -qF \
	"thermwatchd is not running (cannot connect to $SOCK: No such file or directory)" \
	"$CT/err"

usage() { # expected-message args...: exit 2 and the message on stderr
	msg=$1
	shift
	ctl "$@" >"$CT/out" 2>"$CT/err"
	rc=$?
	check_eq "bad args exit 2: $*" "$rc" 2
	check "message for: $*" grep -qF -- "$msg" "$CT/err"
	check "usage for: $*" grep -q "^usage: thermwatchctl" "$CT/err"
	check "nothing on stdout for: $*" test ! -s "$CT/out"
}
usage "no command given"
usage 'unknown command "frobnicate"' frobnicate
usage "unknown option --frob" --frob status
usage "option -s needs an argument" -s
usage "status: expected 0 arguments, got 1" status extra
usage "status: unknown option --all" status --all
usage "override: need set, clear or list" override
usage 'override: unknown action "drop"' override drop quiet
usage "override set: need KEY and VALUE" override set quiet --ttl 1m --reason r
usage "override set: --ttl is required" override set quiet 1 --reason r
usage "override set: --reason is required" override set quiet 1 --ttl 1m
usage 'override set: bad --ttl "soon"' override set quiet 1 --ttl soon --reason r
usage 'override set: VALUE "hot" is not a number' override set quiet hot --ttl 1m --reason r
usage "override clear: expected 1 argument, got 0" override clear
usage 'hold: only "hold clear" exists' hold
usage "watch: bad --count" watch --count x
usage "console: --host is required" console
usage 'console: unknown workaround "bogus"' console --host 127.0.0.1 -W bogus

"$CTL" -c "$CT/nope.conf" status >/dev/null 2>"$CT/err"
check_eq "-c with a missing config: exit 1" "$?" 1

# --- with a daemon -------------------------------------------------------
ct_conf
ct_start

# the socket comes from -c too
"$CTL" -c "$CT/tw.conf" status >"$CT/out"
check_eq "status via -c: exit 0" "$?" 0
check "status: host line" grep -q "^host: *t1 (site lab, zone z1, tier 3)" \
	"$CT/out"
check "status: state line" grep -q "^state: *degraded since " "$CT/out"
check "status: dry run line" grep -q "^dry run: *no" "$CT/out"
j=$(ctl --json status)
check_eq "status --json" "$(echo "$j" | jq -c '[.host, .state, .tier]')" \
	'["t1","degraded",3]'
j=$(ctl status --json)
check_eq "--json after the command" "$(echo "$j" | jq -r .host)" t1
check_eq "sensors: none" "$(ctl sensors)" "no sensors"
check_eq "sensors --json: []" "$(ctl --json sensors | jq -c .)" "[]"
check_eq "overrides: none" "$(ctl overrides)" "no overrides in force"

out=$(ctl override set cpu.migrate.lead_s 900 --ttl 2h --reason \
	"slow migrations today" --by alice)
check_eq "override set: exit 0" "$?" 0
check "override set: says what was set" sh -c "echo '$out' | grep -q \
	'^override cpu.migrate.lead_s = 900 until .* (2h0m0s), by alice ($ME): slow migrations today'"
ctl override set quiet on --ttl 90 --reason "fan swap" >/dev/null
ctl overrides >"$CT/out"
check "overrides: header" grep -q "^KEY  *VALUE EXPIRES IN EXPIRES  *AUTHOR  *REASON" \
	"$CT/out"
check "overrides: quiet row" grep -q "^quiet  *1 1m[23][0-9]s .* $ME  *fan swap" \
	"$CT/out"
j=$(ctl --json overrides)
check_eq "overrides --json" "$(echo "$j" | jq -c '[.[] | [.key, .value, .author]]')" \
	"[[\"cpu.migrate.lead_s\",900,\"alice ($ME)\"],[\"quiet\",1,\"$ME\"]]"
check_eq "status counts them" "$(ctl --json status | jq .overrides)" 2

refused() { # expected-message args...: exit 1 and a clear error
	msg=$1
	shift
	ctl "$@" >"$CT/out" 2>"$CT/err"
	check_eq "refused exits 1: $*" "$?" 1
	check "clear error for: $*" grep -qF -- "$msg" "$CT/err"
}
refused 'thermwatchctl: unknown override key "cpu.shutdown.margin" (keys: quiet, <class>.trip_c' \
	override set cpu.shutdown.margin 5 --ttl 1h --reason r
refused "thermwatchctl: quiet: ttl 2592000 s is out of range (more than 0, at most 14400 s = policy.max_override_ttl_s)" \
	override set quiet 1 --ttl 30d --reason r
refused "thermwatchctl: cpu.shutdown.margin_c: 0.5 clamped to 2 (allowed 2..8); not applied (--clamp applies the clamped value)" \
	override set cpu.shutdown.margin_c 0.5 --ttl 1h --reason r
refused "thermwatchctl: cpu.trip_c: 150 clamped to" \
	override set cpu.trip_c 150 --ttl 1h --reason "raise the trip"
refused 'thermwatchctl: no override "inlet.trip_c" in force' \
	override clear inlet.trip_c
refused "thermwatchctl: not in hold" hold clear
check_eq "refusals changed nothing" "$(ctl --json overrides | jq length)" 2

ctl override set cpu.shutdown.margin_c 0.5 --ttl 1h --reason r --clamp \
	>"$CT/out" 2>"$CT/err"
check_eq "--clamp: exit 0" "$?" 0
check "--clamp: warning" grep -q "warning: cpu.shutdown.margin_c: 0.5 clamped to 2" \
	"$CT/err"
check "--clamp: applied the floor" grep -q "override cpu.shutdown.margin_c = 2 " \
	"$CT/out"
j=$(ctl --json override set cpu.warn.margin_c 1 --ttl 1h --reason r)
check_eq "override set --json" "$(echo "$j" | jq -c '[.key, .value, .clamped]')" \
	'["cpu.warn.margin_c",1,false]'
j=$(ctl --json override set bogus 1 --ttl 1h --reason r 2>/dev/null)
check_eq "refusal --json on stdout" "$(echo "$j" | jq -c '[.ok, .cmd]')" \
	'[false,"override-set"]'

check_eq "override clear" "$(ctl override clear quiet)" "override cleared"
check_eq "gone" "$(ctl --json overrides | jq -c '[.[].key]')" \
	'["cpu.migrate.lead_s","cpu.shutdown.margin_c","cpu.warn.margin_c"]'
check_eq "override list" "$(ctl override list | wc -l)" 4
check_eq "rescan" "$(ctl rescan)" "rescan done"

# the daemon logs who did what
check "set logged with the author" grep -q \
	"override cpu.migrate.lead_s = 900 for 7200 s by alice ($ME) via control: slow migrations today" \
	"$CT/log"
check "clear logged" grep -q "override quiet cleared by $ME via control" \
	"$CT/log"

# a second daemon on the same socket does not steal it
$TWD -f -c "$CT/tw.conf" >"$CT/log2" 2>&1 &
P2=$!
tw_track $P2
wait_for 5 grep -q "is in use by a running daemon" "$CT/log2"
check "second daemon leaves a live socket alone" \
	grep -q "is in use by a running daemon" "$CT/log2"
stop_pid "$P2"
check_eq "first daemon still answers" "$(ctl --json status | jq -r .host)" t1

# the boot guard: a thermal shutdown record makes the next start hold
ct_stop
printf '{"reason":"cpu at 99 C","time_utc":"2026-11-24T02:00:00Z"}\n' \
	>"$CT/state/thermal-shutdown"
ct_start
check_eq "status --json: hold" "$(ctl --json status | jq -r .hold)" \
	"last shutdown was thermal (2026-11-24T02:00:00Z): cpu at 99 C"
ctl status >"$CT/out"
check "status: hold line" grep -q \
	'^hold: *last shutdown was thermal (2026-11-24T02:00:00Z): cpu at 99 C' "$CT/out"
check_eq "hold clear" "$(ctl hold clear --reason 'checked the CRAC')" \
	"hold cleared"
check_eq "hold gone" "$(ctl --json status | jq -c .hold)" null
check "record kept for the post-mortem" test -f "$CT/state/thermal-shutdown.cleared"
check "cleared by whom, why" grep -q "hold cleared (operator $ME): checked the CRAC" \
	"$CT/log"
refused "thermwatchctl: not in hold" hold clear

ct_stop
ctl status >/dev/null 2>"$CT/err"
check_eq "after stop: exit 1" "$?" 1
check "after stop: socket named" grep -qF "$SOCK" "$CT/err"
tw_done
