#!/bin/sh
# End to end: the daemon starts while the CPU is already rising 1 C/s
# (restarted mid-incident: no history at all), sampled every 0.25 s with
# the default configuration: it acts in time, the shutdown hook running
# before the sensor reaches its 100 C crit.
# PORTS: none.
. "$TW_SRC/tests/e2e/e2e_lib.sh"
. "$TW_SRC/tests/policy/daemonlib.sh"

daemon_conf
e2e_start 75000
ramp 75000 104000 250 0.25
check "daemon started" has_log "thermwatchd .* started"
wait_for 45 runs_ge shutdown 1
ramp_stop
sys=$(hook_sys shutdown)
first=$(head -n 1 "$D/ramp" | cut -d' ' -f2)
echo "# ramp from $first mC; shutdown hook at $sys mC"
check_eq "the shutdown hook ran once" "$(runs shutdown)" 1
check "it ran before crit (at $sys mC)" test "${sys:-100000}" -lt 100000
e2e_stop
tw_done
