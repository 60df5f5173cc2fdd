#!/bin/sh
# 1,024 sensors through the real daemon on a fake tree (128 chips of 8, a
# private mount namespace) and a private mosquitto: --once --json reads
# them all; the daemon reads them all through kept-open files and
# monitors up to agent.max_sensors (1,024 by default), which its sensors
# message and thermwatchctl show; with a lower limit it says so: a
# warning, a sensor_limit event, the refused count in the sensors message,
# thermwatchctl and the metrics, and the host is degraded.
# Ports: a tw_ports block of 1.
. "$(dirname "$0")/../lib.sh"
tw_need_root
tw_need_cmd unshare jq mosquitto mosquitto_sub
TWD=$TW_BUILD/thermwatchd
CTL=$TW_BUILD/thermwatchctl
FAKE=$TW_SRC/tests/fakehwmon.sh
[ -x "$TWD" ] || tw_skip "no $TWD (build first)"
D=$(mktemp -d /tmp/tw-many.XXXXXX)
chmod 755 "$D" # a root-started mosquitto drops to user mosquitto
tw_at_exit 'rm -rf "$D"'
tw_ports 1
PORT=$TW_PORT
P=thermwatch/v1/lab/z1/big

cat >"$D/broker.conf" <<CONF
per_listener_settings false
allow_anonymous true
persistence false
log_dest none
listener $PORT 127.0.0.1
CONF
chmod 644 "$D/broker.conf"
mosquitto -c "$D/broker.conf" >/dev/null 2>&1 &
tw_track $!
wait_for 5 mosquitto_sub -h 127.0.0.1 -p $PORT -t x -C 1 -W 1 -E \
    >/dev/null 2>&1

# conf FILE [agent extra]
conf() {
	mkdir -p "$D/state"
	cat >"$1" <<CONF
agent = { site = "lab"; zone = "z1"; host = "big"; interval_s = 0.5;
	rescan_s = 0; state_dir = "$D/state"; ${2:-} };
hwmon = { sensors_conf = "/dev/null"; };
mqtt = { enabled = true; brokers = [ "127.0.0.1:$PORT" ];
	telemetry_interval_s = 0.5; };
prometheus = { textfile = "$D/tw.prom"; };
actions = { dry_run = true; };
control = { socket = "$D/ctl.sock"; };
CONF
}

# 1. --once --json: every sensor, with its value
conf "$D/tw.conf"
unshare -m sh -c "
	mount -t tmpfs none /sys/class &&
	$FAKE many 0 128 8 &&
	exec $TWD --once --json -c $D/tw.conf" >"$D/once.json" 2>"$D/once.err"
check_eq "--once exits 0" "$?" 0
check_eq "--once: 1,024 sensors" "$(jq length "$D/once.json")" 1024
check_eq "... each with its value" "$(jq '[.[] | select(.state ==
	"nominal" and .value_c >= 40 and .value_c <= 47)] | length' \
	"$D/once.json")" 1024

# daemon CONF LOG: start it on the 1,024-sensor tree; PID
daemon() {
	unshare -m sh -c "
		mount -t tmpfs none /sys/class &&
		$FAKE many 0 128 8 &&
		exec $TWD -f -c $1" >"$2" 2>&1 &
	PID=$!
	tw_track $PID
}

# 2. the daemon with the default limit
mosquitto_sub -h 127.0.0.1 -p $PORT -t "$P/#" -v >"$D/all.sub" 2>&1 &
SUB=$!
tw_track $SUB
daemon "$D/tw.conf" "$D/log"
wait_for 10 grep -q "hwmon: 1024 temperature sensors" "$D/log"
check "hwmon: all 1,024 found, none through libsensors" \
	grep -q "hwmon: 1024 temperature sensors (0 read through libsensors)" \
	"$D/log"
want=1024
check "the limit is agent.max_sensors, 1,024 by default" \
	grep -q "monitoring at most 1024 sensors" "$D/log"
valid() {
	n=$("$CTL" -s "$D/ctl.sock" --json sensors |
	    jq '[.[] | select(.status == "valid")] | length')
	[ "$n" = "$want" ]
}
check "$want sensors valid in the engine" wait_for 20 valid
telemetry() {
	grep "^$P/telemetry " "$D/all.sub" | tail -1 | cut -d' ' -f2-
}
full() {
	[ "$(telemetry | jq '[.value_c[] | numbers] | length')" = "$want" ]
}
check "telemetry: $want values" wait_for 10 full
s=$(grep "^$P/sensors " "$D/all.sub" | tail -1 | cut -d' ' -f2-)
check_eq "the sensors message: the layout, the limit, none refused" \
	"$(echo "$s" | jq -c '[(.sensors | length), .max_sensors, .refused]')" \
	"[1024,1024,0]"
check_eq "telemetry follows it" "$(telemetry | jq -r .layout)" \
	"$(echo "$s" | jq -r .layout)"
tw_stop $PID
tw_stop $SUB

# 3. a lower limit: said in the log, in an event and the sensors message
conf "$D/low.conf" "max_sensors = 100;"
mosquitto_sub -h 127.0.0.1 -p $PORT -t "$P/#" -v >"$D/low.sub" 2>&1 &
SUB=$!
tw_track $SUB
daemon "$D/low.conf" "$D/lowlog"
limit_said() { grep -q "sensor limit reached" "$D/lowlog"; }
wait_for 10 limit_said
check "a warning names the limit and the count" grep -q \
	"sensor limit reached: agent.max_sensors = 100, 924 sensors not monitored" \
	"$D/lowlog"
check_eq "... once" "$(grep -c "sensor limit reached" "$D/lowlog")" 1
ev() { grep -q "^$P/event .*\"type\":\"sensor_limit\"" "$D/low.sub"; }
check "a sensor_limit event" wait_for 10 ev
check_eq "... with the limit and the count" \
	"$(grep "^$P/event .*sensor_limit" "$D/low.sub" | head -1 |
	    cut -d' ' -f2- | jq -c '[.max_sensors, .refused]')" "[100,924]"
refused() {
	grep "^$P/sensors " "$D/low.sub" | tail -1 | cut -d' ' -f2- |
	    jq -e '.refused == 924 and .max_sensors == 100 and
		(.sensors | length) == 100' >/dev/null
}
check "the sensors message: 100 monitored, 924 refused" wait_for 10 refused
n=$("$CTL" -s "$D/ctl.sock" --json sensors |
    jq '[.[] | select(.status == "not monitored")] | length')
check_eq "thermwatchctl sensors lists the ones left out" "$n" 924
metric() { sed -n "s/^$1 //p" "$D/tw.prom"; }
check_eq "metrics: the limit and the count" \
	"$(metric thermwatch_agent_sensors_max) \
$(metric thermwatch_agent_sensors_not_monitored)" "100 924"
degraded() {
	grep "^$P/state " "$D/low.sub" | tail -1 | cut -d' ' -f2- |
	    jq -e '.state == "degraded"' >/dev/null
}
check "... and the host is degraded (its state message)" wait_for 10 degraded
tw_stop $PID
tw_stop $SUB
tw_done
