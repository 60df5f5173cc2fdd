#!/bin/sh
# stop_sim.sh RUNDIR - stop the ipmi_sim of RUNDIR and its startcmd "host"
# (ipmi_sim leaves that one behind), each by its recorded PID. Waits for
# ipmi_sim to exit (about 1.5 s) so that its ports can be reused.
D=$1
if [ -f "$D/sim.pid" ]; then
	P=$(cat "$D/sim.pid")
	kill "$P" 2>/dev/null
	kill -CONT "$P" 2>/dev/null	# a test may have stopped it
	i=0
	while kill -0 "$P" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$P" 2>/dev/null
	rm -f "$D/sim.pid"
fi
if [ -f "$D/host.pid" ]; then
	kill "$(cat "$D/host.pid")" 2>/dev/null
	rm -f "$D/host.pid"
fi
exit 0
