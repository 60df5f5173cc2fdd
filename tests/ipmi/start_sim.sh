#!/bin/sh
# start_sim.sh RUNDIR BASEPORT - a private ipmi_sim on 127.0.0.1: LAN on
# BASEPORT/udp, console on BASEPORT+1/tcp, channel 15 on BASEPORT+2/tcp.
# Writes RUNDIR/sim.pid (and the host writes RUNDIR/host.pid); returns when
# the simulated BMC answers Get Device ID over LAN 2.0. Stop it with
# stop_sim.sh RUNDIR. (The IPMI tests start theirs through ipmi_lib.sh,
# which also ties its life to the test's.)
D=$1
LAN=$2
. "$(dirname "$0")/sim_lib.sh"
sim_prepare "$D" "$LAN" || exit 1
# -n: no stdin console; -p: no persistence (fresh SEL/SDR every start).
ipmi_sim -c "$D/lan.conf" -f "$SIM_EMU" -s "$D/state" -n -p \
    > "$D/sim.log" 2>&1 < /dev/null &
echo $! > "$D/sim.pid"
if ! sim_ready "$D" "$LAN"; then
	"$(dirname "$0")/stop_sim.sh" "$D"
	exit 1
fi
