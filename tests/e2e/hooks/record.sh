#!/bin/sh
# record.sh FILE [MODE [ARG]] - the recording hook of the end-to-end tests.
# The daemon runs it with argv only and a clean environment (no TW_*), so
# everything it needs comes in argv. It runs inside the daemon's mount
# namespace, so /sys/class/hwmon is the fake tree the test drives.
#
# Appends one line per run to FILE:
#   <epoch.ns> action=... state=... id=... attempt=... sys=<hwmon0 mC> ...
# and the whole environment to FILE.env.<action>.<attempt>.
# MODE: ok (default), fail (exit 1), hang (ignore SIGTERM, never end),
#       slow S (take S seconds, then exit 0),
#       wd PORT (first record the BMC watchdog of ipmi_sim on PORT).
rec=$1
mode=${2:-ok}
now=$(date +%s.%N)
sys=$(cat /sys/class/hwmon/hwmon0/temp1_input 2>/dev/null || echo none)
if [ "$mode" = wd ]; then
	# Get Watchdog Timer, answered by the simulated BMC right now
	wd=$(ipmi-raw -h "127.0.0.1:$3" -u admin -p adminpw -l ADMIN \
	    -D LAN_2_0 -W opensesspriv --session-timeout=2000 \
	    0x0 0x06 0x25 2>&1 | tr '\n' ' ')
	printf '%s %s\n' "$now" "$wd" >> "$rec.wd"
fi
printf '%s action=%s state=%s prev=%s id=%s attempt=%s code=%s sensor=%s value=%s trip=%s eta=%s sys=%s reason=%s\n' \
    "$now" "${THERMWATCH_ACTION:-}" "${THERMWATCH_STATE:-}" \
    "${THERMWATCH_PREV_STATE:-}" "${THERMWATCH_ACTION_ID:-}" \
    "${THERMWATCH_ATTEMPT:-}" "${THERMWATCH_CODE:-}" \
    "$(printf %s "${THERMWATCH_SENSOR:-}" | tr ' ' _)" \
    "${THERMWATCH_VALUE_C:-}" "${THERMWATCH_TRIP_C:-}" \
    "${THERMWATCH_ETA_S:-}" "$sys" "${THERMWATCH_REASON:-}" >> "$rec"
env | sort > "$rec.env.${THERMWATCH_ACTION:-none}.${THERMWATCH_ATTEMPT:-0}"
echo "recorded $THERMWATCH_ACTION attempt $THERMWATCH_ATTEMPT"
echo "a line on stderr" >&2
case $mode in
fail)
	exit 1
	;;
slow)
	sleep "${3:-5}"
	echo "slow run done"
	;;
hang)
	trap '' TERM
	while :; do
		sleep 1
	done
	;;
esac
exit 0
