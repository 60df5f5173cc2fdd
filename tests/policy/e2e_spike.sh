#!/bin/sh
# End to end: on a steady 50 C CPU sampled every 0.25 s, with the default
# configuration, one sample of 150 C (a glitching sensor): it is
# rejected and nothing runs, no decision, no state change, the sensor
# not flagged.
# PORTS: none.
. "$TW_SRC/tests/e2e/e2e_lib.sh"
. "$TW_SRC/tests/policy/daemonlib.sh"

daemon_conf
e2e_start 50000
check "daemon started" has_log "thermwatchd .* started"
sleep 3
set_temp 150000
sleep 0.3		# longer than one sampling interval
set_temp 50000
sleep 4
kill -USR1 "$DPID"	# the sensor table
sleep 0.5
check "the spike was rejected" \
    grep -q "Package id 0: valid .*rejected [1-9]" "$D/log"
check_eq "no hook ran" "$(cat "$REC" 2>/dev/null | wc -l)" 0
check_eq "no decision" "$(grep -c 'decision ' "$D/log")" 0
check_eq "no state change" "$(grep -c 'state .* -> ' "$D/log")" 0
check "state still ok" grep -q "state ok since" "$D/log"
check "daemon still running" kill -0 "$DPID"
e2e_stop
tw_done
