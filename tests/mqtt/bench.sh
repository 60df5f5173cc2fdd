#!/bin/sh
# bench.sh [bench_mqtt options]: run the MQTT benchmark against a private
# mosquitto on 127.0.0.1:18869 (anonymous, loopback only). Not a ctest.
. "$(dirname "$0")/../lib.sh"
tw_need_cmd mosquitto
T=$(mktemp -d /tmp/tw-bench.XXXXXX)
chmod 755 "$T"
cat > "$T/b.conf" <<CONF
allow_anonymous true
persistence false
max_connections -1
set_tcp_nodelay ${NODELAY:-true}
log_dest none
listener 18869 127.0.0.1
CONF
chmod 644 "$T/b.conf"
ulimit -n 8192 2>/dev/null
mosquitto -c "$T/b.conf" &
B=$!
sleep 0.5
"$TW_BUILD/tests/mqtt/bench_mqtt" -p 18869 -b $B "$@"
rc=$?
stop_pid $B
rm -rf "$T"
exit $rc
