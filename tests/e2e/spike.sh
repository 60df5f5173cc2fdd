#!/bin/sh
# End to end: one CPU sample spiking to 150 C (a glitching sensor) on an
# otherwise steady 50 C host: the sample is rejected and nothing runs, no
# decision is taken, the state stays ok.
# PORTS: none.
. "$(dirname "$0")/e2e_lib.sh"

e2e_conf
e2e_start 50000
check "daemon started" has_log "thermwatchd .* started"
sleep 1.5

set_temp 150000
sleep 0.3		# longer than one sampling interval (0.2 s)
set_temp 50000
sleep 3

dump_has() {	# SIGUSR1 logs the sensor table
	kill -USR1 "$DPID"
	sleep 0.3
	grep -q "$1" "$D/log"
}
wait_for 5 dump_has "Package id 0: valid .*rejected [1-9]"
check "the spike was seen and rejected" \
    grep -q "Package id 0: valid .*rejected [1-9]" "$D/log"
check "raw value back at 50 C" grep -q "Package id 0: valid .*raw 50.00" "$D/log"
check_eq "no hook ran" "$(cat "$REC" 2>/dev/null | wc -l)" 0
check_eq "no decision" "$(grep -c 'decision ' "$D/log")" 0
check_eq "no state change" "$(grep -c 'state .* -> ' "$D/log")" 0
check "state still ok" grep -q "state ok since" "$D/log"
check "no thermal shutdown record" test ! -e "$D/state/thermal-shutdown"
check "daemon still running" kill -0 "$DPID"
e2e_stop
tw_done
