#!/bin/sh
# fakehwmon.sh - build and drive a fake /sys/class/hwmon tree (run it inside
# the private mount namespace, or give the namespace's root from outside as
# CLASS=/proc/PID/root/sys/class). libsensors takes regular files on a
# tmpfs mounted over /sys/class as hwmon chips.
#
#   fakehwmon.sh add N NAME LABEL TEMP_mC [MAX_mC [CRIT_mC [EMERG_mC]]]
#   fakehwmon.sh set N TEMP_mC [INDEX]   a new value, written in place
#   fakehwmon.sh fault N 0|1
#   fakehwmon.sh del N                   the chip goes away
#   fakehwmon.sh many FIRST CHIPS PER [NAME]
#        CHIPS chips hwmonFIRST.. of PER sensors each, as platform devices
#        NAME.K ("NAME-isa-000K", default coretemp), labels "Package id
#        K" and "Core n", values 40-47 C
#
# Like sysfs attributes, a value file is changed in place: the agent keeps
# its files open and reads them again at offset 0 (a file replaced by a
# rename would leave it reading the old one). The new text is written
# with one write(2), then the file is cut to its length, so a concurrent
# reader sees the old number or the new one, never an empty file. A chip
# that goes away first has its values emptied: its open files then give
# no number, as a removed device's attributes give ENODEV.
set -eu
CLASS=${CLASS:-/sys/class}
cmd=$1
shift
d=$CLASS/hwmon/hwmon$1
put() { # file value: a new file, complete before its name appears
	printf '%s\n' "$2" >"$1.tmp.$$" && mv "$1.tmp.$$" "$1"
}
update() { # file value: in place (see above)
	[ -e "$1" ] || { put "$1" "$2"; return; }
	printf '%s\n' "$2" 1<>"$1"
	truncate -s $((${#2} + 1)) "$1"
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
set) update "$d/temp${3:-1}_input" "$2" ;;
fault) update "$d/temp1_fault" "$2" ;;
del)
	for f in "$d"/temp*_input; do
		[ -e "$f" ] && : >"$f"
	done
	rm -rf "$d"
	;;
many)
	# built before anything reads it: plain writes, few processes
	first=$1 chips=$2 per=$3 name=${4:-coretemp}
	dev=$CLASS/zz-fakedev
	dirs="$dev/bus/platform"
	k=0
	while [ $k -lt "$chips" ]; do
		n=$((first + k))
		dirs="$dirs $CLASS/hwmon/hwmon$n $dev/devices/$name.$n"
		k=$((k + 1))
	done
	mkdir -p $dirs
	k=0
	while [ $k -lt "$chips" ]; do
		n=$((first + k))
		d=$CLASS/hwmon/hwmon$n
		ln -s ../../bus/platform "$dev/devices/$name.$n/subsystem"
		ln -s "../../zz-fakedev/devices/$name.$n" "$d/device"
		echo "$name" >"$d/name"
		i=1
		while [ $i -le "$per" ]; do
			if [ $i = 1 ]; then l="Package id $n"; else l="Core $((i - 2))"; fi
			echo "$l" >"$d/temp${i}_label"
			echo $((40000 + (i + k) % 8 * 1000)) >"$d/temp${i}_input"
			echo 80000 >"$d/temp${i}_max"
			echo 100000 >"$d/temp${i}_crit"
			echo 0 >"$d/temp${i}_crit_alarm"
			i=$((i + 1))
		done
		k=$((k + 1))
	done
	;;
*)
	echo "fakehwmon.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
