#!/bin/sh
# Zone peers: hv01 and hv02 in zone r101, hv03 in r102, each its own
# thermwatchd on its own fake hwmon tree. One warm inlet is not a quorum;
# stale and malformed peer summaries change nothing; when hv02's inlet
# warms too, r101's agents raise the zone alarm from each other's
# summaries, while hv03 in the other zone stays calm. Port: tw_ports.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mqtt_lib.sh"
mq_need_agent
tw_ports 1
PORT=$TW_PORT
S=thermwatch/v1/dc1

mq_etc
mq_plain_conf "$MQ_T/b.conf" $PORT
check "broker up" mq_broker b "$MQ_T/b.conf" $PORT
mq_sub st $PORT "$S/+/+/state"
mq_sub peers $PORT "$S/+/+/peer"
for h in hv01:r101 hv02:r101 hv03:r102; do
	n=${h%:*} z=${h#*:}
	mq_agent_conf "$MQ_T/$n.conf" "$n" "$z" $PORT
	cat >> "$MQ_T/$n.conf" <<'CONF'
classes = { inlet = { persist_s = 0.0; filter_window = 1;
	max_rate_c_per_s = 100.0; }; };
policy = { zone_high_c = 30.0; zone_quorum_count = 2; };
CONF
done
# inlet 32 C: "high" for the zone (30), well below the host's own warn
mq_agent hv01 "$MQ_T/hv01.conf" 45000 32000
mq_agent hv02 "$MQ_T/hv02.conf" 45000 24000
mq_agent hv03 "$MQ_T/hv03.conf" 45000 32000
for n in hv01 hv02 hv03; do
	check "$n connected" wait_for 10 grep -q "mqtt: connected" "$MQ_T/$n.log"
done
sleep 2

state() {	# host -> "state zone_alarm accepting_load" (last retained)
	grep "/$1/state " "$MQ_T/st.sub" | tail -1 | cut -d' ' -f2- |
	    jq -r '"\(.state) \(.zone_alarm) \(.accepting_load)"'
}
check_eq "hv01 alone warm: no quorum" "$(state hv01)" "ok false true"
check_eq "hv03 alone warm: no quorum" "$(state hv03)" "ok false true"

# forged summaries in hv02's name: stale, malformed, oversized
now=$(date +%s%3N)
pubpeer() {
	mosquitto_pub -h 127.0.0.1 -p $PORT -u hv02 -P hv02pw -t "$S/r101/hv02/peer" -m "$1"
}
pubpeer "{\"v\":1,\"ts\":$((now - 600000)),\"seq\":1,\"site\":\"dc1\",\"zone\":\"r101\",\"host\":\"hv02\",\"tier\":2,\"inlet_c\":40,\"slope_c_per_min\":1,\"state\":\"ok\"}"
pubpeer '{"v":1,"inlet_c":"hot"'
pubpeer "{\"v\":1,\"ts\":$now,\"seq\":1,\"host\":\"hv01\",\"tier\":2,\"inlet_c\":40,\"slope_c_per_min\":1,\"state\":\"ok\"}"
sleep 2
check_eq "stale, malformed, wrong-host summaries ignored" "$(state hv01)" \
	"ok false true"
check "hv01 still running" kill -0 "$APID_hv01"

# hv02 warms up too: quorum of 2 in r101
mq_set hv02 1 32000
alarm() { [ "$(state "$1" | cut -d' ' -f2)" = true ]; }
check "hv01: zone alarm from its peer" wait_for 10 alarm hv01
check "hv02: zone alarm from its peer" wait_for 10 alarm hv02
check_eq "hv01 escalates to warn, stops accepting load" "$(state hv01)" \
	"warn true false"
check "hv01 says why" sh -c "grep '/hv01/state ' '$MQ_T/st.sub' | tail -1 | grep -q 'zone cooling alarm'"
sleep 1
check_eq "hv03 in the other zone stays calm" "$(state hv03)" "ok false true"
mq_sub_stop peers
check "peer summaries published by all three" \
	test "$(cut -d' ' -f1 "$MQ_T/peers.sub" | sort -u | wc -l)" = 3
for n in hv01 hv02 hv03; do
	mq_agent_stop $n
done
mq_sub_stop st
"$TW_BUILD/tests/mqtt/mq_check" -q < "$MQ_T/st.sub" > "$MQ_T/check.out"
check "state payloads match the schema" test $? = 0
mq_done
