# tests/ipmi/sim_lib.sh - shared by start_sim.sh and ipmi_lib.sh.
# A simulated BMC on 127.0.0.1 uses three ports: LAN (UDP), LAN+1 (the
# emulator console, TCP) and LAN+2 (channel 15, TCP).

# sim_prepare RUNDIR LAN: write RUNDIR/lan.conf; fails, saying who holds
# it, when one of the ports is taken (ipmi_sim would half start).
sim_prepare() {
	_sp_here=$(cd "$(dirname "$0")" && pwd)
	[ -f "$_sp_here/lan.conf.in" ] || _sp_here=${IPMI_DIR:?}
	mkdir -p "$1/state"
	_sp_busy=$(ss -Hlunp "( sport = :$2 )" 2>/dev/null;
	    ss -Hltnp "( sport = :$(($2 + 1)) or sport = :$(($2 + 2)) )" \
	    2>/dev/null)
	if [ -n "$_sp_busy" ]; then
		echo "ports $2-$(($2 + 2)) are in use:" >&2
		echo "$_sp_busy" >&2
		return 1
	fi
	sed -e "s|@RUNDIR@|$1|g" -e "s|@HERE@|$_sp_here|g" \
	    -e "s|@LAN@|$2|g" -e "s|@CON@|$(($2 + 1))|g" \
	    -e "s|@SER@|$(($2 + 2))|g" "$_sp_here/lan.conf.in" > "$1/lan.conf"
	SIM_EMU=$_sp_here/thermsim.emu
}

# sim_ready RUNDIR LAN: wait until the BMC of RUNDIR/sim.pid answers Get
# Device ID over LAN 2.0 (about 20 ms); fails after 5 s or if it died.
sim_ready() {
	_sr_i=0
	until ipmi-raw -h "127.0.0.1:$2" -u admin -p adminpw -l ADMIN \
	    -D LAN_2_0 -W opensesspriv --session-timeout=500 \
	    --retransmission-timeout=100 0x0 0x06 0x01 > /dev/null 2>&1; do
		_sr_i=$((_sr_i + 1))
		if [ $_sr_i -ge 100 ] ||
		    ! kill -0 "$(cat "$1/sim.pid")" 2>/dev/null; then
			echo "ipmi_sim did not come up on port $2" >&2
			cat "$1/sim.log" >&2
			return 1
		fi
		sleep 0.05
	done
}
