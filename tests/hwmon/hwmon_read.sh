#!/bin/sh
# The hwmon source's values equal libsensors' (test_hwmon.c) on fake trees
# in private mount namespaces: a small tree with label and compute
# statements in a test sensors3.conf, and the 1,024-sensor tree.
. "$(dirname "$0")/../lib.sh"
tw_need_root
tw_need_cmd unshare truncate
T=$TW_BUILD/tests/hwmon/test_hwmon
[ -x "$T" ] || tw_skip "no $T (build first)"
FAKE=$TW_SRC/tests/fakehwmon.sh
D=$(mktemp -d /tmp/tw-hwmon-read.XXXXXX)
tw_at_exit 'rm -rf "$D"'

# lm75: a compute statement; nct6775: one that is the identity at 0 C,
# the value the chip has when it is scanned
cat >"$D/sensors3.conf" <<CONF
chip "coretemp-*"
    label temp1 "CPU Package"
chip "lm75-*"
    compute temp1 @*2-10, (@+10)/2
chip "nct6775-*"
    compute temp1 @*2, @/2
CONF

TW_SENSORS_CONF=$D/sensors3.conf unshare -m sh -c "
	mount -t tmpfs none /sys/class &&
	$FAKE add 0 coretemp 'Package id 0' 45000 &&
	$FAKE add 1 lm75 '' 30500 &&
	$FAKE add 2 nct6775 '' 0 &&
	$FAKE add 3 k10temp Tctl 52000 &&
	exec $T small" >"$D/small.out" 2>&1
check_eq "small tree: pread equals sensors_get_value, compute honoured" "$?" 0
cat "$D/small.out"

unshare -m sh -c "
	mount -t tmpfs none /sys/class &&
	$FAKE many 0 128 8 &&
	exec $T many" >"$D/many.out" 2>&1
check_eq "1,024 sensors read completely, equal to sensors_get_value" "$?" 0
cat "$D/many.out"
tw_done
