#!/bin/sh
# bench.sh [bench_mqtt options]: run the MQTT benchmark against a private
# mosquitto on 127.0.0.1 (a tw_ports port; anonymous, loopback only).
# Not a ctest.
. "$(dirname "$0")/../lib.sh"
tw_need_cmd mosquitto
tw_ports 1
T=$(mktemp -d /tmp/tw-bench.XXXXXX)
tw_at_exit 'rm -rf "$T"'
chmod 755 "$T"
cat > "$T/b.conf" <<CONF
allow_anonymous true
persistence false
max_connections -1
set_tcp_nodelay ${NODELAY:-true}
log_dest none
listener $TW_PORT 127.0.0.1
CONF
chmod 644 "$T/b.conf"
ulimit -n 8192 2>/dev/null
mosquitto -c "$T/b.conf" &
B=$!
tw_track $B
sleep 0.5
"$TW_BUILD/tests/mqtt/bench_mqtt" -p $TW_PORT -b $B "$@"
