#!/bin/sh
# thermwatchd on a fake hwmon tree publishes telemetry, state, events,
# status, peer and override messages with the schema of thermwatch-mqtt(7)
# (checked by mq_check, which refuses undocumented members); kill -9 of
# the agent leaves the retained status "offline" through the last will.
# Ports: a tw_ports block of 2 (the second stays closed: broker failover).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mqtt_lib.sh"
mq_need_agent
tw_ports 2
PORT=$TW_PORT
CLOSED=$((TW_PORT + 1))
P=thermwatch/v1/dc1/r101/hv01
CHECK=$TW_BUILD/tests/mqtt/mq_check

mq_etc
mq_plain_conf "$MQ_T/b.conf" $PORT
check "broker up" mq_broker b "$MQ_T/b.conf" $PORT
mq_sub all $PORT 'thermwatch/v1/#'
# failover: the first broker of the list is not there
MQ_BROKERS="\"127.0.0.1:$CLOSED\", \"127.0.0.1:$PORT\"" \
	mq_agent_conf "$MQ_T/hv01.conf" hv01 r101 $PORT
cat >> "$MQ_T/hv01.conf" <<'CONF'
classes = { inlet = { persist_s = 0.0; hold_s = 1.0; filter_window = 1;
	max_rate_c_per_s = 100.0; }; };
fleet = { spare_vms = 4; spare_mem_mb = 8192;
	migrate_uri = "qemu+ssh://hv01.r101/system"; };
CONF
mq_agent hv01 "$MQ_T/hv01.conf" 45000 24000
has() { grep -q "$1" "$MQ_T/all.sub"; }
check "status online" wait_for 10 has "^$P/status .*\"status\":\"online\""
check "first broker down: failed over to the second" \
	grep -q "cannot connect to 127.0.0.1:$CLOSED" "$MQ_T/hv01.log"
check "... and connected there" \
	grep -q "connected to 127.0.0.1:$PORT" "$MQ_T/hv01.log"
check "telemetry" wait_for 5 has "^$P/telemetry "
check "peer summary" wait_for 5 has "^$P/peer "
check "retained state" wait_for 5 has "^$P/state "
check "the state offers capacity and URI (fleet)" has \
	"^$P/state .*\"capacity\":{\"spare_vms\":4,\"spare_mem_mb\":8192},\"migrate_uri\":\"qemu+ssh://hv01.r101/system\""
check "overrides in force (empty list)" wait_for 5 has "^$P/override .*\"overrides\":\[\]"

# a ramp: warn, then hot; events for the state changes and decisions
for t in 30000 37000 40000; do
	mq_set hv01 1 $t
	sleep 1
done
check "state event ok -> warn" \
	wait_for 5 has "^$P/event .*\"type\":\"state\".*\"to\":\"warn\""
check "decision event" wait_for 5 has "^$P/event .*\"type\":\"decision\""
check "retained state follows" \
	wait_for 5 has "^$P/state .*\"state\":\"\(warn\|hot\)\""

# an override applied, one rejected: both are events, the list is retained
mosquitto_pub -h 127.0.0.1 -p $PORT -u operator -P operatorpw -q 1 \
	-t $P/override/set -m '{"v":1,"key":"inlet.warn.margin_c","value":12,"ttl_s":600,"reason":"schema test","author":"alice","id":"s1"}'
mosquitto_pub -h 127.0.0.1 -p $PORT -u operator -P operatorpw -q 1 \
	-t $P/override/set -m '{"v":1,"key":"nonsense","value":1,"ttl_s":60,"reason":"x","author":"alice"}'
check "override event" wait_for 5 has "^$P/event .*\"type\":\"override\""
check "override_rejected event" \
	wait_for 5 has "^$P/event .*\"type\":\"override_rejected\""
check "override list retained" \
	wait_for 5 has "^$P/override .*\"key\":\"inlet.warn.margin_c\""

mq_agent_stop hv01 KILL
sleep 0.5
mq_sub_stop all

"$CHECK" < "$MQ_T/all.sub" > "$MQ_T/check.out"
check "every payload matches the documented schema" test $? = 0
grep ERROR "$MQ_T/check.out"
tail -1 "$MQ_T/check.out"

for leaf in telemetry state event status peer override; do
	check "saw $leaf" has "^$P/$leaf "
done
ev=$(mq_payloads "$MQ_T/all.sub" event | jq -s -c '[.[].seq]')
check_eq "event seq counts up by one" \
	"$(echo "$ev" | jq -c '[range(1; length) as $i | .[$i] - .[$i-1]] | unique')" '[1]'
t=$(mq_payloads "$MQ_T/all.sub" telemetry | tail -1)
check_eq "telemetry lists both sensors with classes" \
	"$(echo "$t" | jq -c '[.sensors[].class] | sort')" '["cpu","inlet"]'
now=$(date +%s%3N)
check "ts is wall-clock ms" test $(( now - $(echo "$t" | jq .ts) )) -lt 60000
check_eq "telemetry value" \
	"$(echo "$t" | jq '.sensors[] | select(.class == "inlet") | .value_c')" 40

# the last will: retained offline, seen by a late subscriber
st=$(mosquitto_sub -h 127.0.0.1 -p $PORT -u dashboard -P dashboardpw \
	-t $P/status -C 1 -W 5)
check_eq "kill -9: retained status offline (last will)" \
	"$(echo "$st" | jq -c '[.status, .reason, .v]')" \
	'["offline","connection lost",1]'
mq_done
