#!/bin/sh
# End to end: a zone cooling alarm moves load away. This host's inlet and
# a zone peer's (a summary published on the broker as the peer would) are
# both high: a quorum of 2, so the zone is in alarm and the migrate hook
# runs once (code migrate.zone) although no sensor of this host is near
# its own levels; it is not run again while the alarm lasts. Then, while
# a (slow) zone migration still runs, the host itself gets hot: the
# engine's migrate decision does not start a second one at the same time.
# PORTS: MQTT from tw_ports.
. "$(dirname "$0")/e2e_lib.sh"
e2e_need_mqtt
tw_need_cmd mosquitto_pub

e2e_broker || { not_ok "broker did not start"; tw_done; exit 1; }
e2e_conf "" "$(mqtt_group)"
conf_sub "policy = { shutdown_safety_factor = 1.5;" \
    "policy = { zone_high_c = 30.0; zone_quorum_count = 2; shutdown_safety_factor = 1.5;"
conf_sub "inlet = { warn" \
    "inlet = { persist_s = 0.0; filter_window = 1; max_rate_c_per_s = 100.0; warn"
e2e_start 50000
wait_for 10 has_log "mqtt.*connected"
sleep 1.5
check_eq "no migrate while calm" "$(runs migrate)" 0

peer() {	# a fresh summary of peer p1: inlet 40 C, rising 1 C/min
	mosquitto_pub -h 127.0.0.1 -p "$PORT_MQTT" -q 1 \
	    -t "thermwatch/v1/e2e/z1/p1-$H/peer" \
	    -m "{\"v\":1,\"ts\":$(now_ms),\"seq\":$1,\"site\":\"e2e\",\"zone\":\"z1\",\"host\":\"p1-$H\",\"tier\":2,\"inlet_c\":40,\"slope_c_per_min\":1,\"state\":\"warn\"}"
}
peer 1
set_temp 32000 1	# our inlet: high for the zone (30), far from its trip
wait_for 10 runs_ge migrate 1
peer 2
sleep 3
check_eq "migrate ran once for the zone alarm" "$(runs migrate)" 1
check_eq "its code says why" "$(rec_field migrate 1 code)" migrate.zone
check "the log says zone alarm" has_log "zone alarm\|zone cooling alarm"
check_eq "no shutdown" "$(runs shutdown)" 0
e2e_stop

# never two at once: a slow migration (8 s) from the zone alarm, and the
# host entering hot (78 C) while it runs
rm -f "$REC" "$REC".*
: > "$D/log"
HOOK_MIGRATE="\"$HOOK\", \"$REC\", \"slow\", \"8\"" e2e_conf "" "$(mqtt_group)"
conf_sub "policy = { shutdown_safety_factor = 1.5;" \
    "policy = { zone_high_c = 30.0; zone_quorum_count = 2; shutdown_safety_factor = 1.5;"
conf_sub "inlet = { warn" \
    "inlet = { persist_s = 0.0; filter_window = 1; max_rate_c_per_s = 100.0; warn"
conf_sub "migrate_timeout_s = 5.0" "migrate_timeout_s = 20.0"
# tier 0: the zone alarm leaves this host's own levels as they are
conf_sub "tier = 2;" "tier = 0;"
e2e_start 74000
wait_for 10 has_log "mqtt.*connected"
sleep 1.5
peer 3
set_temp 32000 1
wait_for 10 runs_ge migrate 1
check_eq "the zone migration started" "$(rec_field migrate 1 code)" migrate.zone
ramp 74000 80000 500 0.25
wait_for 10 has_log "state warn -> hot"
ramp_stop
check "the host got hot while it ran" has_log "state warn -> hot"
check "the engine's migrate decision came" has_log "decision migrate"
check "no second migration while the first runs" \
    has_log "migrate .* still running, not starting another"
wait_for 10 has_log "migrate hook .*: done (exit 0)"
sleep 1
check_eq "one migration in all" "$(runs migrate)" 1
e2e_stop
tw_done
