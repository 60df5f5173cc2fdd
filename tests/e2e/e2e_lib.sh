# tests/e2e/e2e_lib.sh - sourced by the end-to-end tests of the actions:
# the real thermwatchd on a fake hwmon tree in a private mount namespace,
# with the recording hook (hooks/record.sh), optionally a real mosquitto
# and a real ipmi_sim on 127.0.0.1. Every process started here is tracked
# (tw_track) and stopped by its PID. e2e_need_mqtt / e2e_need_ipmi reserve
# the ports (PORT_MQTT; PORT_IPMI .. +2) with tw_ports.
. "$TW_SRC/tests/lib.sh"

tw_need_root
tw_need_cmd unshare date awk
TWD=$TW_BUILD/thermwatchd
FAKE=$TW_SRC/tests/fakehwmon.sh
HOOK=$TW_SRC/tests/e2e/hooks/record.sh
IPMI_FIX=$TW_SRC/tests/ipmi
[ -x "$TWD" ] || tw_skip "no $TWD (build first)"

D=$(mktemp -d /tmp/tw-e2e.XXXXXX)
# The host name is unique per run: another run of the same test (another
# build directory) never mixes its MQTT messages into ours.
H=h$$
chmod 755 "$D"		# a root-started mosquitto drops to user mosquitto
mkdir -p "$D/state"
REC=$D/rec
E2E_SIM=
DPID=

e2e_cleanup() {
	[ -n "$E2E_SIM" ] && "$IPMI_FIX/stop_sim.sh" "$E2E_SIM"
	if [ "$tw_fails" = 0 ] && [ -z "${TW_KEEP:-}" ]; then
		rm -rf "$D"
	else
		echo "# kept $D"
	fi
}
tw_at_exit e2e_cleanup

now_ms() {
	date +%s%3N
}

# --- mosquitto ---------------------------------------------------------

e2e_need_mqtt() {
	tw_need_cmd mosquitto mosquitto_sub jq
	tw_ports 1
	PORT_MQTT=$TW_PORT
}

mq_ready() {
	mosquitto_sub -h 127.0.0.1 -p "$PORT_MQTT" -t '$SYS/broker/version' \
	    -C 1 -W 1 >/dev/null 2>&1
}

# e2e_broker: anonymous broker on 127.0.0.1:PORT_MQTT, persistent (so a
# restarted broker keeps the test subscriber's session); BPID=pid.
e2e_broker() {
	mkdir -p "$D/mqdata"
	chmod 777 "$D/mqdata"
	cat > "$D/mosquitto.conf" <<CONF
per_listener_settings false
allow_anonymous true
persistence true
persistence_location $D/mqdata/
autosave_interval 1
log_dest stderr
log_type all
listener $PORT_MQTT 127.0.0.1
CONF
	chmod 644 "$D/mosquitto.conf"
	mosquitto -c "$D/mosquitto.conf" >> "$D/broker.log" 2>&1 &
	BPID=$!
	tw_track "$BPID"
	wait_for 5 mq_ready && kill -0 "$BPID"
}

e2e_broker_stop() {
	tw_stop "$BPID"
}

# e2e_sub: a persistent QoS 1 subscriber of this host's event and state
# topics, lines "topic payload" in $D/sub.
e2e_sub() {
	mosquitto_sub -h 127.0.0.1 -p "$PORT_MQTT" -q 1 -c -i e2e-sub -v \
	    -t "thermwatch/v1/e2e/z1/$H/event" \
	    -t "thermwatch/v1/e2e/z1/$H/state" > "$D/sub" 2>&1 &
	SPID=$!
	tw_track "$SPID"
	sleep 0.3
}

# events: "type[:detail]" per event in arrival order
events() {
	awk '$1 ~ /\/event$/ { sub(/^[^ ]* /, ""); print }' "$D/sub" |
	    jq -r '.type + (if .type == "state" then ":" + .to
		elif .type == "action" then ":" + .action + ":" + .result
		elif .type == "decision" then ":" + .action
		elif .type == "watchdog" then ":" + .result
		else "" end)'
}

# ev_check JQ: JQ (over the array of all event payloads) is true
ev_check() {
	awk '$1 ~ /\/event$/ { sub(/^[^ ]* /, ""); print }' "$D/sub" |
	    jq -s -e "$1" > /dev/null
}

# --- ipmi_sim ----------------------------------------------------------

e2e_need_ipmi() {
	tw_need_cmd ipmi_sim ipmi-raw nc
	tw_ports 3
	PORT_IPMI=$TW_PORT
}

# The sim takes PORT_IPMI .. +2 (LAN udp, console and channel 15 tcp).
e2e_sim() {
	E2E_SIM=$D/sim
	mkdir -p "$E2E_SIM"
	"$IPMI_FIX/start_sim.sh" "$E2E_SIM" "$PORT_IPMI"
}

# wd_get: Get Watchdog Timer bytes from the sim ("25 00 44 02 ...")
wd_get() {
	ipmi-raw -h "127.0.0.1:$PORT_IPMI" -u admin -p adminpw -l ADMIN \
	    -D LAN_2_0 -W opensesspriv 0x0 0x06 0x25 2>&1 | tr '\n' ' '
}

# --- config and daemon -------------------------------------------------

# e2e_conf [EXTRA_ACTIONS [EXTRA_GROUPS]]: the test config in $D/tw.conf.
# HOOK_NOTIFY, HOOK_MIGRATE, HOOK_SHUTDOWN, HOOK_HOLD: the argv elements of
# a hook (default: the recording hook, "ok" mode).
# CPU trip 100 C (hwmon crit): warn at 70 C, migrate at 78 C or eta 20 s,
# shutdown at 87 C or eta 15 s (lead 10 s x safety factor 1.5): on a 1 C/s
# ramp either leaves more than the 10 s lead, even if the trend is missed.
e2e_conf() {
	h_def="\"$HOOK\", \"$REC\""
	h_notify=${HOOK_NOTIFY:-$h_def}
	h_migrate=${HOOK_MIGRATE:-$h_def}
	h_shutdown=${HOOK_SHUTDOWN:-$h_def}
	h_hold=${HOOK_HOLD:-$h_def}
	printf 'adminpw\n' > "$D/ipmi.pw"
	chmod 600 "$D/ipmi.pw"
	cat > "$D/tw.conf" <<CONF
agent = { site = "e2e"; zone = "z1"; host = "$H"; tier = 2;
	interval_s = 0.2; rescan_s = ${E2E_RESCAN:-0}; state_dir = "$D/state"; };
hwmon = { sensors_conf = "/dev/null"; };
sensors = ( { match = "lm75-*"; class = "inlet"; } );
classes = {
	cpu = { filter_window = 3; trend_window_s = 6; persist_s = 0.4;
		hold_s = 2; hysteresis_c = 1;
		warn = { margin_c = 30.0; eta_s = 60.0; };
		migrate = { margin_c = 22.0; lead_s = 20.0; };
		shutdown = { margin_c = 13.0; lead_s = 10.0; }; };
	inlet = { warn = { margin_c = 10.0; eta_s = 60.0; };
		migrate = { margin_c = 6.0; lead_s = 20.0; };
		shutdown = { margin_c = 3.0; lead_s = 10.0; }; };
	exhaust = { warn = { eta_s = 60.0; }; migrate = { lead_s = 20.0; };
		shutdown = { lead_s = 10.0; }; };
	other = { warn = { eta_s = 60.0; }; migrate = { lead_s = 20.0; };
		shutdown = { lead_s = 10.0; }; };
};
policy = { shutdown_safety_factor = 1.5; min_shutdown_lead_s = 5.0; };
control = { socket = "$D/ctl.sock"; };
actions = {
	notify = [ $h_notify ];
	migrate = [ $h_migrate ];
	shutdown = [ $h_shutdown ];
	on_boot_hold = [ $h_hold ];
	notify_timeout_s = 5.0; migrate_timeout_s = 5.0;
	shutdown_timeout_s = 5.0; kill_after_s = 0.5;
	migrate_retries = 2; migrate_backoff_s = 0.5;
	migrate_backoff_max_s = 1.0; shutdown_retries = 0;
	event_ack_wait_s = 1.0; watchdog_margin_s = 3.0;
	watchdog_wait_s = 3.0; resume_margin_c = 5.0; resume_hold_s = 2.0;
	${1:-}
};
${2:-}
CONF
}

# conf_sub OLD NEW: change a setting that e2e_conf wrote
conf_sub() {
	grep -qF "$1" "$D/tw.conf" || { echo "conf_sub: no '$1'"; exit 1; }
	sed -i "s|$1|$2|" "$D/tw.conf"
}

# The mqtt group for e2e_conf's second argument.
mqtt_group() {
	echo "mqtt = { enabled = true; brokers = [ \"127.0.0.1:$PORT_MQTT\" ];
	reconnect_min_s = 0.2; reconnect_max_s = 1.0;
	telemetry_interval_s = 5.0; };"
}

# The ipmi group (the sim's admin user; watchdog on, power down).
ipmi_group() {
	echo "ipmi = { enabled = true; driver = \"lan\";
	host = \"127.0.0.1:$PORT_IPMI\"; username = \"admin\";
	password_file = \"$D/ipmi.pw\"; workarounds = [ \"opensesspriv\" ];
	timeout_s = 1.0; deadline_s = 2.5; backoff_max_s = 2.0;
	interval_s = 1.0;
	watchdog = { enabled = true; action = \"power-down\"; }; };"
}

# e2e_start CPU_mC [DAEMON ARGS...]: thermwatchd -f -v on a fake tree
# (hwmon0 coretemp, crit 100 C; hwmon1 lm75 inlet at 24 C, crit 45 C).
e2e_start() {
	t=$1
	shift
	touch "$D/log"
	unshare -m sh -c "
		mount -t tmpfs none /sys/class &&
		$FAKE add 0 coretemp 'Package id 0' $t 80000 100000 &&
		$FAKE add 1 lm75 '' 24000 40000 45000 &&
		exec $TWD -f -v -c $D/tw.conf $*" >> "$D/log" 2>&1 &
	DPID=$!
	tw_track "$DPID"
	wait_for 5 grep -q "thermwatchd .* started" "$D/log"
}

# e2e_stop: SIGTERM the daemon; its log must hold no sanitizer report
# (ASan/UBSan builds: leaks show up at exit).
e2e_stop() {
	tw_stop "$DPID"
	DPID=
	if grep -q "Sanitizer\|runtime error:" "$D/log"; then
		not_ok "sanitizer report in the daemon's log"
		grep -A20 "Sanitizer\|runtime error:" "$D/log" | head -60
	fi
}

# set_temp mC [CHIP]: atomic write into the daemon's fake tree
set_temp() {
	CLASS=/proc/$DPID/root/sys/class "$FAKE" set "${2:-0}" "$1"
}

del_chip() {
	CLASS=/proc/$DPID/root/sys/class "$FAKE" del "$1"
}

# ramp FROM_mC TO_mC STEP_mC PERIOD_S: in the background; RPID=pid.
# Each written value goes to $D/ramp as "<epoch.ns> <mC>".
ramp() {
	(
		v=$1
		while [ "$v" -le "$2" ]; do
			set_temp "$v" || exit 0
			echo "$(date +%s.%N) $v" >> "$D/ramp"
			sleep "$4"
			v=$((v + $3))
		done
	) &
	RPID=$!
	tw_track "$RPID"
}

ramp_stop() {
	tw_stop "$RPID"
}

# runs ACTION: how many times the recording hook ran for ACTION
runs() {
	[ -f "$REC" ] || { echo 0; return; }
	grep -c " action=$1 " "$REC"
}

# runs_ge ACTION N: the hook of ACTION ran at least N times
runs_ge() {
	[ "$(runs "$1")" -ge "$2" ]
}

# rec_field ACTION N FIELD: FIELD of the Nth run of ACTION
rec_field() {
	grep " action=$1 " "$REC" | sed -n "${2}p" | tr ' ' '\n' |
	    sed -n "s/^$3=//p"
}

# rec_time ACTION N: epoch seconds of the Nth run of ACTION
rec_time() {
	grep " action=$1 " "$REC" | sed -n "${2}p" | cut -d' ' -f1
}

has_log() {
	grep -q -- "$1" "$D/log"
}

# in_order FILE PATTERN...: each pattern (awk ERE) matches a line after
# the line the previous one matched
in_order() {
	_f=$1
	shift
	_last=0
	for _p in "$@"; do
		_n=$(awk -v l="$_last" -v p="$_p" \
		    'NR > l && $0 ~ p { print NR; exit }' "$_f")
		[ -n "$_n" ] || return 1
		_last=$_n
	done
}

# lead_left ACTION: seconds before the ramp would reach 100 C when the
# hook started, from the value the hook itself read (1 C/s ramp)
lead_left() {
	s=$(rec_field "$1" 1 sys)
	awk -v s="$s" -v r="${RATE_C_PER_S:-1}" \
	    'BEGIN { printf "%.1f", (100000 - s) / 1000 / r }'
}

# ge A B: A >= B as numbers
ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}
