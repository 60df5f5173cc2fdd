# tests/fleet/fleet_lib.sh - sourced by the fleet tests after tests/lib.sh
# and tests/mqtt/mqtt_lib.sh.

# jqe FILTER [ARGS...]: jq -e on standard input, false when the input is
# empty (jq -e says true to nothing at all: a broker or HTTP answer that
# never came would pass)
jqe() {
	_j=$(cat)
	[ -n "$_j" ] && printf '%s\n' "$_j" | jq -e "$@" >/dev/null
}
