#!/bin/sh
# fakehwmon.sh - build and drive a fake /sys/class/hwmon tree (run it inside
# the private mount namespace, or give the namespace's root from outside as
# CLASS=/proc/PID/root/sys/class). libsensors takes regular files on a
# tmpfs mounted over /sys/class as hwmon chips.
#
#   fakehwmon.sh add N NAME LABEL TEMP_mC [MAX_mC [CRIT_mC [EMERG_mC]]]
#   fakehwmon.sh set N TEMP_mC [INDEX]   atomic write (write + rename)
#   fakehwmon.sh fault N 0|1
#   fakehwmon.sh del N
set -eu
CLASS=${CLASS:-/sys/class}
cmd=$1
shift
d=$CLASS/hwmon/hwmon$1
put() { # file value: never a half-written file for a concurrent reader
	printf '%s\n' "$2" >"$1.tmp.$$" && mv "$1.tmp.$$" "$1"
}
case $cmd in
add)
	name=$2 label=$3 t=$4 max=${5:-80000} crit=${6:-100000} emerg=${7:-}
	mkdir -p "$d"
	put "$d/name" "$name"
	put "$d/temp1_input" "$t"
	[ -n "$label" ] && put "$d/temp1_label" "$label"
	put "$d/temp1_max" "$max"
	put "$d/temp1_crit" "$crit"
	[ -n "$emerg" ] && put "$d/temp1_emergency" "$emerg"
	put "$d/temp1_max_hyst" $((max - 5000))
	put "$d/temp1_crit_hyst" $((crit - 5000))
	put "$d/temp1_crit_alarm" 0
	put "$d/temp1_max_alarm" 0
	put "$d/temp1_fault" 0
	;;
set) put "$d/temp${3:-1}_input" "$2" ;;
fault) put "$d/temp1_fault" "$2" ;;
del) rm -rf "$d" ;;
*)
	echo "fakehwmon.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
