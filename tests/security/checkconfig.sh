#!/bin/sh
# --check-config catches what would fail the night it is needed: a hook
# whose program is missing or not executable (file:line; only noted under
# dry_run), and broker URLs: mqtt:// and mqtts:// are understood (and the
# agent connects through one), a URL with a login or path is refused
# with file:line. Port: tw_ports.
. "$(dirname "$0")/../lib.sh"
tw_need_cmd mosquitto
. "$TW_SRC/tests/ctl/ctl_lib.sh"
TWD=$TW_BUILD/thermwatchd
tw_ports 1
PORT=$TW_PORT

chk() {	# conf-text: run --check-config on it, output in $CT/out, $CT/err
	printf '%s\n' "$1" > "$CT/c.conf"
	"$TWD" --check-config -c "$CT/c.conf" > "$CT/out" 2> "$CT/err"
}
printf '#!/bin/sh\n' > "$CT/noexec"
chmod 644 "$CT/noexec"

chk 'agent = { host = "t1"; };
actions = {
  shutdown = [ "systemctll", "poweroff" ];
};'
check_eq "shutdown hook not found: refused" "$?" 1
check "with file:line and where it was looked for" grep -q \
	"^$CT/c.conf:3: actions.shutdown: \"systemctll\" not found in /usr/local/sbin:" "$CT/err"
chk "actions = { notify = [ \"$CT/noexec\" ]; migrate = [ \"$CT/none\" ]; };"
check_eq "hooks not executable / missing: refused" "$?" 1
check "not executable" grep -q \
	"c.conf:1: actions.notify: \"$CT/noexec\" not executable" "$CT/err"
check "missing, absolute" grep -q \
	"c.conf:1: actions.migrate: \"$CT/none\" not found$" "$CT/err"
check "both counted" grep -q "c.conf: 2 errors" "$CT/err"
chk "actions = { dry_run = true; shutdown = [ \"systemctll\" ]; };"
check_eq "under dry_run: accepted" "$?" 0
check "under dry_run: said" grep -q "dry run: allowed, it would fail for real" "$CT/err"
chk 'actions = { shutdown = [ "/bin/true" ]; };'
check_eq "an executable hook passes" "$?" 0

chk 'mqtt = { brokers = [ "mqtt://127.0.0.1:1883", "mqtts://zone-a1" ]; };'
check_eq "mqtt:// and mqtts:// URLs: accepted" "$?" 0
check "printed back: plain, and TLS on 8883" grep -q \
	'brokers = \[ "127.0.0.1:1883", "mqtts://zone-a1:8883" \]' "$CT/out"
chk 'mqtt = {
  brokers = [ "mqtt://op:secret@127.0.0.1" ]; };'
check_eq "a URL with a login: refused" "$?" 1
check "with file:line" grep -q \
	"c.conf:2: mqtt.brokers: \"mqtt://op:secret@127.0.0.1\" is not host:port, mqtt://host\[:port\] or mqtts://host\[:port\]" "$CT/err"

# the agent connects through an mqtt:// URL
chmod 755 "$CT"
cat > "$CT/broker.conf" <<CONF
per_listener_settings false
persistence false
allow_anonymous true
listener $PORT 127.0.0.1
CONF
chmod 644 "$CT/broker.conf"
mosquitto -c "$CT/broker.conf" > "$CT/broker.log" 2>&1 &
tw_track $!
wait_for 5 mosquitto_pub -h 127.0.0.1 -p $PORT -t tw/ready -n 2>/dev/null
ct_conf "mqtt = { enabled = true; brokers = [ \"mqtt://127.0.0.1:$PORT/\" ]; };"
ct_start
check "the agent connects to mqtt://127.0.0.1:$PORT/" \
	wait_for 10 grep -q "mqtt: connected to 127.0.0.1:$PORT" "$CT/log"
ct_stop
tw_done
