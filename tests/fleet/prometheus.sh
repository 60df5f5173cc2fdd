#!/bin/sh
# Prometheus, for real: thermwatchd (fake hwmon, a real broker) writes its
# textfile; `promtool check metrics` accepts it; a real
# prometheus-node-exporter with --collector.textfile.directory serves it
# (a sensor label with a quote, a backslash and a byte that is not UTF-8
# included); a real prometheus scrapes node_exporter on loopback, loads
# the shipped rules, and a query over its HTTP API returns the host's
# state, then the new state when the host warms up, and the host's CPU
# utilisation (thermwatch_host_cpu_busy_ratio, in [0, 1]); every query of
# the shipped Grafana dashboard runs without error.
# Ports: three from tw_ports (broker, node_exporter, prometheus).
. "$(dirname "$0")/../lib.sh"
. "$TW_SRC/tests/mqtt/mqtt_lib.sh"
. "$TW_SRC/tests/fleet/fleet_lib.sh"
mq_need_agent
tw_need_cmd prometheus prometheus-node-exporter promtool curl jq

tw_ports 3
PORT=$TW_PORT NE=$((TW_PORT + 1)) PR=$((TW_PORT + 2))
DIST=$TW_SRC/agent/dist/prometheus
TXT=$MQ_T/textfile
mkdir -p "$TXT"
mq_etc >/dev/null
mq_plain_conf "$MQ_T/broker.conf" "$PORT"
mq_broker zone "$MQ_T/broker.conf" "$PORT" ||
    { not_ok "broker did not start"; tw_done; exit 1; }
mq_agent_conf "$MQ_T/hv01.conf" hv01 r101 "$PORT"
cat >> "$MQ_T/hv01.conf" <<CONF
prometheus = { textfile = "$TXT/thermwatch.prom"; };
fleet = { spare_vms = 3; spare_mem_mb = 4096; };
classes = { cpu = { persist_s = 0.4; warn = { margin_c = 30.0; }; }; };
CONF
mq_agent hv01 "$MQ_T/hv01.conf" 45000
APID=$APID_hv01
check "the agent writes its textfile" wait_for 10 test -s "$TXT/thermwatch.prom"
# a chip whose label needs escaping, found by a rescan (SIGUSR2)
CLASS=/proc/$APID/root/sys/class "$TW_SRC/tests/fakehwmon.sh" add 2 nct6775 \
    "$(printf 'Sys"tem \\ T\377emp')" 41000
kill -USR2 "$APID"
odd() { grep -q 'sensor="nct6775-virtual-0/Sys\\"tem \\\\ T?emp"' "$TXT/thermwatch.prom"; }
check "a label value is escaped, a byte that is not UTF-8 replaced" \
    wait_for 10 odd
ls -a "$TXT" > "$MQ_T/ls"
check_eq "only the .prom file in the directory (the temporary renamed)" \
    "$(grep -v '^\.\.\?$' "$MQ_T/ls" | tr '\n' ' ')" "thermwatch.prom "
cp "$TXT/thermwatch.prom" "$MQ_T/snap.prom"
promtool check metrics < "$MQ_T/snap.prom" > "$MQ_T/promtool.out" 2>&1
check_eq "promtool check metrics accepts the file" "$?" 0
[ -s "$MQ_T/promtool.out" ] && sed 's/^/# /' "$MQ_T/promtool.out"
check "every family has HELP and TYPE" sh -c \
    "[ \$(grep -c '^# HELP thermwatch_' '$MQ_T/snap.prom') -gt 40 ] &&
    [ \$(grep -c '^# HELP ' '$MQ_T/snap.prom') = \$(grep -c '^# TYPE ' '$MQ_T/snap.prom') ]"
for m in 'thermwatch_host_state{state="ok"} 1' \
    'thermwatch_host_accepting_load 1' 'thermwatch_zone_alarm 0' \
    'thermwatch_mqtt_connected 1' 'thermwatch_capacity_spare_vms 3' \
    'thermwatch_capacity_spare_memory_bytes 4294967296' \
    'thermwatch_overrides_active 0' \
    'thermwatch_actions_total{action="migrate",result="ok"} 0' \
    'thermwatch_sensor_trip_celsius{sensor="coretemp-virtual-0/Package id 0",class="cpu",trip_source="hardware"} 100' \
    'thermwatch_fleet_tier_zones{tier="2"} 1'; do
	check "metric: $m" grep -qF "$m" "$MQ_T/snap.prom"
done
check "per-sensor temperature, filtered value, slope, eta, level, age" sh -c "
    for m in temperature_celsius filtered_celsius slope_celsius_per_second \
	eta_seconds level reading_age_seconds; do
	grep -q '^thermwatch_sensor_'\$m'{sensor=\"lm75-' '$MQ_T/snap.prom' || exit 1
    done"
# the host's CPU utilisation (/proc/stat): a ratio in [0, 1] once two
# evaluations have read it
busy() { sed -n 's/^thermwatch_host_cpu_busy_ratio \([^ ]*\)$/\1/p' "$TXT/thermwatch.prom"; }
wait_for 10 sh -c "grep -q '^thermwatch_host_cpu_busy_ratio ' '$TXT/thermwatch.prom'"
b=$(busy)
check "metric: thermwatch_host_cpu_busy_ratio in [0, 1] (${b:-absent})" \
    awk -v b="${b:-x}" 'BEGIN { exit !(b ~ /^[0-9.e+-]+$/ && b + 0 >= 0 && b + 0 <= 1) }'
check "thermwatch_host_cpu_busy_ratio is a gauge" \
    grep -qx '# TYPE thermwatch_host_cpu_busy_ratio gauge' "$TXT/thermwatch.prom"

# --- node_exporter scrapes the file ---------------------------------------
prometheus-node-exporter --web.listen-address="127.0.0.1:$NE" \
    --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$TXT" > "$MQ_T/ne.log" 2>&1 &
tw_track $!
scrape() { curl -sf "http://127.0.0.1:$NE/metrics" > "$MQ_T/ne.out"; }
check "node_exporter answers" wait_for 10 scrape
check "node_exporter read the file without error" \
    grep -q '^node_textfile_scrape_error 0' "$MQ_T/ne.out"
check "node_exporter serves the host's state" \
    grep -q '^thermwatch_host_state{state="ok"} 1' "$MQ_T/ne.out"
check "and the escaped label" \
    grep -qF 'sensor="nct6775-virtual-0/Sys\"tem \\ T?emp"' "$MQ_T/ne.out"
check "node_exporter knows the file's mtime" \
    grep -q '^node_textfile_mtime_seconds{file=".*thermwatch.prom"}' "$MQ_T/ne.out"

# --- prometheus scrapes node_exporter ---------------------------------------
mkdir -p "$MQ_T/prom/data"
cp "$DIST/thermwatch.rules.yml" "$MQ_T/prom/"
cat > "$MQ_T/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - thermwatch.rules.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:$NE"]
YML
prometheus --config.file="$MQ_T/prom/prometheus.yml" \
    --storage.tsdb.path="$MQ_T/prom/data" \
    --web.listen-address="127.0.0.1:$PR" > "$MQ_T/prom.log" 2>&1 &
tw_track $!
ready() { curl -sf "http://127.0.0.1:$PR/-/ready" >/dev/null; }
check "prometheus is ready" wait_for 30 ready
# q EXPR: the JSON answer of an instant query
q() {
	curl -sf -G "http://127.0.0.1:$PR/api/v1/query" --data-urlencode "query=$1"
}
state_is() {
	q 'thermwatch_host_state == 1' |
	    jqe --arg s "$1" '.data.result | length == 1 and .[0].metric.state == $s'
}
check "a query returns the host's state: ok" wait_for 30 state_is ok
check_eq "the agent's identity by its info metric" \
    "$(q 'thermwatch_agent_info' | jq -r '.data.result[0].metric | "\(.site) \(.zone) \(.host) \(.tier)"')" \
    "dc1 r101 hv01 2"
mq_set hv01 0 74000		# 26 C below the trip: warn (at 30)
check "a query returns the new state: warn" wait_for 30 state_is warn
busy_q() {
	q 'thermwatch_host_cpu_busy_ratio' |
	    jqe '.data.result | length == 1 and (.[0].value[1] | tonumber) >= 0 and
		(.[0].value[1] | tonumber) <= 1'
}
check "a query returns the host's CPU utilisation in [0, 1]" wait_for 10 busy_q
rules_ok() {
	curl -sf "http://127.0.0.1:$PR/api/v1/rules" |
	    jqe '[.data.groups[].rules[]] | length > 10 and all(.health == "ok")'
}
check "the shipped rules load and evaluate on the real metrics" wait_for 10 rules_ok

# --- the Grafana dashboard's queries --------------------------------------
check "the dashboard is JSON with panels" \
    jq -e '.panels | length > 8' "$DIST/thermwatch-dashboard.json"
bad=""
n=0
jq -r '.panels[].targets[].expr' "$DIST/thermwatch-dashboard.json" |
    sed -e 's/\$__rate_interval/1m/g' -e 's/\$[a-z]*/.*/g' > "$MQ_T/exprs"
while IFS= read -r e; do
	n=$((n + 1))
	q "$e" | jqe '.status == "success"' || bad="$bad [$e]"
done < "$MQ_T/exprs"
check_eq "every dashboard query runs ($n)" "$bad" ""
has_data() { q "$(sed -n "$1p" "$MQ_T/exprs")" | jqe '.data.result | length > 0'; }
for i in 1 4 6; do
	check "dashboard query $i has data" has_data "$i"
done
mq_done
