#!/bin/sh
# Remote overrides: host, zone and site topics are applied and reported;
# malformed, oversized, out-of-bound, over-long, unknown-author and
# retained requests are rejected with an "override_rejected" event that
# says why, and so is every request that would move a shutdown level
# (issue 12's one-message zone shutdown); publishers the ACL does not
# allow never reach the agent.
# Port: tw_ports.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mqtt_lib.sh"
mq_need_agent
tw_ports 1
PORT=$TW_PORT
S=thermwatch/v1/dc1
P=$S/r101/hv01

mq_etc
mq_plain_conf "$MQ_T/b.conf" $PORT
check "broker up" mq_broker b "$MQ_T/b.conf" $PORT
mq_sub ev $PORT "$P/event"
mq_sub ovr $PORT "$P/override"
mq_agent_conf "$MQ_T/hv01.conf" hv01 r101 $PORT \
	'override_authors = [ "alice", "bob" ]; max_payload = 512;'
mq_agent hv01 "$MQ_T/hv01.conf" 45000 24000
logged() { grep -q "$1" "$MQ_T/hv01.log"; }
check "agent connected" wait_for 10 logged "mqtt: connected"
sleep 0.5

nev() { wc -l < "$MQ_T/ev.sub"; }
more() { [ "$(nev)" -gt "$1" ]; }
# send USER TOPIC PAYLOAD [mosquitto_pub options]: publish, wait for the
# next event, leave it in $last
send() {
	before=$(nev)
	u=$1 t=$2 m=$3
	shift 3
	mosquitto_pub -h 127.0.0.1 -p $PORT -u "$u" -P "${u}pw" -q 1 \
	    -t "$t" -m "$m" "$@"
	if wait_for 5 more "$before"; then
		last=$(tail -n +$((before + 1)) "$MQ_T/ev.sub" | head -1 | cut -d" " -f2-)
	else
		last=none
	fi
}
field() { echo "$last" | jq -r "$1"; }
req() {	# key value ttl author [id]
	printf '{"v":1,"key":"%s","value":%s,"ttl_s":%s,"reason":"test","author":"%s","id":"%s"}' \
	    "$1" "$2" "$3" "$4" "${5:-x}"
}

send operator $P/override/set "$(req inlet.warn.margin_c 12 600 alice h1)"
check_eq "host scope applied" \
	"$(field '[.type, .action, .key, .value, .ttl_s, .via, .author, .reason] | @csv')" \
	'"override","set","inlet.warn.margin_c",12,600,"mqtt host","alice","test"'
send operator $S/r101/_all/override/set "$(req quiet 1 60 bob z1)"
check_eq "zone scope applied" "$(field '[.type, .via, .key] | @csv')" \
	'"override","mqtt zone","quiet"'
send operator $S/_all/_all/override/set "$(req cpu.warn.margin_c 20 60 bob s1)"
check_eq "site scope applied" "$(field '[.type, .via] | @csv')" \
	'"override","mqtt site"'
inforce() {
	tail -1 "$MQ_T/ovr.sub" | cut -d' ' -f2- |
	    jq -c '[.overrides[].key] | sort'
}
has3() { [ "$(inforce)" = '["cpu.warn.margin_c","inlet.warn.margin_c","quiet"]' ]; }
check "retained list has the three" wait_for 5 has3
check "author recorded" \
	sh -c "tail -1 '$MQ_T/ovr.sub' | grep -q '\"author\":\"bob\"'"
check "persisted like any override" \
	grep -q '"key": *"quiet"' "$MQ_T/state-hv01/overrides.json"

rejected() {	# description reason-substring
	if [ "$(field .type)" = override_rejected ] &&
	    field .message | grep -q -- "$2"; then
		ok "$1"
	else
		not_ok "$1: got $last"
	fi
}
send operator $P/override/set '{not json'
rejected "malformed JSON" "malformed request: not valid JSON"
send operator $P/override/set '{"v":1,"key":"inlet.warn.margin_c","value":3,"reason":"r","author":"alice"}'
rejected "missing ttl_s" '"ttl_s" must be a number'
send operator $P/override/set '{"v":2,"key":"quiet","value":1,"ttl_s":5,"reason":"r","author":"alice"}'
rejected "wrong schema version" '"v" must be 1'
big="{\"v\":1,\"key\":\"quiet\",\"value\":1,\"ttl_s\":5,\"author\":\"alice\",\"reason\":\"$(head -c 600 /dev/zero | tr '\0' x)\"}"
send operator $P/override/set "$big"
rejected "oversized" "over mqtt.max_payload (512)"
check_eq "oversized: size reported" "$(field .bytes)" ${#big}
send operator $P/override/set "$(req inlet.shutdown.margin_c 0.5 600 alice b1)"
rejected "below the floor (out of bounds)" "out of bounds, not applied"
send operator $P/override/set "$(req inlet.trip_c 60 600 alice b2)"
rejected "trip raised above the hardware's (out of bounds)" "out of bounds"
send operator $P/override/set "$(req inlet.warn.margin_c 5 999999 alice b3)"
rejected "ttl over policy.max_override_ttl_s" "max_override_ttl_s"
send operator $P/override/set "$(req no.such.key 1 60 alice b4)"
rejected "unknown key" "unknown override key"
send operator $P/override/set "$(req quiet 1 60 mallory a1)"
rejected "author not allowed" 'author "mallory" is not in mqtt.override_authors'
check_eq "rejected event names the author" "$(field .author)" mallory
send operator $P/override/set "$(req quiet 1 60 alice r1)" -r
rejected "retained request" "retained request refused"
# clear the retained request again (an empty retained message, which is
# refused as well, with an event)
before=$(nev)
mosquitto_pub -h 127.0.0.1 -p $PORT -u operator -P operatorpw -q 1 \
	-t $P/override/set -r -n
check "removing the retained request is reported too" wait_for 5 more "$before"

# the issue's one message that shut a zone down, and its kin: refused,
# with the reason, at zone, site and host scope (author "bob": a source of
# its own for the rejection rate limit)
issue() {	# topic key value expected-reason
	send operator "$1" "{\"v\":1,\"key\":\"$2\",\"value\":$3,\"ttl_s\":60,\"reason\":\"r\",\"author\":\"bob\"}"
	rejected "$2 = $3 on $(echo "$1" | cut -d/ -f4-5)" "$4"
}
ZONE_WHY="moves the shutdown level or lead, which only a request for this one host may do"
issue $S/r101/_all/override/set cpu.trip_c 5 "$ZONE_WHY, not one for the whole zone"
issue $S/_all/_all/override/set cpu.trip_c 5 "$ZONE_WHY, not one for the whole site"
issue $S/r101/_all/override/set cpu.shutdown.margin_c 100 "$ZONE_WHY"
issue $S/r101/_all/override/set inlet.shutdown.lead_s 86400 "$ZONE_WHY"
issue $P/override/set cpu.trip_c 5 "value out of bounds, not applied (cpu.trip_c: 5 clamped to 95"
issue $P/override/set cpu.shutdown.margin_c 100 "out of bounds"
issue $P/override/set cpu.shutdown.lead_s 86400 "out of bounds"
check_eq "the agent stayed ok" \
	"$("$TW_BUILD/thermwatchctl" -s "$MQ_T/hv01.sock" --json status | jq -r .state)" ok

check_eq "the refused ones changed nothing" "$(inforce)" \
	'["cpu.warn.margin_c","inlet.warn.margin_c","quiet"]'

# not allowed by the broker's ACL: never reaches the agent (broker log)
before=$(nev)
mosquitto_pub -h 127.0.0.1 -p $PORT -u dashboard -P dashboardpw -q 1 \
	-t $P/override/set -m "$(req quiet 1 60 alice acl1)"
mosquitto_pub -h 127.0.0.1 -p $PORT -u hv02 -P hv02pw -q 1 \
	-t $P/override/set -m "$(req quiet 1 60 alice acl2)"
mosquitto_pub -h 127.0.0.1 -p $PORT -u hv01 -P hv01pw -q 1 \
	-t $P/override/set -m "$(req quiet 1 60 alice acl3)"
sleep 1
check_eq "dashboard, other host, the host itself: denied by the ACL" \
	"$(grep -c "Denied PUBLISH .*$P/override/set" "$MQ_T/b.log")" 3
check_eq "no event for them" "$(nev)" "$before"

send operator $P/override/set '{"v":1,"key":"inlet.warn.margin_c","clear":true,"reason":"done","author":"alice","id":"c1"}'
check_eq "clear applied" "$(field '[.type, .action, .key] | @csv')" \
	'"override","clear","inlet.warn.margin_c"'
has2() { [ "$(inforce)" = '["cpu.warn.margin_c","quiet"]' ]; }
check "retained list follows the clear" wait_for 5 has2
send operator $P/override/set '{"v":1,"key":"inlet.warn.margin_c","clear":true,"reason":"again","author":"alice"}'
rejected "clearing what is not there" "no override"
check "agent still running" kill -0 "$APID_hv01"
mq_sub_stop ev
mq_sub_stop ovr
"$TW_BUILD/tests/mqtt/mq_check" -q < "$MQ_T/ev.sub" > "$MQ_T/check.out"
check "events match the schema" test $? = 0
grep ERROR "$MQ_T/check.out"
mq_done
