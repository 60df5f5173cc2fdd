#!/bin/sh
# End to end: the CPU chip is removed mid-ramp (at warn, rising 1 C/s):
# the host goes degraded, and the missing sensor alone never shuts it
# down, neither while it is stale nor after a rescan forgets it.
# PORTS: none.
. "$(dirname "$0")/e2e_lib.sh"

e2e_conf
e2e_start 66000
check "daemon started" has_log "thermwatchd .* started"
sleep 1.5
ramp 66000 76000 500 0.5
wait_for 20 runs_ge notify 1
ramp_stop
check "notify ran for warn" grep -q ' action=notify state=warn ' "$REC"
del_chip 0
echo "# chip removed at $(tail -n 1 "$D/ramp" | cut -d' ' -f2) mC"
wait_for 15 has_log "state .* -> degraded"
check "host degraded" has_log "state .* -> degraded"
# At 1 C/s the ramp would have crossed the shutdown level in ~15 s.
sleep 12
check_eq "no shutdown while stale" "$(runs shutdown)" 0
kill -USR2 "$DPID"	# rescan: the chip is gone for good
wait_for 5 has_log "sensor coretemp-virtual-0/Package id 0 is gone"
check "rescan reports the sensor gone" \
    has_log "sensor coretemp-virtual-0/Package id 0 is gone"
sleep 3
check_eq "no shutdown after the rescan" "$(runs shutdown)" 0
check_eq "no migrate either" "$(runs migrate)" 0
check "no shutdown decision" sh -c "! grep -q 'decision shutdown' '$D/log'"
check "no thermal shutdown record" test ! -e "$D/state/thermal-shutdown"
check "daemon still running" kill -0 "$DPID"
e2e_stop
tw_done
