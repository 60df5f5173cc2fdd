#!/bin/sh
# The room view in a real browser. A private zone broker with the shipped
# broker-config (its http_dir serves the built page), an anonymous broker
# for thermwatch-sim bridged into it as user "bridge", and a real
# thermwatchd (hv01, dc1/r101) on a fake hwmon tree. Headless Debian
# chromium logs in as "dashboard" while the simulator plays the AC failure;
# drive.js asserts from the DOM and window.__tw (hosts per zone, colours
# following states, the zone alarm and its evidence, the events, an
# override, the killed agent's last will, a broker restart) and saves
# screenshots in $TW_BUILD/tests/web/. Then: the dashboard user cannot
# publish.
# Ports: tw_ports (a reserved block).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../mqtt/mqtt_lib.sh"
mq_need_agent
tw_need_cmd node ss
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || tw_skip "needs $CHROMIUM (Debian package chromium)"
DASH=$TW_BUILD/dashboard
[ -f "$DASH/mqtt.min.js" ] || tw_skip "no $DASH/mqtt.min.js: the dashboard was not built (npm missing?)"
PWC=$TW_BUILD/tests/web/npm/node_modules/playwright-core
[ -d "$PWC" ] || tw_skip "no $PWC: npm ci of tests/web did not run"
SIM=$TW_BUILD/thermwatch-sim
OUT=$TW_BUILD/tests/web
mkdir -p "$OUT"

# ports: one reserved block (tests/lib.sh tw_ports), never shared with
# another test or build tree
tw_ports 4
PLAIN=$TW_PORT TLS=$((TW_PORT + 1)) WS=$((TW_PORT + 2)) SIMP=$((TW_PORT + 3))

mq_etc
check "test PKI for the shipped TLS listener" mq_pki
mkdir -p "$MQ_T/www"
cp "$DASH"/* "$MQ_T/www/"
chmod -R a+rX "$MQ_T/www"

# the zone broker, on the reserved ports
started=
# The simulator replays 7 hours into the page in seconds, far above a
# room's rate: with the shipped bound the broker drops QoS 0 telemetry
# for a page that falls behind on a loaded machine (its log says "being
# dropped"), and the checks of what the page shows would read the gaps.
# Unbounded here; the check after the run asserts nothing was dropped.
if MQ_HTTP_DIR=$MQ_T/www mq_zone_conf "$MQ_T/zone.conf" $PLAIN $TLS $WS &&
    echo "max_queued_messages 0" >> "$MQ_T/zone.conf" &&
    mq_broker zone "$MQ_T/zone.conf" $PLAIN; then
	started=1
fi
check "zone broker up with the shipped config and http_dir" test -n "$started"
page=$(node -e 'fetch(process.argv[1]).then((r) => r.text())
	.then((t) => process.stdout.write(t))' "http://127.0.0.1:$WS/")
check "mosquitto serves the page on the websockets listener" \
	sh -c 'echo "$1" | grep -q "thermwatch room view"' - "$page"

# the simulator's broker: anonymous, loopback, bridged in as "bridge"
cat > "$MQ_T/sim.conf" <<CONF
per_listener_settings false
allow_anonymous true
persistence false
max_queued_messages 200000
log_dest stderr
listener $SIMP 127.0.0.1
connection tw-sim-uplink
address 127.0.0.1:$PLAIN
remote_username bridge
remote_password bridgepw
remote_clientid tw-sim-uplink
cleansession true
bridge_protocol_version mqttv311
try_private true
notifications false
topic thermwatch/v1/# out 1
CONF
chmod 644 "$MQ_T/sim.conf"
mosquitto -c "$MQ_T/sim.conf" > "$MQ_T/sim.log" 2>&1 &
tw_track $!
bridged() { grep -q "as tw-sim-uplink" "$MQ_T/zone.log"; }
check "the simulator's broker is bridged in as user bridge" wait_for 10 bridged

# a real agent whose will, override and events the page must show
mq_agent_conf "$MQ_T/hv01.conf" hv01 r101 $PLAIN
mq_agent hv01 "$MQ_T/hv01.conf" 52000 24000
agent_up() { grep -q "mqtt: connected" "$MQ_T/hv01.log"; }
check "agent hv01 connected" wait_for 10 agent_up

eval "apid=\$APID_hv01"
TW_URL="http://127.0.0.1:$WS/" TW_PLAIN=$PLAIN TW_BROKER_PID=$BPID_zone \
TW_ZONE_CONF=$MQ_T/zone.conf TW_ZONE_LOG=$MQ_T/zone.log \
TW_BROKER_PIDFILE=$MQ_T/zone2.pid TW_SIM_BROKER=$SIMP \
TW_SIM=$SIM TW_AGENT_PID=$apid TW_OUT=$OUT TW_PLAYWRIGHT=$PWC \
CHROMIUM=$CHROMIUM \
	node "$(dirname "$0")/drive.js" > "$MQ_T/drive.out" 2>&1
rc=$?
# drive.js restarted the zone broker: track the new one
if [ -s "$MQ_T/zone2.pid" ]; then
	BPID_zone=$(cat "$MQ_T/zone2.pid")
	tw_track "$BPID_zone"
fi
cat "$MQ_T/drive.out"
n_ok=$(grep -c '^ok - ' "$MQ_T/drive.out")
n_bad=$(grep -c '^not ok - ' "$MQ_T/drive.out")
tw_checks=$((tw_checks + n_ok + n_bad))
tw_fails=$((tw_fails + n_bad))
check "browser checks ran and passed (exit $rc)" \
	test "$rc" = 0 -a "$n_ok" -gt 20
check_eq "the broker dropped no message for the page" \
	"$(cat "$MQ_T"/zone*.log | grep -c 'being dropped')" 0

# --- the dashboard user reads, never writes ---------------------------
check_eq "the page never tried to publish" \
	"$(grep -c 'Denied PUBLISH from thermwatch-dashboard' "$MQ_T/zone.log")" 0
T=thermwatch/v1/ac-failure/A/a-t0-01/state
mq_sub spy $PLAIN "$T" operator
sleep 0.5
mosquitto_pub -h 127.0.0.1 -p $PLAIN -u dashboard -P dashboardpw -q 1 \
	-t "$T" -m '{"v":1,"state":"ok","forged":true}'
out=$(mosquitto_pub -h 127.0.0.1 -p $PLAIN -u dashboard -P dashboardpw \
	-q 1 -V 5 -t "$T" -m '{"v":1,"state":"ok","forged":true}' 2>&1)
check_eq "MQTT v5: the dashboard is told Not authorized" "$out" \
	"Warning: Publish 1 failed: Not authorized."
sleep 0.5
mq_sub_stop spy
check_eq "nothing the dashboard published was delivered" \
	"$(grep -c forged "$MQ_T/spy.sub")" 0
check "the broker logged the denied publishes" \
	grep -q "Denied PUBLISH from .*'$T'" "$MQ_T/zone.log"
check "screenshot saved" test -s "$OUT/dashboard.png"
mq_done
