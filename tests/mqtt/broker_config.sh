#!/bin/sh
# The shipped broker-config/ on a real mosquitto: add-host.sh, the ACL
# matrix for hosts, operators, dashboards and the bridge user, the TLS
# listener, the websockets listener's binding, the local bridge of
# local-bridge.conf (host -> zone broker, overrides back, the bridge's last
# will) and the site uplink of zone-uplink.conf (the agents' topics up,
# site requests down, nothing else).
# Ports: a tw_ports block of 5.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mqtt_lib.sh"
mq_need

tw_ports 5
PLAIN=$TW_PORT TLS=$((TW_PORT + 1)) WS=$((TW_PORT + 2)) LOCAL=$((TW_PORT + 3))
SITE=$((TW_PORT + 4))
check "add-host.sh creates users and ACL blocks" mq_etc
check "add-host.sh PKI" mq_pki
check "shipped mosquitto.conf adapts to the test ports" \
	mq_zone_conf "$MQ_T/zone.conf" $PLAIN $TLS $WS
check "zone broker starts with the shipped config" \
	mq_broker zone "$MQ_T/zone.conf" $PLAIN

# add-host.sh is idempotent: re-adding hv01 leaves one block
sh "$E/add-host.sh" -d "$E" -p hv01pw dc1 r101 hv01 >/dev/null
check_eq "one ACL block per host after re-adding" \
	"$(grep -c '^# BEGIN host hv01$' "$E/acl")" 1
check_eq "no pattern lines in the ACL" "$(grep -c '^pattern' "$E/acl")" 0
check "bad names refused" sh -c "! sh '$E/add-host.sh' -d '$E' -p x dc1 'r+1' hv9 2>/dev/null"
check "role names refused as hosts" sh -c "! sh '$E/add-host.sh' -d '$E' -p x dc1 r101 operator 2>/dev/null"

# --- ACL matrix --------------------------------------------------------
H="-h 127.0.0.1 -p $PLAIN"
P=thermwatch/v1/dc1
for s in dashboard hv01 hv02 hv03 bridge; do
	mq_sub "acl_$s" $PLAIN 'thermwatch/#' "$s"
done
sleep 0.5
pub() {	# user topic message
	mosquitto_pub $H -u "$1" -P "${1}pw" -q 1 -t "$2" -m "$3"
}
pub hv01 $P/r101/hv02/telemetry D1		# another host's topic
pub hv01 $P/r101/hv01/telemetry A1
pub hv01 $P/r101/hv01/override/set D2		# a host overriding itself
pub hv01 $P/r102/hv01/telemetry D3		# its name in another zone
pub hv01 $P/r101/hv01/peer A2
pub hv01 $P/r101/_all/override/set D4		# zone override by a host
pub operator $P/r101/hv01/telemetry D5		# operator spoofing a host
pub operator $P/r101/hv01/override/set A3
pub dashboard $P/r101/hv01/override/set D6	# dashboards only read
pub dashboard $P/r101/dashboard/telemetry D7
pub operator $P/r101/_all/override/set A4
pub hv03 $P/r101/hv03/peer D8			# hv03 lives in r102
pub operator $P/_all/_all/override/set A5
pub hv03 $P/r102/hv03/peer A6
pub hv03 $P/r102/hv03/state A7			# the fleet view: site-wide
pub hv03 $P/r102/hv03/telemetry A8		# but only the state
# the bridge user: the agents' own topics up, never a request or a peer
pub bridge $P/r101/hv01/state A9
pub bridge $P/r101/hv01/override/set D9		# a request via the bridge
pub bridge $P/r101/_all/override/set D10
pub bridge $P/_all/_all/override/set D11
pub bridge $P/r101/hv02/peer D12		# a fake zone peer
pub bridge $P/r101/_all/uplink A10		# its own last will's topic
sleep 1
for s in dashboard hv01 hv02 hv03 bridge; do
	mq_sub_stop "acl_$s"
done
msgs() { cut -d' ' -f2 "$MQ_T/$1.sub" | tr '\n' ' '; }
check_eq "dashboard reads everything allowed" "$(msgs acl_dashboard)" \
	"A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 "
check_eq "bridge reads the requests and the states (to carry them down)" \
	"$(msgs acl_bridge)" "A3 A4 A5 A7 A9 "
check_eq "hv01: zone peers, own, zone and site overrides, site states" \
	"$(msgs acl_hv01)" "A2 A3 A4 A5 A7 A9 "
check_eq "hv02: zone peers, zone and site overrides, site states" \
	"$(msgs acl_hv02)" "A2 A4 A5 A7 A9 "
check_eq "hv03 (other zone): site override, its zone's peers, states" \
	"$(msgs acl_hv03)" "A5 A6 A7 A9 "
check_eq "broker logged 12 denied publishes" \
	"$(grep -c 'Denied PUBLISH' "$MQ_T/zone.log")" 12
out=$(mosquitto_pub $H -u hv01 -P hv01pw -q 1 -V 5 \
	-t $P/r101/hv02/state -m x 2>&1)
check_eq "MQTT v5 client is told: Not authorized" "$out" \
	"Warning: Publish 1 failed: Not authorized."
mosquitto_pub $H -u hv01 -P wrong -t $P/r101/hv01/state -m x 2>/dev/null
check "wrong password refused" test $? -ne 0
mosquitto_pub $H -t $P/r101/hv01/state -m x 2>/dev/null
check "anonymous refused" test $? -ne 0

# --- TLS listener --------------------------------------------------------
mq_sub tls $PLAIN "$P/r101/hv01/state"
sleep 0.3
mosquitto_pub -h 127.0.0.1 -p $TLS --cafile "$E/tls/ca.crt" -u hv01 \
	-P hv01pw -q 1 -t $P/r101/hv01/state -m via-tls
check_eq "TLS listener with password" "$?" 0
mosquitto_pub -h 127.0.0.1 -p $TLS -u hv01 -P hv01pw -q 1 \
	-t $P/r101/hv01/state -m plain 2>/dev/null
check "plain MQTT refused on the TLS listener" test $? -ne 0
mosquitto_pub -h 127.0.0.1 -p $TLS --cafile "$E/tls/evil.crt" -u hv01 \
	-P hv01pw -q 1 -t $P/r101/hv01/state -m evil 2>/dev/null
check "a broker certificate from another CA is refused" test $? -ne 0
sleep 0.5
mq_sub_stop tls
check_eq "only the TLS message arrived" "$(msgs tls)" "via-tls "

# --- websockets listener -------------------------------------------------
# listening sockets on the websockets port, from /proc (no ss needed):
# address:port in hex, state 0A = LISTEN
listeners() {
	awk -v p="$(printf ':%04X' "$1")" '$4 == "0A" && $2 ~ p"$" { print $2 }' \
	    /proc/net/tcp /proc/net/tcp6 | tr '\n' ' '
}
check_eq "websockets listener bound to 127.0.0.1 only" "$(listeners $WS)" \
	"$(printf '0100007F:%04X ' $WS)"
if /usr/bin/python3 -c 'import paho.mqtt.client' 2>/dev/null; then
	mq_sub ws $PLAIN "$P/r101/+/telemetry"
	sleep 0.3
	/usr/bin/python3 - "$WS" <<'PY'
import sys
import paho.mqtt.client as mqtt
c = mqtt.Client(transport="websockets")
c.username_pw_set("hv02", "hv02pw")
c.connect("127.0.0.1", int(sys.argv[1]))
c.loop_start()
c.publish("thermwatch/v1/dc1/r101/hv02/telemetry", "via-ws", qos=1).wait_for_publish()
c.publish("thermwatch/v1/dc1/r101/hv01/telemetry", "ws-denied", qos=1).wait_for_publish()
c.loop_stop()
PY
	sleep 0.5
	mq_sub_stop ws
	check_eq "websockets client, ACL applies" "$(msgs ws)" "via-ws "
else
	echo "# python3-paho-mqtt not installed: websockets publish not tried"
fi

# --- local bridge (local-bridge.conf) -----------------------------------
mkdir -p "$MQ_T/ldata" && chmod 777 "$MQ_T/ldata"
mosquitto_passwd -b -c "$E/local.passwd" hv01 hv01pw
chmod 644 "$E/local.passwd"
sed -e "s#/etc/mosquitto/thermwatch#$E#g" \
    -e "s#^persistence_location .*#persistence_location $MQ_T/ldata/#" \
    -e "s#^log_dest syslog#log_dest stderr#" \
    -e "s#^listener 1883 127.0.0.1\$#listener $LOCAL 127.0.0.1#" \
    -e "s#^address .*#address 127.0.0.1:$TLS#" \
    -e "s#^remote_password CHANGE-ME#remote_password hv01pw#" \
    -e "s#^restart_timeout .*#restart_timeout 1 2#" \
    "$E/local-bridge.conf" > "$MQ_T/local.conf"
echo "log_type all" >> "$MQ_T/local.conf"
chmod 644 "$MQ_T/local.conf"
check_eq "local-bridge.conf adapts (address, listener)" \
	"$(grep -c -e "^address 127.0.0.1:$TLS\$" -e "^listener $LOCAL 127.0.0.1\$" "$MQ_T/local.conf")" 2
mq_sub up $PLAIN "$P/r101/hv01/#"
mq_broker local "$MQ_T/local.conf" $LOCAL || true
bridge_up() { grep -q "^$P/r101/hv01/bridge 1" "$MQ_T/up.sub"; }
check "bridge up: retained 1 on the zone broker" wait_for 5 bridge_up
mosquitto_sub -h 127.0.0.1 -p $LOCAL -u hv01 -P hv01pw -q 1 -v \
	-t "$P/r101/hv01/override/set" -t "$P/r101/+/peer" \
	-t "$P/r102/+/state" -C 3 -W 5 > "$MQ_T/down.sub" 2>&1 &
DPID=$!
tw_track $DPID
sleep 0.5
mosquitto_pub -h 127.0.0.1 -p $LOCAL -u hv01 -P hv01pw -q 1 \
	-t $P/r101/hv01/event -m up-event
pub operator $P/r101/hv01/override/set down-override
pub hv02 $P/r101/hv02/peer down-peer
pub hv03 $P/r102/hv03/state down-state
wait $DPID
tw_untrack $DPID
up_has() { grep -q "^$P/r101/hv01/event up-event" "$MQ_T/up.sub"; }
check "host -> zone through the bridge" wait_for 3 up_has
check_eq "zone -> host: override, peer, site state through the bridge" \
	"$(cut -d' ' -f2 "$MQ_T/down.sub" | sort | tr '\n' ' ')" \
	"down-override down-peer down-state "
eval "kill -9 \$BPID_local"
bridge_down() { grep -q "^$P/r101/hv01/bridge 0" "$MQ_T/up.sub"; }
check "host gone dark: the bridge's will says 0" wait_for 5 bridge_down
mq_sub_stop up

# --- site uplink (zone-uplink.conf), logged in as "bridge" ---------------
mq_plain_conf "$MQ_T/site.conf" $SITE
mq_broker site "$MQ_T/site.conf" $SITE || true
sed -e "s#/etc/mosquitto/thermwatch#$E#g" \
    -e "s#^address .*#address 127.0.0.1:$SITE#" \
    -e "s#^bridge_cafile .*##" \
    -e "s#^remote_password CHANGE-ME#remote_password bridgepw#" \
    -e "s#^restart_timeout .*#restart_timeout 1 2#" \
    "$E/zone-uplink.conf" > "$MQ_T/uplink.part"
check "zone-uplink.conf adapts (address)" \
	grep -qx "address 127.0.0.1:$SITE" "$MQ_T/uplink.part"
mq_plain_conf "$MQ_T/zone2.conf" $LOCAL
cat "$MQ_T/uplink.part" >> "$MQ_T/zone2.conf"
mq_broker zone2 "$MQ_T/zone2.conf" $LOCAL || true
uplink_up() { mosquitto_sub -h 127.0.0.1 -p $SITE -u dashboard -P dashboardpw \
	-t "$P/r101/_all/uplink" -C 1 -W 1 2>/dev/null | grep -qx 1; }
check "uplink up: retained 1 on the site broker" wait_for 10 uplink_up
mq_sub siteall $SITE 'thermwatch/#'
mosquitto_sub -h 127.0.0.1 -p $LOCAL -u hv01 -P hv01pw -q 1 -v \
	-t "$P/r101/hv01/override/set" -C 1 -W 5 > "$MQ_T/zone2.sub" 2>&1 &
DPID=$!
tw_track $DPID
sleep 0.5
mosquitto_pub -h 127.0.0.1 -p $LOCAL -u hv01 -P hv01pw -q 1 \
	-t $P/r101/hv01/state -m up-state
mosquitto_pub -h 127.0.0.1 -p $LOCAL -u hv01 -P hv01pw -q 1 \
	-t $P/r101/hv01/peer -m zone-peer
mosquitto_pub -h 127.0.0.1 -p $LOCAL -u operator -P operatorpw -q 1 \
	-t $P/r101/_all/override/set -m zone-request
mosquitto_pub -h 127.0.0.1 -p $SITE -u operator -P operatorpw -q 1 \
	-t $P/r101/hv01/override/set -m site-request
wait $DPID
tw_untrack $DPID
sleep 0.5
mq_sub_stop siteall
site_has() { grep -q "^$1 $2\$" "$MQ_T/siteall.sub"; }
check "uplink: the agent's state reaches the site" site_has "$P/r101/hv01/state" up-state
check "uplink: a site request reaches the zone's host" \
	grep -qx "$P/r101/hv01/override/set site-request" "$MQ_T/zone2.sub"
check "uplink: no peer summary goes up" sh -c "! grep -q zone-peer '$MQ_T/siteall.sub'"
check "uplink: the zone's own requests stay in the zone" \
	sh -c "! grep -q zone-request '$MQ_T/siteall.sub'"
check_eq "uplink: nothing was denied on the site broker" \
	"$(grep -c 'Denied PUBLISH' "$MQ_T/site.log")" 0

mq_done
