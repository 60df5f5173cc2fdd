#!/bin/sh
# demo.sh BUILD_DIR - what ./bootstrap demo runs. Everything stays on this
# machine: a fake hwmon tree in a private mount namespace, a private
# mosquitto on 127.0.0.1, and the simulated AC failure. Nothing is ever
# executed on the host: the agent runs with dry_run.
set -u
B=${1:-$(cd "$(dirname "$0")/.." && pwd)/build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d /tmp/thermwatch-demo.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

title() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

agent_demo() {
	title "1. thermwatchd on a fake machine (CPU heating at 0.5 C/s)"
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
		echo "(skipped: needs root for a private mount namespace)"
		return 0
	fi
	cat >"$D/agent.conf" <<CONF
agent = { site = "demo"; zone = "room-a"; host = "hv-demo"; tier = 2;
          interval_s = 0.5; rescan_s = 0; state_dir = "$D/state"; };
hwmon = { sensors_conf = "/dev/null"; };
sensors = ( { match = "lm75-*"; class = "inlet"; } );
# A small, fast machine: a clean shutdown takes 12 s, a migration 40 s, so
# the demo plays out in about a minute.
classes = { cpu = { persist_s = 2.0; trend_window_s = 15.0; hold_s = 10.0;
                    warn = { margin_c = 25.0; eta_s = 90.0; };
                    migrate = { margin_c = 15.0; lead_s = 40.0; };
                    shutdown = { margin_c = 5.0; lead_s = 12.0; }; }; };
policy = { min_shutdown_lead_s = 5.0; };
actions = { dry_run = true; };
control = { socket = "$D/ctl.sock"; };
CONF
	mkdir -p "$D/state"
	unshare -m sh -c "
		mount -t tmpfs none /sys/class &&
		$TOP/tests/fakehwmon.sh add 0 coretemp 'Package id 0' 55000 85000 100000 &&
		$TOP/tests/fakehwmon.sh add 1 lm75 '' 24000 40000 45000 &&
		exec $B/thermwatchd -f -c $D/agent.conf" >"$D/agent.log" 2>&1 &
	P=$!
	PIDS="$PIDS $P"
	sleep 1
	echo "What the agent sees (thermwatchd --once --json, same tree):"
	nsenter -t "$P" -m "$B/thermwatchd" --once --json -c "$D/agent.conf" 2>/dev/null |
	    jq -r '.[] | "  \(.id): \(.value_c) C, class \(.class), trip \(.trip_c) C (from \(.trip_from))"'
	echo
	echo "Raising the CPU temperature; the agent's log:"
	t=55000
	tail -n +1 -f "$D/agent.log" &
	TAILP=$!
	while [ $t -le 99000 ] && kill -0 "$P" 2>/dev/null; do
		CLASS=/proc/$P/root/sys/class "$TOP/tests/fakehwmon.sh" set 0 $t
		sleep 0.5
		t=$((t + 250))
		grep -q -- "-> critical" "$D/agent.log" && break
	done
	sleep 1
	kill $TAILP 2>/dev/null
	wait $TAILP 2>/dev/null
	kill "$P" 2>/dev/null
	wait "$P" 2>/dev/null
	echo
	echo "The CPU reached $((t / 1000)) C of its 100 C trip when the agent decided."
}

# A private broker on loopback for the demo only (the tests use 18830+).
DEMO_PORT=${DEMO_PORT:-18820}

start_broker() {
	mkdir -p "$D/broker"
	chmod 755 "$D" "$D/broker"
	cat >"$D/broker/mosquitto.conf" <<CONF
listener $DEMO_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 200000
CONF
	mosquitto -c "$D/broker/mosquitto.conf" >"$D/broker/log" 2>&1 &
	BROKER=$!
	PIDS="$PIDS $BROKER"
	i=0
	until mosquitto_pub -h 127.0.0.1 -p "$DEMO_PORT" -t demo/ready -n \
	    2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 "$BROKER" 2>/dev/null; then
			echo "cannot start mosquitto on 127.0.0.1:$DEMO_PORT:"
			cat "$D/broker/log"
			return 1
		fi
		sleep 0.1
	done
}

sim_demo() {
	title "2. The AC failure, replayed by thermwatch-sim through MQTT"
	echo "A private mosquitto on 127.0.0.1:$DEMO_PORT; a dashboard subscribes"
	echo "to thermwatch/v1/# while the 60 virtual hosts publish."
	start_broker || return 1
	mosquitto_sub -h 127.0.0.1 -p "$DEMO_PORT" -t 'thermwatch/v1/#' -v \
	    >"$D/dashboard.txt" 2>/dev/null &
	SUB=$!
	PIDS="$PIDS $SUB"
	sleep 0.3
	"$B/thermwatch-sim" --compare --mqtt "127.0.0.1:$DEMO_PORT"
	sleep 1
	kill "$SUB" 2>/dev/null
	wait "$SUB" 2>/dev/null
	echo
	echo "The dashboard received (per topic kind):"
	awk '{ n = split($1, t, "/"); print t[n] }' "$D/dashboard.txt" |
	    sort | uniq -c | sed 's/^/  /'
	echo
	echo "Tier 0 host a-t0-01 as the dashboard saw it (state topic):"
	grep '/a-t0-01/state ' "$D/dashboard.txt" | cut -d' ' -f2- |
	    jq -r '"  \(.state): \(.reason)"'
	echo
	echo "Tier 3 host a-t3-01 (shed first):"
	grep '/a-t3-01/state ' "$D/dashboard.txt" | cut -d' ' -f2- |
	    jq -r '"  \(.state): \(.reason)"'
}

agent_demo
[ -n "${DEMO_AGENT_ONLY:-}" ] || sim_demo
