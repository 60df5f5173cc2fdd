# tests/ipmi/ipmi_lib.sh - sourced by the IPMI tests: their own ipmi_sim
# on a block of four ports from tw_ports (LAN, console, channel 15, and
# CLOSED, where nothing listens), the test driver, helpers.
. "$TW_SRC/tests/lib.sh"

IPMI_DIR=$TW_SRC/tests/ipmi
DRIVE=${BMC_DRIVE:-$TW_BUILD/tests/ipmi/bmc_drive}

tw_need_cmd ipmi_sim ipmi-raw ipmi-sensors ipmi-power nc setpriv ss
[ -x "$DRIVE" ] || tw_skip "test driver $DRIVE not built"

tw_ports 4
BASE=$TW_PORT
LAN=$BASE
CON=$((BASE + 1))
CLOSED=$((BASE + 3))

RUN=$(mktemp -d "${TMPDIR:-/tmp}/tw-ipmi.XXXXXX")
mkdir -p "$RUN/state"
chmod 700 "$RUN"

ipmi_cleanup() {
	"$IPMI_DIR/stop_sim.sh" "$RUN/sim"
	if [ "$tw_fails" = 0 ] && [ -z "${TW_KEEP:-}" ]; then
		rm -rf "$RUN"
	else
		echo "# kept $RUN"
	fi
}
tw_at_exit ipmi_cleanup

. "$IPMI_DIR/sim_lib.sh"

# sim_start: the test's own ipmi_sim. Started from the test's shell with a
# parent-death signal, so that it cannot outlive the test even when the
# test is killed outright (its "host" dies with it, see fakehost.sh).
sim_start() {
	mkdir -p "$RUN/sim"
	sim_prepare "$RUN/sim" "$LAN" || return 1
	setpriv --pdeathsig KILL ipmi_sim -c "$RUN/sim/lan.conf" \
	    -f "$SIM_EMU" -s "$RUN/sim/state" -n -p \
	    > "$RUN/sim/sim.log" 2>&1 < /dev/null &
	echo $! > "$RUN/sim/sim.pid"
	sim_ready "$RUN/sim" "$LAN" || { sim_stop; return 1; }
}

sim_stop() {
	"$IPMI_DIR/stop_sim.sh" "$RUN/sim"
}

sim_pid() {
	cat "$RUN/sim/sim.pid"
}

# con CMD...: emulator console commands (sensor_set_value ...); nc waits
# 1 s after sending. con_now returns as soon as the commands are sent
# (for timing a change).
con() {
	printf '%s\n' "$@" | timeout 5 nc -q 1 127.0.0.1 "$CON" > /dev/null
}
con_now() {
	printf '%s\n' "$@" | timeout 5 nc -q 0 127.0.0.1 "$CON" > /dev/null
}

# Independent reading of the BMC through FreeIPMI's CLI (admin user).
IPMI_ADMIN="-h 127.0.0.1:$LAN -u admin -p adminpw -l ADMIN -D LAN_2_0 -W opensesspriv"

# pwfile NAME CONTENT: a 0600 password file in $RUN
pwfile() {
	printf '%s\n' "$2" > "$RUN/$1"
	chmod 600 "$RUN/$1"
	echo "$RUN/$1"
}

# write_conf FILE PWFILE [EXTRA LINES...]: an ipmi group for the sim
write_conf() {
	_wc_file=$1
	_wc_pw=$2
	shift 2
	{
		echo "ipmi = {"
		echo "	enabled = true;"
		echo "	driver = \"lan\";"
		echo "	host = \"127.0.0.1:$LAN\";"
		echo "	username = \"mon\";"
		echo "	password_file = \"$_wc_pw\";"
		echo "	workarounds = [ \"opensesspriv\" ];"
		echo "	timeout_s = 1.0;"
		echo "	deadline_s = 2.5;"
		echo "	backoff_max_s = 2.0;"
		for _wc_l in "$@"; do
			echo "	$_wc_l"
		done
		echo "};"
	} > "$_wc_file"
}

# field LINE KEY: the value of key=value in a tab-separated driver line
field() {
	printf '%s\n' "$1" | tr '\t' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# reading FILE SENSOR: the last R line of that sensor name in FILE
reading() {
	grep -F "/$2	" "$1" | grep '^R' | tail -n 1
}

now_ms() {
	date +%s%3N
}

# check_le DESC A B: passes when A and B are integers and A <= B
check_le() {
	case "$2$3" in
	'' | *[!0-9-]*)
		not_ok "$1: [$2] [$3] not numbers"
		return
		;;
	esac
	if [ -n "$2" ] && [ -n "$3" ] && [ "$2" -le "$3" ]; then
		ok "$1"
	else
		not_ok "$1: $2 > $3"
	fi
}
