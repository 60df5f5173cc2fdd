#!/bin/sh
# thermwatchctl watch against a private mosquitto (127.0.0.1, tw_ports) fed by
# a private thermwatchd: retained status/state at once, a live override
# event, --json lines, filters, --count/--timeout, a broker that is down.
. "$(dirname "$0")/../lib.sh"
tw_need_cmd mosquitto mosquitto_pub jq
. "$(dirname "$0")/ctl_lib.sh"
tw_ports 2	# the broker, and a port where nothing listens
PORT=$TW_PORT
DOWN=$((TW_PORT + 1))
chmod 755 "$CT"	# a root-started mosquitto drops to user mosquitto

cat >"$CT/broker.conf" <<CONF
per_listener_settings false
persistence false
allow_anonymous true
log_dest stderr
listener $PORT 127.0.0.1
CONF
chmod 644 "$CT/broker.conf"
mosquitto -c "$CT/broker.conf" >"$CT/broker.log" 2>&1 &
BROKER=$!
tw_track $BROKER
wait_for 5 mosquitto_pub -h 127.0.0.1 -p $PORT -t tw/ready -n 2>/dev/null
check "broker up" kill -0 "$BROKER"

ct_conf "mqtt = { enabled = true; brokers = [ \"127.0.0.1:$PORT\" ];
	telemetry_interval_s = 0.5; };"
ct_start
W() { "$CTL" -c "$CT/tw.conf" watch "$@"; }
# has FILTER FILE: some JSON line of FILE passes the select() FILTER
has() { jq -s -e "map(select($1)) | length > 0" "$2" >/dev/null; }

# retained status and state arrive at once
W --count 2 --timeout 10 --topic "thermwatch/v1/lab/z1/t1/+" \
	>"$CT/w1" 2>"$CT/w1.err"
check_eq "watch --count 2: exit 0" "$?" 0
cat "$CT/w1"
check_eq "two lines" "$(wc -l <"$CT/w1")" 2
check "status line" grep -q "^[0-9:]\{8\} lab/z1/t1 status (retained) online" "$CT/w1"
check "state line" grep -q "^[0-9:]\{8\} lab/z1/t1 state (retained) degraded (was " \
	"$CT/w1"
check "says what it watches" grep -q "watching thermwatch/v1/lab/z1/t1/+ on 127.0.0.1:$PORT" \
	"$CT/w1.err"

# a live event: an override set through the socket shows up
W --json --timeout 6 --host t1 >"$CT/w2" 2>"$CT/w2.err" &
WP=$!
tw_track $WP
sleep 1
ctl override set quiet on --ttl 5m --reason "watch test" >/dev/null
wait "$WP"
check_eq "watch --timeout ends with exit 0" "$?" 0
check "telemetry seen" has '.topic == "thermwatch/v1/lab/z1/t1/telemetry"' "$CT/w2"
ev=$(jq -c 'select(.topic == "thermwatch/v1/lab/z1/t1/event") |
	select(.payload.type == "override") | .payload |
	[.action, .key, .value, .author, .via, .reason]' "$CT/w2")
check_eq "override event on MQTT" "$ev" \
	"[\"set\",\"quiet\",1,\"$ME\",\"control\",\"watch test\"]"
check "override topic updated" has '.topic == "thermwatch/v1/lab/z1/t1/override" and
	.payload.overrides[0].key == "quiet"' "$CT/w2"

# human form of the same event stream
W --timeout 4 --host t1 >"$CT/w3" 2>/dev/null &
WP=$!
tw_track $WP
sleep 1
ctl override clear quiet >/dev/null
wait "$WP"
check "human event line" grep -q "lab/z1/t1 event override action=\"clear\" key=\"quiet\"" \
	"$CT/w3"
check "human telemetry line" grep -q "lab/z1/t1 telemetry degraded" "$CT/w3"
check "human override line" grep -q "lab/z1/t1 override (retained) none\|lab/z1/t1 override none" \
	"$CT/w3"

# a remote override (MQTT straight into the engine) is persisted too
mosquitto_pub -h 127.0.0.1 -p $PORT -q 1 -t thermwatch/v1/lab/z1/t1/override/set \
	-m '{"v":1,"key":"inlet.warn.margin_c","value":4,"ttl_s":600,"reason":"remote","author":"ops"}'
remote() { [ "$(ctl --json overrides | jq -r '.[0].author')" = ops ]; }
wait_for 5 remote
check "remote override listed by thermwatchctl" remote
in_file() { jq -e '.overrides[0].key == "inlet.warn.margin_c"' \
	"$CT/state/overrides.json" >/dev/null 2>&1; }
wait_for 5 in_file
check "remote override persisted" in_file

# filters: nothing for another host; --count not reached is an error
W --host nosuch --count 1 --timeout 2 >"$CT/w4" 2>"$CT/w4.err"
check_eq "nothing for another host: exit 1" "$?" 1
check "says how many came" grep -q "0 of 1 messages before the timeout" "$CT/w4.err"
check "no output" test ! -s "$CT/w4"

# broker down
"$CTL" watch --broker 127.0.0.1:$DOWN --count 1 --timeout 2 >/dev/null 2>"$CT/w5.err"
check_eq "broker down: exit 1" "$?" 1
check "broker named" grep -q "cannot connect to the MQTT broker 127.0.0.1:$DOWN" "$CT/w5.err"

ct_stop
stop_pid "$BROKER"
tw_done
