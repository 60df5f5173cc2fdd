#!/bin/sh
# --mqtt: the virtual hosts of the first policy's run publish on a real
# mosquitto (loopback, a free port), also when the runs go on threads
# (--jobs), and the broker acknowledges every QoS 1 message. The port
# comes from tw_ports, the processes are tracked (tests/lib.sh).
. "$TW_SRC/tests/lib.sh"
. "$TW_SRC/tests/sim/simlib.sh"
tw_need_cmd mosquitto mosquitto_sub
tw_ports 1
port=$TW_PORT
printf 'listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n' \
    "$port" > "$TMP/m.conf"
mosquitto -c "$TMP/m.conf" > "$TMP/m.log" 2>&1 &
tw_track $!
ready() {
	mosquitto_sub -h 127.0.0.1 -p "$port" -t '$SYS/broker/version' \
	    -C 1 -W 1 > /dev/null 2>&1
}
wait_for 5 ready || { not_ok "mosquitto did not start: $(cat "$TMP/m.log")"; tw_done; }
ok "mosquitto on 127.0.0.1:$port"

mosquitto_sub -h 127.0.0.1 -p "$port" -t 'thermwatch/v1/#' -v \
    > "$TMP/sub" 2>&1 &
tw_track $!
sleep 0.5
"$SIM" short-outage --duration 90m --compare --jobs 2 --quiet \
    --mqtt "127.0.0.1:$port" --mqtt-interval 10m > "$TMP/out"
check "the run exits 0" [ $? = 0 ]
line=$(grep "^mqtt: published" "$TMP/out")
echo "# $line"
check "the summary line says what was published" [ -n "$line" ]
sent=$(echo "$line" | awk '{ print $3 }')
conf=$(echo "$line" | sed 's/.* \([0-9]*\) confirmed.*/\1/')
check_eq "every message confirmed (QoS 1: acked by the broker)" "$conf" \
    "$sent"
check "QoS 1 messages among them" grep -q "([1-9][0-9]* QoS 1" "$TMP/out"
check "no publish errors" grep -q ", 0 errors)" "$TMP/out"
wait_for 5 sh -c "[ \$(wc -l < '$TMP/sub') -ge $sent ]"
got=$(wc -l < "$TMP/sub")
check_eq "the subscriber got every message" "$got" "$sent"
hosts=$(awk '{ split($1, t, "/"); print t[5] }' "$TMP/sub" | sort -u |
    wc -l)
check_eq "all 60 hosts published" "$hosts" 60
check "the site is the scenario" \
    grep -q '^thermwatch/v1/short-outage/A/a-t0-01/telemetry ' "$TMP/sub"
check "retained state per host" grep -q '/state {' "$TMP/sub"
tw_done
