#!/bin/sh
# Spoofed peers: two host logins of the zone claim "inlet 200 C, rising
# 600 C/min" on their own peer topics: implausible, ignored (counted and
# logged), no zone alarm; retained summaries count for nothing either. Then they claim the worst plausible (the
# inlet class's 70 C, 10 C/min): the zone alarm comes (warn, migrate, no
# load taken), but with the agent's own sensors flat and cool it never goes
# critical and never decides a shutdown. Port: tw_ports.
. "$(dirname "$0")/../lib.sh"
. "$TW_SRC/tests/mqtt/mqtt_lib.sh"
mq_need_agent
tw_ports 1
PORT=$TW_PORT
S=thermwatch/v1/dc1/r101

mq_etc
sh "$E/add-host.sh" -d "$E" -p hv04pw dc1 r101 hv04 >/dev/null
mq_plain_conf "$MQ_T/b.conf" $PORT
check "broker up" mq_broker b "$MQ_T/b.conf" $PORT
mq_sub st $PORT "$S/hv01/state"
mq_sub ev $PORT "$S/hv01/event"
mq_agent_conf "$MQ_T/hv01.conf" hv01 r101 $PORT
mq_agent hv01 "$MQ_T/hv01.conf" 45000 24000
check "agent connected" wait_for 10 grep -q "mqtt: connected" "$MQ_T/hv01.log"
sleep 1

lie() {	# inlet_c slope_c_per_min seconds
	i=0
	while [ $i -lt "$3" ]; do
		now=$(date +%s%3N)
		for h in hv02 hv04; do
			mosquitto_pub -h 127.0.0.1 -p $PORT -u $h -P ${h}pw \
			    -t "$S/$h/peer" -m "{\"v\":1,\"ts\":$now,\"seq\":$i,\"site\":\"dc1\",\"zone\":\"r101\",\"host\":\"$h\",\"tier\":0,\"inlet_c\":$1,\"slope_c_per_min\":$2,\"state\":\"hot\"}"
		done
		sleep 1
		i=$((i + 1))
	done
}
state() {
	tail -1 "$MQ_T/st.sub" | cut -d' ' -f2- |
	    jq -r '"\(.state) \(.zone_alarm)"'
}

lie 200 600 5
check_eq "200 C rising 600 C/min: ignored, no zone alarm" "$(state)" \
	"ok false"
check "implausible summaries logged" grep -q \
	"mqtt: peer hv0[24]: inlet 200.0 C, 600.0 C/min is implausible (-10..70 C, at most 10 C/min), ignored" \
	"$MQ_T/hv01.log"
lie 55 30 3
check_eq "55 C rising 30 C/min: ignored too" "$(state)" "ok false"
# retained summaries (a dead host's last word) count for nothing
now=$(date +%s%3N)
for h in hv02 hv04; do
	mosquitto_pub -h 127.0.0.1 -p $PORT -u $h -P ${h}pw -r -t "$S/$h/peer" \
	    -m "{\"v\":1,\"ts\":$now,\"seq\":1,\"site\":\"dc1\",\"zone\":\"r101\",\"host\":\"$h\",\"tier\":0,\"inlet_c\":60,\"slope_c_per_min\":5,\"state\":\"hot\"}"
done
sleep 3
check_eq "retained summaries: ignored" "$(state)" "ok false"
for h in hv02 hv04; do
	mosquitto_pub -h 127.0.0.1 -p $PORT -u $h -P ${h}pw -r -t "$S/$h/peer" -n
done

lie 70 10 40
alarm() { case $(state) in "warn true" | "hot true") return 0 ;; esac; return 1; }
check "the worst plausible: zone alarm (warn or hot: migrate)" alarm
check_eq "never critical" \
	"$(mq_payloads "$MQ_T/st.sub" state | jq -r .state | grep -c critical)" 0
check_eq "no shutdown decided" \
	"$(mq_payloads "$MQ_T/ev.sub" event | grep -c '"action":"shutdown"')" 0
check "not accepting load in the alarm" \
	sh -c "tail -1 '$MQ_T/st.sub' | grep -q '\"accepting_load\":false'"
mq_sub_stop st
mq_sub_stop ev
mq_done
