#!/bin/sh
# thermwatchctl fleet on a private broker with the shipped ACL: a site
# whose fresh tier-0 hosts all live in one cooling zone gets the warning
# and exit status 3 (a tier-0 host of the other zone that is stale or
# offline does not count); a diverse site, with a real agent among the
# hosts, gets none and exit 0; --check-tiers, --json, a wrong site, no
# broker.
# Ports: one from tw_ports.
. "$(dirname "$0")/../lib.sh"
. "$TW_SRC/tests/mqtt/mqtt_lib.sh"
mq_need_agent
CTL=$TW_BUILD/thermwatchctl

tw_ports 1
PORT=$TW_PORT
mq_etc >/dev/null
sh "$E/add-host.sh" -d "$E" -p hv04pw dc1 r102 hv04 >/dev/null
for h in a1 a2 a3; do
	sh "$E/add-host.sh" -d "$E" -p "${h}pw" dc9 A "$h" >/dev/null
done
for h in b1 b8 b9; do
	sh "$E/add-host.sh" -d "$E" -p "${h}pw" dc9 B "$h" >/dev/null
done
mq_plain_conf "$MQ_T/broker.conf" "$PORT"
mq_broker zone "$MQ_T/broker.conf" "$PORT" ||
    { not_ok "broker did not start"; tw_done; exit 1; }
printf 'dashboardpw\n' > "$MQ_T/dash.pw"

# state SITE ZONE HOST TIER [AGE_S]: a retained state, as HOST publishes it
state() {
	ts=$(( $(date +%s%3N) - ${5:-0} * 1000 ))
	mosquitto_pub -h 127.0.0.1 -p "$PORT" -u "$3" -P "$3pw" -q 1 -r \
	    -t "thermwatch/v1/$1/$2/$3/state" -m "{\"v\":1,\"ts\":$ts,\"seq\":1,
	\"site\":\"$1\",\"zone\":\"$2\",\"host\":\"$3\",\"tier\":$4,
	\"state\":\"ok\",\"prev_state\":\"ok\",\"reason\":\"test\",
	\"since\":$ts,\"eta_s\":null,\"accepting_load\":true,
	\"zone_alarm\":false}"
}
fleet() {	# SITE [ARGS...]: thermwatchctl fleet; output in $MQ_T/out
	s=$1
	shift
	"$CTL" fleet --broker "127.0.0.1:$PORT" --user dashboard \
	    --password-file "$MQ_T/dash.pw" --site "$s" "$@" \
	    > "$MQ_T/out" 2> "$MQ_T/err"
}

# --- dc9: tier 0 only in zone A ------------------------------------------------
state dc9 A a1 0
state dc9 A a2 0
state dc9 A a3 2
state dc9 B b1 2
state dc9 B b9 0 3600		# an hour old: stale
state dc9 B b8 0
mosquitto_pub -h 127.0.0.1 -p "$PORT" -u b8 -P b8pw -q 1 -r \
    -t thermwatch/v1/dc9/B/b8/status \
    -m '{"v":1,"ts":1,"seq":0,"site":"dc9","zone":"B","host":"b8","status":"offline","reason":"shutdown"}'
fleet dc9
check_eq "single-zone tier 0: exit 3" "$?" 3
sed 's/^/# /' "$MQ_T/out"
check "it warns, naming the zone" grep -q \
    "^WARNING: every fresh tier-0 host lives in cooling zone A:" "$MQ_T/out"
check "the hosts per zone and tier" sh -c "
    grep -Eq '^A +0 +a1 +ok +yes +fresh' '$MQ_T/out' &&
    grep -Eq '^B +0 +b9 +ok +yes +stale' '$MQ_T/out' &&
    grep -Eq '^B +0 +b8 +ok +yes +offline' '$MQ_T/out'"
check "the tiers: 0 in one zone, 2 in two" sh -c "
    grep -Eq '^ +0 +2 +1  A\$' '$MQ_T/out' &&
    grep -Eq '^ +2 +2 +2  A,B\$' '$MQ_T/out'"
fleet dc9 --json
check_eq "--json: the same verdict" \
    "$(jq -r '[.exit, (.tiers[] | "\(.tier):\(.zones):\(.single_zone)")] | join(" ")' "$MQ_T/out")" \
    "3 0:1:true 2:2:false"
fleet dc9 --check-tiers -1
check_eq "--check-tiers -1: the warning, exit 0" "$?" 0
check "still printed" grep -q "^warning: every fresh tier-0 host" "$MQ_T/out"
# the stale tier-0 host of zone B comes back: diverse
state dc9 B b9 0
fleet dc9
check_eq "tier 0 in two zones again: exit 0" "$?" 0
check "no warning" sh -c "! grep -qi warning '$MQ_T/out'"

# --- dc1: diverse, a real agent among the hosts -------------------------------
mq_agent_conf "$MQ_T/hv01.conf" hv01 r101 "$PORT"
sed -i 's/tier = 2;/tier = 0;/' "$MQ_T/hv01.conf"
mq_agent hv01 "$MQ_T/hv01.conf" 45000
state dc1 r101 hv02 1
state dc1 r102 hv03 0
state dc1 r102 hv04 1
has_hv01() { fleet dc1 && grep -Eq '^r101 +0 +hv01 +ok +yes +fresh' "$MQ_T/out"; }
check "the real agent's state is read" wait_for 10 has_hv01
fleet dc1 --check-tiers 9
check_eq "diverse site, every tier checked: exit 0" "$?" 0
check "no warning" sh -c "! grep -qi warning '$MQ_T/out'"
check "site line" grep -q "^site dc1: 4 hosts, 4 fresh" "$MQ_T/out"

# --- errors --------------------------------------------------------------------
fleet nosuchsite
check_eq "a site nobody publishes: exit 1" "$?" 1
check "says so" grep -q 'no host of site "nosuchsite"' "$MQ_T/err"
"$CTL" fleet --broker 127.0.0.1:1 --site dc1 > /dev/null 2> "$MQ_T/err"
check_eq "no broker: exit 1" "$?" 1
"$CTL" fleet --broker 127.0.0.1:1 --check-tiers 12 --site dc1 >/dev/null 2>&1
check_eq "bad --check-tiers: exit 2" "$?" 2
mq_done
