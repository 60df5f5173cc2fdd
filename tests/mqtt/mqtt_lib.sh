# tests/mqtt/mqtt_lib.sh - sourced by the MQTT tests after tests/lib.sh:
# private mosquitto brokers built from the shipped broker-config/ files,
# and thermwatchd on a fake hwmon tree in a private mount namespace.
# Every process is started here, tracked (tw_track) and stopped by its
# PID; ports come from tw_ports.

MQ_T=$(mktemp -d /tmp/tw-mqtt.XXXXXX)
chmod 755 "$MQ_T"	# a root-started mosquitto drops to user mosquitto
TWD=$TW_BUILD/thermwatchd
FAKE=$TW_SRC/tests/fakehwmon.sh
tw_at_exit '[ -n "${KEEP:-}" ] || rm -rf "$MQ_T"'

# mq_etc: copy broker-config/ into $MQ_T/etc and create the users
# hv01 hv02 (dc1/r101), hv03 (dc1/r102), operator, dashboard, bridge with
# the password "<name>pw".
mq_etc() {
	E=$MQ_T/etc
	mkdir -p "$E" "$MQ_T/data"
	chmod 777 "$MQ_T/data"
	find "$TW_SRC"/broker-config -maxdepth 1 -type f -exec cp {} "$E/" \;
	chmod 755 "$E"
	sh "$E/add-host.sh" -d "$E" -p hv01pw dc1 r101 hv01 >/dev/null &&
	sh "$E/add-host.sh" -d "$E" -p hv02pw dc1 r101 hv02 >/dev/null &&
	sh "$E/add-host.sh" -d "$E" -p hv03pw dc1 r102 hv03 >/dev/null &&
	sh "$E/add-host.sh" -d "$E" -p operatorpw -u operator operator \
	    >/dev/null &&
	sh "$E/add-host.sh" -d "$E" -p dashboardpw -u dashboard dashboard \
	    >/dev/null &&
	sh "$E/add-host.sh" -d "$E" -p bridgepw -u bridge bridge >/dev/null
}

# mq_pki: throwaway CA, server certificate for 127.0.0.1/localhost.
mq_pki() {
	mkdir -p "$E/tls"
	(
		cd "$E/tls" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -subj "/CN=tw-test-CA" -keyout ca.key -out ca.crt &&
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		    -keyout server.key -out server.csr &&
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
		    > server.ext &&
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
		    -CAcreateserial -days 2 -extfile server.ext \
		    -out server.crt &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -subj "/CN=evil-CA" -keyout evil.key -out evil.crt
		chmod 644 ./*
	) > "$MQ_T/openssl.log" 2>&1
}

# mq_zone_conf OUT PLAIN TLS WS: the shipped mosquitto.conf on our ports
# and paths. Fails when the shipped file no longer has the expected lines.
mq_zone_conf() {
	out=$1
	mkdir -p "$MQ_T/www"	# the room view's http_dir (MQ_HTTP_DIR)
	sed -e "s#/etc/mosquitto/thermwatch#$E#g" \
	    -e "s#^persistence_location .*#persistence_location $MQ_T/data/#" \
	    -e "s#^log_dest syslog#log_dest stderr#" \
	    -e "s#^listener 1883 127.0.0.1\$#listener $2 127.0.0.1#" \
	    -e "s#^listener 8883\$#listener $3 127.0.0.1#" \
	    -e "s#^listener 9001 127.0.0.1\$#listener $4 127.0.0.1#" \
	    -e "s#^http_dir .*#http_dir ${MQ_HTTP_DIR:-$MQ_T/www}#" \
	    "$E/mosquitto.conf" > "$out"
	echo "log_type all" >> "$out"
	chmod 644 "$out"
	for l in "listener $2 127.0.0.1" "listener $3 127.0.0.1" \
	    "listener $4 127.0.0.1" "log_dest stderr" \
	    "http_dir ${MQ_HTTP_DIR:-$MQ_T/www}"; do
		grep -qx "$l" "$out" || { echo "mq_zone_conf: no '$l'"; return 1; }
	done
	! grep -q /etc/mosquitto "$out"
}

# A plain broker for the agent tests: the shipped conf, plain listener only
# reachable by the tests (no TLS, no websockets needed).
mq_plain_conf() {	# out port
	cat > "$1" <<CONF
per_listener_settings false
allow_anonymous false
password_file $E/passwd
acl_file $E/acl
persistence false
log_dest stderr
log_type all
listener $2 127.0.0.1
CONF
	chmod 644 "$1"
}

mq_ready() {	# port
	mosquitto_sub -h 127.0.0.1 -p "$1" -u dashboard -P dashboardpw \
	    -t '$SYS/broker/version' -C 1 -W 1 >/dev/null 2>&1
}

# mq_broker NAME CONF PORT: start, wait until it answers; BPID_NAME=pid
mq_broker() {
	mosquitto -c "$2" > "$MQ_T/$1.log" 2>&1 &
	eval "BPID_$1=$!"
	tw_track $!
	wait_for 5 mq_ready "$3" && return 0
	# another test (run) on the same port makes every later check lie
	grep -q "Address already in use" "$MQ_T/$1.log" &&
	    echo "# port $3 is in use by another process: tests run twice?"
	return 1
}

mq_broker_stop() {	# NAME
	eval "p=\$BPID_$1"
	tw_stop "$p"
}

# mq_agent NAME CONF TEMP_mC [INLET_mC]: thermwatchd -f -v on a fake hwmon
# tree (coretemp cpu + lm75 inlet); APID_NAME=pid, log $MQ_T/NAME.log.
# mq_set NAME CHIP mC changes a value from outside the namespace.
mq_agent() {
	unshare -m sh -c "
		mount -t tmpfs none /sys/class &&
		$FAKE add 0 coretemp 'Package id 0' $3 80000 100000 &&
		$FAKE add 1 lm75 '' ${4:-24000} 40000 45000 &&
		exec $TWD -f -v -c $2" >> "$MQ_T/$1.log" 2>&1 &
	eval "APID_$1=$!"
	tw_track $!
}

mq_set() {	# NAME CHIP mC
	eval "p=\$APID_$1"
	CLASS=/proc/$p/root/sys/class "$FAKE" set "$2" "$3"
}

mq_agent_stop() {	# NAME [SIGNAL]
	eval "p=\$APID_$1"
	if [ "${2:-}" = KILL ]; then
		kill -9 "$p"
		wait "$p" 2>/dev/null
	else
		stop_pid "$p"
	fi
	tw_untrack "$p"
}

# mq_agent_conf OUT HOST ZONE PORT [extra mqtt settings]
# (MQ_BROKERS replaces the broker list, e.g. '"127.0.0.1:1", "127.0.0.1:2"')
mq_agent_conf() {
	mkdir -p "$MQ_T/state-$2"
	printf '%spw\n' "$2" > "$MQ_T/$2.pw"
	brokers=${MQ_BROKERS:-"\"127.0.0.1:$4\""}
	cat > "$1" <<CONF
agent = { site = "dc1"; zone = "$3"; host = "$2"; tier = 2;
	interval_s = 0.2; rescan_s = 0; state_dir = "$MQ_T/state-$2"; };
hwmon = { sensors_conf = "/dev/null"; };
sensors = ( { match = "lm75-*"; class = "inlet"; } );
control = { socket = "$MQ_T/$2.sock"; };
actions = { dry_run = true; };
mqtt = { enabled = true; brokers = [ $brokers ]; username = "$2";
	password_file = "$MQ_T/$2.pw"; telemetry_interval_s = 0.5;
	peer_interval_s = 0.5; reconnect_min_s = 0.2; reconnect_max_s = 1;
	${5:-} };
CONF
}

# mq_sub NAME PORT TOPIC [USER]: subscribe in the background (-v), output
# in $MQ_T/NAME.sub; SPID_NAME=pid.
mq_sub() {
	u=${4:-dashboard}
	mosquitto_sub -h 127.0.0.1 -p "$2" -u "$u" -P "${u}pw" -q 1 -v \
	    -t "$3" > "$MQ_T/$1.sub" 2>&1 &
	eval "SPID_$1=$!"
	tw_track $!
}

mq_sub_stop() {	# NAME
	eval "p=\$SPID_$1"
	tw_stop "$p"
}

mq_need() {
	tw_need_cmd mosquitto mosquitto_sub mosquitto_pub mosquitto_passwd \
	    openssl jq
}

mq_need_agent() {
	mq_need
	tw_need_root
	tw_need_cmd unshare
	[ -x "$TWD" ] || tw_skip "no $TWD"
	[ -x "$FAKE" ] || tw_skip "no $FAKE"
}

# Payloads on a topic leaf from a sub file: mq_payloads FILE LEAF
mq_payloads() {
	awk -v l="/$2\$" '$1 ~ l { sub(/^[^ ]* /, ""); print }' "$1"
}

# mq_done: stop everything, check the agents' logs for sanitizer reports
# (ASan/UBSan builds), then tw_done.
mq_done() {
	tw_stop_all
	bad=$(grep -l -e 'Sanitizer' -e 'runtime error:' "$MQ_T"/*.log 2>/dev/null)
	if [ -n "$bad" ]; then
		not_ok "sanitizer reports in: $bad"
		grep -h -A20 -e 'Sanitizer' -e 'runtime error:' $bad | head -60
	else
		ok "no sanitizer reports in the logs"
	fi
	tw_done
}
