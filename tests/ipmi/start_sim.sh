#!/bin/sh
# start_sim.sh RUNDIR BASEPORT - a private ipmi_sim on 127.0.0.1: LAN on
# BASEPORT/udp, console on BASEPORT+1/tcp, channel 15 on BASEPORT+2/tcp.
# Writes RUNDIR/sim.pid (and the host writes RUNDIR/host.pid); returns when
# the simulated BMC answers Get Device ID over LAN 2.0.
set -e
D=$1
LAN=$2
CON=$((LAN + 1))
SER=$((LAN + 2))
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$D/state"
sed -e "s|@RUNDIR@|$D|g" -e "s|@HERE@|$HERE|g" -e "s|@LAN@|$LAN|g" \
    -e "s|@CON@|$CON|g" -e "s|@SER@|$SER|g" "$HERE/lan.conf.in" > "$D/lan.conf"
# -n: no stdin console; -p: no persistence (fresh SEL/SDR every start).
ipmi_sim -c "$D/lan.conf" -f "$HERE/thermsim.emu" -s "$D/state" -n -p \
    > "$D/sim.log" 2>&1 < /dev/null &
echo $! > "$D/sim.pid"
i=0
until ipmi-raw -h "127.0.0.1:$LAN" -u admin -p adminpw -l ADMIN -D LAN_2_0 \
    -W opensesspriv --session-timeout=500 --retransmission-timeout=100 \
    0x0 0x06 0x01 > /dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 100 ] || ! kill -0 "$(cat "$D/sim.pid")" 2>/dev/null; then
		echo "ipmi_sim did not come up on port $LAN" >&2
		cat "$D/sim.log" >&2
		exit 1
	fi
	sleep 0.05
done
