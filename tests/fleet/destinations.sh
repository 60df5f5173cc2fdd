#!/bin/sh
# Destinations from the fleet: three real agents in two zones on one
# private broker with the shipped ACL (add-host.sh), plus hosts of the
# other zone whose retained state the test publishes as them. When hv01
# (zone r101) gets hot, its migrate hook's THERMWATCH_DESTINATIONS holds
# only hosts of zone r102 that accept load and are fresh, best first
# (capacity published, then memory, VM slots, name): not hv02 (its own
# zone), not hv05 (not accepting), hv07 (state an hour old) or hv08
# (offline). hv03 publishes its migrate_uri and the capacity its command
# measured. On the retry, hv03 (stopped: its status says offline) and
# hv04 (its bridge says 0) are gone from the list.
# Ports: one from tw_ports.
. "$(dirname "$0")/../lib.sh"
. "$TW_SRC/tests/mqtt/mqtt_lib.sh"
. "$TW_SRC/tests/fleet/fleet_lib.sh"
mq_need_agent
tw_need_cmd jq

tw_ports 1
PORT=$TW_PORT
P=thermwatch/v1/dc1
HOOK=$TW_SRC/tests/e2e/hooks/record.sh
REC=$MQ_T/rec
check "users and ACL" mq_etc
for h in hv04 hv05 hv06 hv07 hv08; do
	sh "$E/add-host.sh" -d "$E" -p "${h}pw" dc1 r102 "$h" >/dev/null
done
mq_plain_conf "$MQ_T/broker.conf" "$PORT"
mq_broker zone "$MQ_T/broker.conf" "$PORT" ||
    { not_ok "broker did not start"; tw_done; exit 1; }

# agent_conf HOST ZONE TIER FLEET ACTIONS: CPU trip 100 C (the fake
# hwmon's crit): migrate at 78 C, shutdown at 87 C.
agent_conf() {
	mkdir -p "$MQ_T/state-$1"
	printf '%spw\n' "$1" > "$MQ_T/$1.pw"
	cat > "$MQ_T/$1.conf" <<CONF
agent = { site = "dc1"; zone = "$2"; host = "$1"; tier = $3;
	interval_s = 0.2; rescan_s = 0; state_dir = "$MQ_T/state-$1"; };
hwmon = { sensors_conf = "/dev/null"; };
sensors = ( { match = "lm75-*"; class = "inlet"; } );
classes = { cpu = { filter_window = 3; trend_window_s = 6; persist_s = 0.4;
	hold_s = 2; hysteresis_c = 1; warn = { margin_c = 30.0; };
	migrate = { margin_c = 22.0; lead_s = 20.0; };
	shutdown = { margin_c = 13.0; lead_s = 10.0; }; }; };
policy = { shutdown_safety_factor = 1.5; min_shutdown_lead_s = 5.0; };
control = { socket = "$MQ_T/$1.sock"; };
mqtt = { enabled = true; brokers = [ "127.0.0.1:$PORT" ]; username = "$1";
	password_file = "$MQ_T/$1.pw"; telemetry_interval_s = 0.5;
	peer_interval_s = 0.5; reconnect_min_s = 0.2; reconnect_max_s = 1;
	state_refresh_s = 2; };
fleet = { max_age_s = 30; $4 };
actions = { $5 };
CONF
}
agent_conf hv01 r101 2 "" "
	notify = [ \"$HOOK\", \"$REC\" ]; migrate = [ \"$HOOK\", \"$REC\", \"fail\" ];
	shutdown = [ \"$HOOK\", \"$REC\" ]; migrate_timeout_s = 20;
	migrate_retries = 1; migrate_backoff_s = 5;"
agent_conf hv02 r101 0 "spare_vms = 50; spare_mem_mb = 900000;" \
    "dry_run = true;"
agent_conf hv03 r102 1 "migrate_uri = \"qemu+ssh://hv03.r102/system\";
	capacity_command = [ \"$TW_SRC/tests/fleet/capacity.sh\", \"5\",
	    \"20000\", \"$MQ_T/cap.env\" ];
	capacity_interval_s = 5; capacity_timeout_s = 2;" "dry_run = true;"
for h in hv01 hv02 hv03; do
	"$TWD" --check-config -c "$MQ_T/$h.conf" >/dev/null 2>"$MQ_T/$h.check" ||
	    { not_ok "config of $h: $(cat "$MQ_T/$h.check")"; tw_done; exit 1; }
done

# state HOST ACCEPTING [CAPACITY [AGE_S]]: a retained state as HOST
# publishes it (zone r102), AGE_S old
state() {
	ts=$(( $(date +%s%3N) - ${4:-0} * 1000 ))
	st=ok
	[ "$2" = true ] || st=hot
	mosquitto_pub -h 127.0.0.1 -p "$PORT" -u "$1" -P "$1pw" -q 1 -r \
	    -t "$P/r102/$1/state" -m "{\"v\":1,\"ts\":$ts,\"seq\":1,
	\"site\":\"dc1\",\"zone\":\"r102\",\"host\":\"$1\",\"tier\":2,
	\"state\":\"$st\",\"prev_state\":\"ok\",\"reason\":\"test\",
	\"since\":$ts,\"eta_s\":null,\"accepting_load\":$2,
	\"zone_alarm\":false${3:+,\"capacity\":$3}}"
}
state hv04 true
state hv05 false '{"spare_vms":90,"spare_mem_mb":900000}'
state hv06 true '{"spare_vms":2,"spare_mem_mb":64000}'
state hv07 true '{"spare_vms":90,"spare_mem_mb":900000}' 3600
state hv08 true '{"spare_vms":90,"spare_mem_mb":900000}'
mosquitto_pub -h 127.0.0.1 -p "$PORT" -u hv08 -P hv08pw -q 1 -r \
    -t "$P/r102/hv08/status" \
    -m '{"v":1,"ts":1,"seq":0,"site":"dc1","zone":"r102","host":"hv08","status":"offline","reason":"connection lost"}'

mq_agent hv02 "$MQ_T/hv02.conf" 50000
mq_agent hv03 "$MQ_T/hv03.conf" 50000
mq_agent hv01 "$MQ_T/hv01.conf" 50000
hv03_offers() {
	mosquitto_sub -h 127.0.0.1 -p "$PORT" -u dashboard -P dashboardpw \
	    -t "$P/r102/hv03/state" -C 1 -W 2 2>/dev/null |
	    jqe '.capacity.spare_vms == 5 and .capacity.spare_mem_mb == 20000
		and .migrate_uri == "qemu+ssh://hv03.r102/system"'
}
check "hv03's retained state offers its URI and measured capacity" \
    wait_for 10 hv03_offers
check_eq "the capacity command got a clean environment" \
    "$(sed -n '1,/^---$/p' "$MQ_T/cap.env" | grep -v -e '^---$' \
	-e '^PWD=' | cut -d= -f1 | tr '\n' ' ')" \
    "PATH THERMWATCH_HOST THERMWATCH_SITE THERMWATCH_TIER THERMWATCH_TIMEOUT_S THERMWATCH_ZONE "
hv01_up() { grep -q "mqtt.*connected" "$MQ_T/hv01.log"; }
check "hv01 connected" wait_for 10 hv01_up
sleep 2			# its view settles

# --- hv01 gets hot -----------------------------------------------------------
mq_set hv01 0 82000
# the hook's environment is in its file once the last line (sorted) is
ran() { grep -q '^THERMWATCH_ZONE=' "$REC.env.migrate.$1" 2>/dev/null; }
check "hv01's migrate hook ran" wait_for 15 ran 1
# dests ATTEMPT: "host zone uri spare_vms spare_mem_mb" per destination
dests() {
	sed -n 's/^THERMWATCH_DESTINATIONS=//p' "$REC.env.migrate.$1" |
	    jq -r '.[] | "\(.host) \(.zone) \(.uri // "-") \(.spare_vms // "-") \(.spare_mem_mb // "-")"' |
	    tr '\n' ';'
}
check_eq "destinations: other zone, accepting, fresh; best first" \
    "$(dests 1)" \
    "hv06 r102 - 2 64000;hv03 r102 qemu+ssh://hv03.r102/system 5 20000;hv04 r102 - - -;"
check "THERMWATCH_TIMEOUT_S is migrate_timeout_s" \
    grep -qx THERMWATCH_TIMEOUT_S=20 "$REC.env.migrate.1"
notified() { grep -q '^THERMWATCH_ZONE=' "$REC.env.notify.1" 2>/dev/null; }
check "the notify hook ran" wait_for 10 notified
check "the notify hook: its own timeout, no destinations" sh -c \
    "grep -qx THERMWATCH_TIMEOUT_S=30 '$REC.env.notify.1' &&
    ! grep -q THERMWATCH_DESTINATIONS '$REC.env.notify.1'"

# --- before the retry: hv03 stops cleanly, hv04's host goes dark --------------
mq_agent_stop hv03
mosquitto_pub -h 127.0.0.1 -p "$PORT" -u hv04 -P hv04pw -q 1 -r \
    -t "$P/r102/hv04/bridge" -m 0
check "the migrate hook ran again" wait_for 15 ran 2
check_eq "offline and dark hosts are left out" "$(dests 2)" \
    "hv06 r102 - 2 64000;"
check "hv01 logged both runs" \
    grep -q "migrate .*: attempt 1 failed, retry in 5.0 s" "$MQ_T/hv01.log"
mq_set hv01 0 50000

# --- a reload (SIGHUP) publishes a new offer at once -----------------------
sed -i 's/spare_vms = 50;/spare_vms = 60;/' "$MQ_T/hv02.conf"
kill -HUP "$APID_hv02"
hv02_offers() {
	mosquitto_sub -h 127.0.0.1 -p "$PORT" -u dashboard -P dashboardpw \
	    -t "$P/r101/hv02/state" -C 1 -W 2 2>/dev/null |
	    jqe '.capacity.spare_vms == 60'
}
check "after a reload the state offers the new capacity" wait_for 10 hv02_offers
check "hv02 reloaded" grep -q "configuration reloaded" "$MQ_T/hv02.log"
mq_done
