#!/bin/sh
# The agent over TLS to the shipped zone broker config: mqtt.tls with the
# CA connects (password login, ACL applies); a broker certificate from
# another CA is refused, unless verify = false. Ports: tw_ports 3.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/mqtt_lib.sh"
mq_need_agent
tw_ports 3
PLAIN=$TW_PORT TLS=$((TW_PORT + 1)) WS=$((TW_PORT + 2))
P=thermwatch/v1/dc1/r101/hv01

mq_etc
mq_pki
check "shipped mosquitto.conf adapts" mq_zone_conf "$MQ_T/zone.conf" $PLAIN $TLS $WS
check "zone broker up" mq_broker zone "$MQ_T/zone.conf" $PLAIN
mq_sub st $PLAIN "$P/status"
logged() { grep -q "$2" "$MQ_T/$1.log"; }

mq_agent_conf "$MQ_T/good.conf" hv01 r101 $TLS \
	"tls = { ca_file = \"$E/tls/ca.crt\"; };"
mq_agent good "$MQ_T/good.conf" 45000 24000
check "TLS with the right CA: connected" wait_for 10 logged good "mqtt: connected"
online() { grep -q '"status":"online"' "$MQ_T/st.sub"; }
check "status online over TLS" wait_for 5 online
mq_agent_stop good
offline() { grep -q '"reason":"shutdown"' "$MQ_T/st.sub"; }
check "clean stop: offline (shutdown)" wait_for 5 offline

mq_agent_conf "$MQ_T/evil.conf" hv01 r101 $TLS \
	"tls = { ca_file = \"$E/tls/evil.crt\"; };"
mq_agent evil "$MQ_T/evil.conf" 45000 24000
check "another CA: refused" wait_for 10 logged evil "mqtt: cannot connect\|lost\|TLS"
sleep 1
check "... and never connected" sh -c "! grep -q 'mqtt: connected' '$MQ_T/evil.log'"
check "the agent runs on without the broker" kill -0 "$APID_evil"
mq_agent_stop evil

mq_agent_conf "$MQ_T/noverify.conf" hv01 r101 $TLS \
	"tls = { ca_file = \"$E/tls/evil.crt\"; verify = false; };"
mq_agent noverify "$MQ_T/noverify.conf" 45000 24000
check "verify = false: connected anyway" \
	wait_for 10 logged noverify "mqtt: connected"
mq_agent_stop noverify
mq_sub_stop st
mq_done
