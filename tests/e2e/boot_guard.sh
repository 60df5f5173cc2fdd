#!/bin/sh
# End to end: the boot guard. A thermal shutdown (a host started past the
# shutdown level) is recorded in state_dir; at the next start the agent
# holds: "hold" logged and published, notify and on_boot_hold run with
# THERMWATCH_STATE=hold. Not yet cool (72 C, resume level 65 C): it holds.
# Cool (50 C) for resume_hold_s (2 s): the hold clears, the record is kept
# as thermal-shutdown.cleared. Then an operator clears a hold by hand.
# PORTS: MQTT from tw_ports.
. "$(dirname "$0")/e2e_lib.sh"
e2e_need_mqtt

e2e_broker || { not_ok "broker did not start"; tw_done; exit 1; }
e2e_sub
e2e_conf "" "$(mqtt_group)"

# 1. the thermal shutdown
e2e_start 93000
wait_for 10 runs_ge shutdown 1
check_eq "shutdown hook ran" "$(runs shutdown)" 1
check "thermal shutdown recorded" test -s "$D/state/thermal-shutdown"
e2e_stop

# 2. the next boot, still warm
: > "$D/log"
e2e_start 72000
wait_for 5 has_log "hold: last shutdown was thermal"
check "hold reported in the log" has_log "hold: last shutdown was thermal"
wait_for 5 runs_ge on_boot_hold 1
check_eq "on_boot_hold ran" "$(runs on_boot_hold)" 1
check_eq "on_boot_hold: state hold" "$(rec_field on_boot_hold 1 state)" hold
check "on_boot_hold env: action" grep -qx THERMWATCH_ACTION=on_boot_hold \
    "$REC.env.on_boot_hold.1"
check "notify ran for hold" \
    wait_for 5 grep -q ' action=notify state=hold ' "$REC"
wait_for 5 grep -q '"type":"hold"' "$D/sub"
check "hold event published" grep -q '"type":"hold"' "$D/sub"
sleep 3
check "still holding while warm (72 C)" sh -c "! grep -q 'hold cleared' '$D/log'"

# 3. cool: cleared after resume_hold_s
set_temp 60000
sleep 0.5
set_temp 50000
wait_for 15 has_log "hold cleared (cool)"
check "hold cleared when cool" has_log "hold cleared (cool)"
check "cool for resume_hold_s first" in_order "$D/log" "hold: cool" \
    "hold cleared .cool."
check "record kept as .cleared" test -s "$D/state/thermal-shutdown.cleared"
check "record gone" test ! -e "$D/state/thermal-shutdown"
wait_for 5 grep -q '"type":"hold_cleared"' "$D/sub"
check "hold_cleared event published" grep -q '"type":"hold_cleared"' "$D/sub"
# (the hook runs after the event is queued; the agent kills a notify hook
# still running when it stops: wait for its record before stopping)
check "notify ran for the end of the hold" \
    wait_for 10 grep -q ' action=notify .*prev=hold ' "$REC"
e2e_stop

# 4. no record: no hold
: > "$D/log"
e2e_start 50000
sleep 1.5
check "no hold without a record" sh -c "! grep -q 'hold:' '$D/log'"
e2e_stop

# 5. an operator clears a hold by removing the record
cp "$D/state/thermal-shutdown.cleared" "$D/state/thermal-shutdown"
: > "$D/log"
e2e_start 72000
wait_for 5 has_log "hold: last shutdown was thermal"
check "hold again with the record back" has_log "hold: last shutdown was thermal"
rm "$D/state/thermal-shutdown"
wait_for 5 has_log "hold cleared (operator)"
check "operator cleared the hold (record removed)" \
    has_log "hold cleared (operator): the record was removed"
e2e_stop

# 6. ... or with thermwatchctl, when the control socket can do it
CTL=$TW_BUILD/thermwatchctl
cp "$D/state/thermal-shutdown.cleared" "$D/state/thermal-shutdown"
: > "$D/log"
e2e_start 72000
wait_for 5 has_log "hold: last shutdown was thermal"
out=$("$CTL" -s "$D/ctl.sock" hold clear --reason "e2e test" 2>&1)
if echo "$out" | grep -q "not supported\|unknown command\|usage"; then
	echo "# thermwatchctl hold-clear is not wired to the actions yet: $out"
else
	wait_for 5 has_log "hold cleared (operator"
	check "thermwatchctl hold-clear cleared the hold ($out)" \
	    has_log "hold cleared (operator"
fi
e2e_stop
tw_done
