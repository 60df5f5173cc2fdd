#!/bin/sh
# thermwatchctl sensors/status/rescan on a fake hwmon tree in a private
# mount namespace: the sensor table as the engine sees it.
. "$(dirname "$0")/../lib.sh"
tw_need_root
tw_need_cmd unshare jq
. "$(dirname "$0")/ctl_lib.sh"
FAKE=$TW_SRC/tests/fakehwmon.sh

cat >"$CT/tw.conf" <<CONF
agent = { host = "t2"; interval_s = 0.2; rescan_s = 0; state_dir = "$CT/state"; };
hwmon = { sensors_conf = "/dev/null"; };
sensors = ( { match = "lm75-*"; class = "inlet"; },
	{ match = "acpitz-*"; ignore = true; } );
control = { socket = "$SOCK"; };
CONF
unshare -m sh -c "
	mount -t tmpfs none /sys/class &&
	$FAKE add 0 coretemp 'Package id 0' 45000 80000 100000 &&
	$FAKE add 1 lm75 '' 24500 60000 70000 75000 &&
	$FAKE add 2 acpitz '' 27800 &&
	exec $TWD -f -c $CT/tw.conf" >"$CT/log" 2>&1 &
TWD_PID=$!
tw_track $TWD_PID
NSCLASS=/proc/$TWD_PID/root/sys/class
wait_for 5 test -S "$SOCK"
check "daemon up" test -S "$SOCK"

valid2() { [ "$(ctl --json sensors | jq '[.[] | select(.status == "valid")] | length')" = 2 ]; }
wait_for 5 valid2
j=$(ctl --json sensors)
check_eq "two valid sensors" "$(echo "$j" | jq '[.[] | select(.status == "valid")] | length')" 2
check_eq "coretemp row" "$(echo "$j" | jq -c '.[] | select(.id == "coretemp-virtual-0/Package id 0") |
	[.source, .class, .value_c, .filtered_c, .trip_c, .trip_from, .status, .rejected]')" \
	'["hwmon","cpu",45,45,100,"crit","valid",0]'
check_eq "lm75 row: class from the rule, emergency as trip" \
	"$(echo "$j" | jq -c '.[] | select(.id == "lm75-virtual-0/temp1") |
	[.class, .value_c, .trip_c, .trip_from]')" '["inlet",24.5,75,"emergency"]'
check_eq "ignored sensor listed as ignored" \
	"$(echo "$j" | jq -r '.[] | select(.id | startswith("acpitz")) | .status')" ignored
check "every engine field present" sh -c "echo '$j' | jq -e '.[2] |
	has(\"slope_c_per_min\") and has(\"eta_s\") and has(\"headroom_c\") and
	has(\"used_c\") and has(\"assumed\") and has(\"level\") and
	has(\"accepted\") and has(\"last_reject\")' >/dev/null"

ctl sensors >"$CT/out"
cat "$CT/out"
check "table header" grep -q "^SENSOR  *SOURCE CLASS  *VALUE  *USED SLOPE/min  *ETA  *TRIP TRIP FROM  *LEVEL  *STATUS  *REJ" "$CT/out"
check "coretemp line" grep -q "^coretemp-virtual-0/Package id 0 hwmon  cpu  *45.0  *45.0  *[-+]0.00  *-  *100.0 crit  *-  *valid  *0" "$CT/out"
ok_state() { [ "$(ctl --json status | jq -r .state)" = ok ]; }
wait_for 5 ok_state
check "state ok with sensors" ok_state
check_eq "status counts the sensors" "$(ctl --json status | jq .sensors)" 2

# an impossible value is rejected and counted
CLASS=$NSCLASS $FAKE set 0 -40000
rej() { [ "$(ctl --json sensors | jq '.[] | select(.id == "coretemp-virtual-0/Package id 0") | .rejected')" -gt 0 ]; }
wait_for 5 rej
check "rejected count visible" rej
CLASS=$NSCLASS $FAKE set 0 46000

# rescan picks up a new chip
CLASS=$NSCLASS $FAKE add 3 k10temp Tctl 52000
check_eq "rescan" "$(ctl rescan)" "rescan done"
has_k10() { ctl --json sensors | jq -e '.[] | select(.id == "k10temp-virtual-0/Tctl")' >/dev/null; }
wait_for 5 has_k10
check "new chip after rescan" has_k10
check "rescan logged" grep -q "control: rescan requested by root" "$CT/log"
ct_stop
tw_done
