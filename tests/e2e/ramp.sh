#!/bin/sh
# End to end: a CPU temperature ramp of 1 C/s on the fake hwmon tree, the
# real thermwatchd with the recording hooks, ipmi_sim (BMC watchdog) and
# mosquitto on 127.0.0.1. Notify on warn, migrate on hot, then the BMC
# watchdog armed, then the shutdown hook before 100 C with at least the
# shutdown lead (10 s) left; events and state on MQTT in order; the
# thermal shutdown recorded in state_dir.
# PORTS: MQTT and IPMI (3) from tw_ports.
. "$(dirname "$0")/e2e_lib.sh"
e2e_need_mqtt
e2e_need_ipmi

e2e_broker || { not_ok "broker did not start"; tw_done; exit 1; }
e2e_sub
e2e_sim || { not_ok "ipmi_sim did not start"; tw_done; exit 1; }
wd_before=$(wd_get)
echo "# watchdog before: $wd_before"
HOOK_SHUTDOWN="\"$HOOK\", \"$REC\", \"wd\", \"$PORT_IPMI\"" \
e2e_conf "" "$(mqtt_group) $(ipmi_group)"
e2e_start 66000
check "daemon started" has_log "thermwatchd .* started"
wait_for 10 has_log "ipmi.*BMC"
sleep 1.5

T0=$(date +%s.%N)
ramp 66000 100000 500 0.5
wait_for 45 runs_ge shutdown 1
ramp_stop
sleep 1.5		# the last events

# --- the hooks, in order -------------------------------------------------
check_eq "notify ran for warn" "$(grep -c ' action=notify state=warn ' "$REC")" 1
check "migrate ran when hot" grep -q ' action=migrate state=hot ' "$REC"
check_eq "shutdown hook ran once" "$(runs shutdown)" 1
check "notify warn, then migrate, then shutdown" in_order "$REC" \
    "action=notify.state=warn" "action=migrate" "action=shutdown"
check_eq "shutdown hook: state critical" "$(rec_field shutdown 1 state)" \
    critical
sys=$(rec_field shutdown 1 sys)
left=$(lead_left shutdown)
echo "# shutdown hook started at $sys mC: $left s before 100 C"
check "shutdown hook ran before crit (at $sys mC)" test "$sys" -lt 100000
check "at least the shutdown lead (10 s) was left ($left s)" ge "$left" 10

# --- the BMC watchdog was armed before the hook ran ------------------------
wd=$(cat "$REC.wd" 2>/dev/null)
echo "# watchdog seen by the hook: $wd"
# SMS/OS + running (44), power down (02), countdown 13.0 s = 130 = 0x82
check "hook saw the watchdog armed: power down in 13 s" \
    sh -c "echo '$wd' | grep -qiE '44 02 00 [0-9a-f]{2} 82 00'"
check "armed in the log before the hook ran" in_order "$D/log" \
    "BMC watchdog armed, power down in 13 s" "running shutdown hook"
check "no watchdog running before the test" \
    sh -c "! echo '$wd_before' | grep -qiE '44 02 00 [0-9a-f]{2} 82 00'"

# --- the hook contract -------------------------------------------------------
envf=$REC.env.shutdown.1
for kv in THERMWATCH_HOST=$H THERMWATCH_SITE=e2e THERMWATCH_ZONE=z1 \
    THERMWATCH_TIER=2 THERMWATCH_STATE=critical THERMWATCH_ACTION=shutdown \
    THERMWATCH_ATTEMPT=1 "THERMWATCH_SENSOR=coretemp-virtual-0/Package id 0" \
    THERMWATCH_TRIP_C=100.0 THERMWATCH_TIMEOUT_S=5; do
	check "env $kv" grep -qx "$kv" "$envf"
done
check "no THERMWATCH_DESTINATIONS but for migrate" \
    sh -c "! grep -q '^THERMWATCH_DESTINATIONS=' '$envf'"
# the broker is there and no other host accepts load: an empty list
check "migrate: THERMWATCH_DESTINATIONS=[] (a view, no host elsewhere)" \
    grep -qx 'THERMWATCH_DESTINATIONS=\[\]' "$REC.env.migrate.1"
for k in VALUE_C ETA_S REASON ACTION_ID CODE; do
	check "env THERMWATCH_$k set" grep -q "^THERMWATCH_$k=." "$envf"
done
check_eq "nothing else in the environment" \
    "$(grep -v -e '^THERMWATCH_' -e '^PATH=' -e '^PWD=' "$envf" | wc -l)" 0
check "hook stdout in the log" has_log "shutdown\[[0-9]*\]: recorded shutdown attempt 1"
check "hook stderr in the log" has_log "shutdown\[[0-9]*\] stderr: a line on stderr"
check "hook exit reported" has_log "shutdown hook .*: done (exit 0)"

# --- the record in state_dir ---------------------------------------------------
check "thermal shutdown recorded" test -s "$D/state/thermal-shutdown"
check_eq "record names the id" \
    "$(jq -r .id "$D/state/thermal-shutdown" 2>/dev/null)" \
    "$(rec_field shutdown 1 id)"

# --- MQTT: events and state in order -------------------------------------------
wait_for 5 sh -c "grep -q '\"action\":\"shutdown\",\"id\"' '$D/sub' ||
    events 2>/dev/null | grep -q action:shutdown:ok"
events > "$D/events"
cat "$D/events" | tr '\n' ' '
echo
check "events in order: warn, hot, shutdown decision, shutdown, watchdog, hook" \
    in_order "$D/events" "^state:warn" "^state:hot" "^decision:shutdown" \
    "^shutdown$" "^watchdog:armed" "^action:shutdown:ok"
check "notify and migrate reported" in_order "$D/events" \
    "^action:notify:ok" "^action:migrate:ok"
seqs=$(awk '$1 ~ /\/event$/ { sub(/^[^ ]* /, ""); print }' "$D/sub" |
    jq -r .seq | tr '\n' ' ')
check "event seq strictly increasing" awk -v s="$seqs" 'BEGIN {
	n = split(s, a, " "); for (i = 2; i <= n; i++) if (a[i] <= a[i-1])
		exit 1; exit n < 5 }'
check "shutdown action event has exit code and duration" ev_check \
    '[.[] | select(.type == "action" and .action == "shutdown")] |
    length == 1 and .[0].exit_code == 0 and .[0].duration_s >= 0 and
    .[0].attempt == 1 and .[0].result == "ok"'
last_state=$(awk '$1 ~ /\/state$/ { sub(/^[^ ]* /, ""); print }' "$D/sub" |
    tail -n 1 | jq -r .state)
check_eq "state on MQTT is critical" "$last_state" critical

e2e_stop
check "daemon stopped cleanly" has_log "stopped"
tw_done
