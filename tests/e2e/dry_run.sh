#!/bin/sh
# End to end: dry run. The same ramp as ramp.sh with --dry-run: the same
# decisions, logged and published as "would run ...", but no hook runs,
# the BMC watchdog is not armed (checked in the simulator) and nothing is
# written to state_dir. Then actions.dry_run = true in the config does the
# same without the flag.
# PORTS: MQTT and IPMI (3) from tw_ports.
. "$(dirname "$0")/e2e_lib.sh"
e2e_need_mqtt
e2e_need_ipmi

e2e_broker || { not_ok "broker did not start"; tw_done; exit 1; }
e2e_sub
e2e_sim || { not_ok "ipmi_sim did not start"; tw_done; exit 1; }
e2e_conf "" "$(mqtt_group) $(ipmi_group)"
e2e_start 66000 --dry-run
check "daemon started in dry run" has_log "thermwatchd .* started.*dry run"
wait_for 10 has_log "ipmi.*BMC"
sleep 1
ramp 66000 100000 500 0.5
wait_for 45 has_log "dry run: would run shutdown hook"
sleep 1.5
ramp_stop

check "warn, hot, critical decided" in_order "$D/log" "state ok -> warn" \
    "state warn -> hot" "state hot -> critical" "decision shutdown"
check "notify: would run" has_log "dry run: would run notify hook: $HOOK $REC"
check "migrate: would run" has_log "dry run: would run migrate hook: $HOOK $REC"
check "shutdown: would run" has_log "dry run: would run shutdown hook: $HOOK $REC"
check "watchdog: would arm" has_log "dry run: would arm the BMC watchdog: power down in 13 s"
check "record: would write" has_log "dry run: would record the thermal shutdown"
check_eq "no hook ran" "$(cat "$REC" 2>/dev/null | wc -l)" 0
check "nothing in state_dir" test ! -e "$D/state/thermal-shutdown"
wd=$(wd_get)
echo "# watchdog after: $wd"
check "the BMC watchdog was not armed" \
    sh -c "! echo '$wd' | grep -qiE ' 44 02 '"
wait_for 5 sh -c "events 2>/dev/null | grep -q '^action:shutdown:dry_run'"
events > "$D/events"
tr '\n' ' ' < "$D/events"
echo
check "published: shutdown, watchdog and hook as dry run" in_order \
    "$D/events" "^state:warn" "^action:notify:dry_run" "^state:hot" \
    "^action:migrate:dry_run" "^decision:shutdown" "^shutdown$" \
    "^watchdog:dry_run" "^action:shutdown:dry_run"
check "the event says what would run" ev_check \
    "[.[] | select(.type == \"action\" and .action == \"shutdown\")] |
    length == 1 and .[0].would_run == \"$HOOK $REC\""
check "the shutdown event says dry_run" ev_check \
    '[.[] | select(.type == "shutdown")] | length == 1 and .[0].dry_run'
e2e_stop

# actions.dry_run = true, no flag: a host already past the shutdown level
: > "$D/log"
e2e_conf "dry_run = true;"
e2e_start 93000
wait_for 10 has_log "dry run: would run shutdown hook"
check "config dry_run: shutdown decided" has_log "decision shutdown"
check "config dry_run: would run" has_log "dry run: would run shutdown hook"
check_eq "config dry_run: no hook ran" "$(cat "$REC" 2>/dev/null | wc -l)" 0
check "config dry_run: nothing in state_dir" \
    test ! -e "$D/state/thermal-shutdown"
e2e_stop
tw_done
