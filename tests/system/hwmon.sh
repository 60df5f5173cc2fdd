#!/bin/sh
# hwmon source through the real daemon on a fake hwmon tree in a private
# mount namespace: --once --json, live values, a chip removed, a chip added.
. "$(dirname "$0")/../lib.sh"
tw_need_root
tw_need_cmd unshare jq
D=$(mktemp -d /tmp/tw-hwmon.XXXXXX)
FAKE=$TW_SRC/tests/fakehwmon.sh
TWD=$TW_BUILD/thermwatchd
PID=
cleanup() { [ -n "$PID" ] && stop_pid "$PID"; rm -rf "$D"; }
tw_at_exit cleanup

cat >"$D/tw.conf" <<CONF
agent = { host = "t1"; interval_s = 0.2; rescan_s = 0; state_dir = "$D"; };
hwmon = { sensors_conf = "/dev/null"; ignore = [ "acpitz-*" ]; };
sensors = ( { match = "lm75-*"; class = "inlet"; } );
classes = { inlet = { stale_s = 2.0; }; };
control = { socket = "$D/ctl.sock"; };
CONF

# 1. --once --json sees the fake sensors, crit as trip, emergency first
unshare -m sh -c "
	mount -t tmpfs none /sys/class &&
	$FAKE add 0 coretemp 'Package id 0' 45000 80000 100000 &&
	$FAKE add 1 lm75 '' 30500 60000 70000 75000 &&
	$FAKE add 2 acpitz '' 27800 &&
	exec $TWD --once --json -c $D/tw.conf" >"$D/once.json" 2>"$D/once.err"
check_eq "--once exits 0" "$?" 0
cat "$D/once.json"
check_eq "two sensors (acpitz ignored)" "$(jq length "$D/once.json")" 2
c=$(jq -c '.[] | select(.id == "coretemp-virtual-0/Package id 0") |
	[.source, .class, .value_c, .trip_c, .trip_from, .state]' "$D/once.json")
check_eq "coretemp: value and crit as trip" "$c" \
	'["hwmon","cpu",45,100,"crit","nominal"]'
c=$(jq -c '.[] | select(.id == "lm75-virtual-0/temp1") |
	[.class, .value_c, .trip_c, .trip_from, .crit_c]' "$D/once.json")
check_eq "lm75: class from the rule, emergency as trip" "$c" \
	'["inlet",30.5,75,"emergency",70]'

# 2. the daemon sees values written while it runs
unshare -m sh -c "
	mount -t tmpfs none /sys/class &&
	$FAKE add 0 coretemp 'Package id 0' 45000 &&
	$FAKE add 1 lm75 '' 30500 &&
	exec $TWD -f -c $D/tw.conf" >"$D/log" 2>&1 &
PID=$!
NSCLASS=/proc/$PID/root/sys/class
wait_for 5 grep -q "hwmon: 2 temperature sensors" "$D/log"
check "daemon started with 2 sensors" grep -q "hwmon: 2 temperature" "$D/log"

dump_has() { # pattern: SIGUSR1 dumps the table into the log
	kill -USR1 "$PID"
	sleep 0.3
	grep -q "$1" "$D/log"
}
wait_for 5 dump_has "Package id 0: valid class cpu raw 45.00"
check "first value seen" grep -q "Package id 0: valid class cpu raw 45.00" "$D/log"
CLASS=$NSCLASS $FAKE set 0 61500
wait_for 5 dump_has "Package id 0: valid class cpu raw 61.50"
check "value written while running is seen" \
	grep -q "Package id 0: valid class cpu raw 61.50" "$D/log"

# 3. a chip removed: its sensor goes stale, the daemon keeps running
CLASS=$NSCLASS $FAKE del 1
wait_for 10 dump_has "lm75-virtual-0/temp1: stale"
check "removed chip's sensor goes stale" \
	grep -q "lm75-virtual-0/temp1: stale" "$D/log"
check "daemon still running" kill -0 "$PID"
wait_for 5 grep -q "state .* -> degraded" "$D/log"
check "host state degraded" grep -q "state .* -> degraded" "$D/log"

# 4. a chip added is picked up after a rescan (SIGHUP); the removed one is gone
CLASS=$NSCLASS $FAKE add 3 k10temp Tctl 52000
kill -HUP "$PID"
wait_for 5 grep -q "sensor k10temp-virtual-0/Tctl: class cpu" "$D/log"
check "new chip picked up after SIGHUP" \
	grep -q "sensor k10temp-virtual-0/Tctl: class cpu, trip 100.0 C (crit)" "$D/log"
check "removed chip reported gone" \
	grep -q "sensor lm75-virtual-0/temp1 is gone" "$D/log"
check "daemon still running after rescan" kill -0 "$PID"

# 5. SIGTERM: clean exit
kill "$PID"
wait "$PID"
check_eq "clean exit on SIGTERM" "$?" 0
PID=
check "stop logged" grep -q "stopped" "$D/log"
tw_done
