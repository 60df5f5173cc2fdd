#!/bin/sh
# End to end: a CPU cooler dies and the package climbs 60 -> 104 C at
# 2 C/s, sampled every 0.25 s, with the engine's default configuration
# (shutdown lead 120 s, persistence 15 s): the shutdown hook runs before
# the sensor reaches its 100 C crit, and says why (the cpu's eta or its
# shutdown level).
# PORTS: none.
. "$TW_SRC/tests/e2e/e2e_lib.sh"
. "$TW_SRC/tests/policy/daemonlib.sh"

daemon_conf
e2e_start 60000
check "daemon started" has_log "thermwatchd .* started"
sleep 20		# a calm history first
ramp 60000 104000 500 0.25
wait_for 40 runs_ge shutdown 1
ramp_stop
sys=$(hook_sys shutdown)
echo "# shutdown hook ran at $sys mC"
check_eq "the shutdown hook ran once" "$(runs shutdown)" 1
check "it ran before crit (at $sys mC)" test "${sys:-100000}" -lt 100000
code=$(rec_field shutdown 1 code)
check "its code says why ($code)" \
    sh -c "echo '$code' | grep -qE '^shutdown\.(eta|margin)$'"
check "the decision is in the log" has_log "decision shutdown"
e2e_stop
tw_done
