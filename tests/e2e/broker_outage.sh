#!/bin/sh
# End to end: the broker is stopped mid-ramp (after warn). The shutdown
# hook still runs on time (at least the 10 s lead left before 100 C, the
# wait for the broker's ack bounded by event_ack_wait_s = 1 s); once the
# broker is back, the events of the outage arrive, in order.
# PORTS: MQTT from tw_ports.
. "$(dirname "$0")/e2e_lib.sh"
e2e_need_mqtt

e2e_broker || { not_ok "broker did not start"; tw_done; exit 1; }
e2e_sub
e2e_conf "" "$(mqtt_group)"
e2e_start 66000
check "daemon started" has_log "thermwatchd .* started"
wait_for 10 has_log "mqtt.*connected"
sleep 1
ramp 66000 100000 500 0.5
wait_for 20 runs_ge notify 1
wait_for 5 grep -q '"to":"warn"' "$D/sub"
check "warn event arrived while the broker was up" grep -q '"to":"warn"' "$D/sub"
e2e_broker_stop
echo "# broker stopped at $(tail -n 1 "$D/ramp" | cut -d' ' -f2) mC"

wait_for 45 runs_ge shutdown 1
ramp_stop
check_eq "shutdown hook ran once" "$(runs shutdown)" 1
sys=$(rec_field shutdown 1 sys)
left=$(lead_left shutdown)
echo "# shutdown hook started at $sys mC: $left s before 100 C"
check "shutdown hook ran before crit (at $sys mC)" test "$sys" -lt 100000
check "at least the shutdown lead (10 s) was left ($left s)" ge "$left" 10
check "the ack wait was bounded" \
    has_log "no ack from the broker within 1.0 s, going on"
check "shutdown hook after the bounded wait" in_order "$D/log" \
    "no ack from the broker" "running shutdown hook"
check "no shutdown event before the broker is back" \
    sh -c "! grep -q '\"type\":\"shutdown\"' '$D/sub'"

e2e_broker || { not_ok "broker did not restart"; tw_done; exit 1; }
wait_for 15 sh -c "events 2>/dev/null | grep -q '^action:shutdown:ok'"
events > "$D/events"
tr '\n' ' ' < "$D/events"
echo
check "events of the outage arrived after the broker came back" \
    grep -q '^action:shutdown:ok' "$D/events"
check "in order: warn, hot, shutdown decision, shutdown, hook" \
    in_order "$D/events" "^state:warn" "^state:hot" "^decision:shutdown" \
    "^shutdown$" "^action:shutdown:ok"
e2e_stop
tw_done
