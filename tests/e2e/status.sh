#!/bin/sh
# End to end: what thermwatchctl says about the host, from the real daemon
# on a fake hwmon tree. "status --check" (a monitoring plugin: one line
# with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) for every
# state: ok, warn, hot, critical, degraded, hold, and no daemon. During
# the boot guard's hold after a thermal shutdown, "status" says hold and
# not accepting load over the socket and in --json, exactly as the
# retained MQTT state does. The host's CPU utilisation is a share in
# [0, 1] (json) and a percentage (status). A sensor that goes stale while
# hot shows the value the engine assumes for it, marked as assumed, with
# its level.
# PORTS: MQTT from tw_ports.
. "$(dirname "$0")/e2e_lib.sh"
e2e_need_mqtt
CTL=$TW_BUILD/thermwatchctl
FAKE=$TW_SRC/tests/fakehwmon.sh

e2e_broker || { not_ok "broker did not start"; tw_done; exit 1; }
e2e_conf "" "$(mqtt_group)"
# sensors are stale after 1 s without a valid sample
conf_sub "cpu = { filter_window = 3;" "cpu = { stale_s = 1.0; filter_window = 3;"
conf_sub "inlet = { warn" "inlet = { stale_s = 1.0; persist_s = 0.4; warn"

ctl() { "$CTL" -s "$D/ctl.sock" "$@"; }
state_is() { [ "$(ctl --json status 2>/dev/null | jq -r .state)" = "$1" ]; }
fault() { CLASS=/proc/$DPID/root/sys/class "$FAKE" fault "$1" 1; }

# plugin WANT_RC WANT_PREFIX: status --check exits WANT_RC with one line
# starting with WANT_PREFIX and carrying perfdata; the line is in $line
plugin() {
	line=$(ctl status --check 2>"$D/check.err")
	rc=$?
	echo "# $line"
	check_eq "check exit code for '$2'" "$rc" "$1"
	check "one line starting '$2'" sh -c '[ "$(printf "%s\n" "$1" | wc -l)" = 1 ] &&
	    case "$1" in "$2"*) exit 0;; *) exit 1;; esac' - "$line" "$2"
	check "nothing on stderr" test ! -s "$D/check.err"
}

# perf NAME VALUE: the perfdata (after the '|') has NAME=VALUE
perf() {
	printf '%s\n' "${line#*|}" | tr ' ' '\n' | grep -qx -- "$1=$2"
}

# --- no daemon ------------------------------------------------------------
plugin 3 "THERMWATCH UNKNOWN - thermwatchd is not running (cannot connect to $D/ctl.sock"

# --- ok, warn, hot: the daemon started at each temperature -----------------
# start MC STATE: the daemon at this CPU temperature, in this state
start_in() {
	rm -f "$D/state/thermal-shutdown"
	e2e_start "$1"
	wait_for 10 state_is "$2"
	check "state $2 at $1 mC" state_is "$2"
}

start_in 50000 ok
plugin 0 "THERMWATCH OK - state ok: "
check "perfdata: eta undetermined (not rising)" perf eta_s U
check "perfdata: hottest cpu, its trip as max" perf cpu_c "50.0;;;;100.0"
check "perfdata: inlet" perf inlet_c "24.0;;;;45.0"
check "perfdata: sensor counts" perf sensors "2;;;0"
check "perfdata: none missing" perf missing "0;;;0"
check "perfdata: zone" perf zone_signals "0;;;0;1"
# the host's CPU utilisation (/proc/stat), known from the second
# evaluation on: a share in [0, 1], in percent for people
busy_is_share() {
	ctl --json status 2>/dev/null |
	    jq -e '.cpu_busy | type == "number" and . >= 0 and . <= 1' >/dev/null
}
wait_for 5 busy_is_share
check "json: cpu_busy is a share in [0, 1] ($(ctl --json status | jq .cpu_busy))" \
    busy_is_share
ctl status > "$D/status"
check "human: cpu busy in percent" grep -qE '^cpu busy:   [0-9]{1,3}%$' "$D/status"
check "no cpu busy warning in the log" sh -c "! grep -q 'cpu busy:' '$D/log'"

# --- degraded: the inlet goes stale while the host is cool ------------------
fault 1
wait_for 10 state_is degraded
check "state degraded with the inlet stale" state_is degraded
plugin 1 "THERMWATCH WARNING - state degraded"
check "perfdata: one missing" perf missing "1;;;0"
inlet=$(ctl --json sensors | jq -c '.[] | select(.class == "inlet") |
	[.status, .used_c, .assumed]')
check_eq "a stale inlet, cool: missing, no value used" "$inlet" '["stale",null,false]'
ctl sensors > "$D/table"
check "table: the stale inlet has no USED value" \
    grep -q "^lm75-virtual-0/temp1 .* 24.0  *- .* stale " "$D/table"
e2e_stop

start_in 72000 warn
plugin 1 "THERMWATCH WARNING - state warn, not accepting load: "
e2e_stop

start_in 80000 hot
plugin 2 "THERMWATCH CRITICAL - state hot, not accepting load: "
check "perfdata: cpu at 80" perf cpu_c "80.0;;;;100.0"

# --- a stale sensor while hot: the value the engine assumes ----------------
# (its last value plus how far its evidence, the host's inlet, moved since:
# thermwatch.conf(5), sensor health)
fault 0
CLASS=/proc/$DPID/root/sys/class "$FAKE" set 1 28000
assumed() {
	ctl --json sensors | jq -e '.[] | select(.class == "cpu") |
	    .status == "stale" and .assumed and .used_c > .value_c' >/dev/null
}
wait_for 10 assumed
check "the stale cpu is assumed to follow its inlet up (used_c > value_c)" assumed
# the substitute's level needs its confirmation, as any other
marked() {
	ctl sensors > "$D/table"
	grep -q "^coretemp-virtual-0/Package id 0 hwmon  cpu  *80.0  *[0-9.]*\* .* \(migrate\|shutdown\) *stale " \
	    "$D/table"
}
wait_for 15 marked
cat "$D/table"
check "table: the assumed value is marked" \
    grep -q "^coretemp-virtual-0/Package id 0 hwmon  cpu  *80.0  *[0-9.]*\* .* \(migrate\|shutdown\) *stale " \
    "$D/table"
check "table: the mark is explained" grep -q "^\* assumed: the sensor is stale, frozen or implausible" "$D/table"
plugin 2 "THERMWATCH CRITICAL - state"
check "perfdata: one assumed" perf assumed "1;;;0"
e2e_stop

# --- critical: a thermal shutdown ------------------------------------------
start_in 93000 critical
plugin 2 "THERMWATCH CRITICAL - state critical, not accepting load: "
wait_for 10 test -s "$D/state/thermal-shutdown"
check "thermal shutdown recorded" test -s "$D/state/thermal-shutdown"
e2e_stop

# --- hold: the next boot, still warm -----------------------------------------
e2e_start 72000
wait_for 10 state_is hold
check "state hold after the thermal shutdown" state_is hold
# the engine's warn needs its confirmation (policy.confirm_samples)
engine_is() { [ "$(ctl --json status 2>/dev/null | jq -r .engine_state)" = "$1" ]; }
wait_for 10 engine_is warn
j=$(ctl --json status)
check_eq "json: hold, engine warn, not accepting load" \
    "$(echo "$j" | jq -c '[.state, .engine_state, .accepting_load]')" \
    '["hold","warn",false]'
check "json: the reason is the hold's" \
    sh -c 'echo "$1" | jq -e ".reason == .hold and
	(.reason | startswith(\"last shutdown was thermal\"))" >/dev/null' - "$j"
ctl status > "$D/status"
cat "$D/status"
check "human: state hold" grep -q "^state:      hold (boot guard); engine warn since " "$D/status"
check "human: not accepting load" grep -qx "load:       not accepting" "$D/status"
check "human: the reason" grep -q "^reason:     last shutdown was thermal" "$D/status"
# the retained MQTT state says the same
mq_state() {
	mosquitto_sub -h 127.0.0.1 -p "$PORT_MQTT" -C 1 -W 3 \
	    -t "thermwatch/v1/e2e/z1/$H/state" 2>/dev/null
}
fields='[.state, .engine_state, .accepting_load, .reason, .zone_alarm]'
mq_hold() { [ "$(mq_state | jq -r .state)" = hold ]; }
wait_for 10 mq_hold
check_eq "MQTT and the control socket agree" \
    "$(mq_state | jq -c "$fields")" "$(ctl --json status | jq -c "$fields")"
plugin 1 "THERMWATCH WARNING - state hold (engine warn), not accepting load: last shutdown was thermal"
e2e_stop

# --- the daemon is gone again -----------------------------------------------
plugin 3 "THERMWATCH UNKNOWN - thermwatchd is not running"
tw_done
