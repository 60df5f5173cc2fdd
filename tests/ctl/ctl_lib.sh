# tests/ctl/ctl_lib.sh - sourced by the control socket tests after
# tests/lib.sh: a private thermwatchd with no sensors (hwmon off) and its
# control socket in a temp dir. Every process is stopped by its PID.
CT=$(mktemp -d /tmp/tw-ctl.XXXXXX)
TWD=$TW_BUILD/thermwatchd
CTL=$TW_BUILD/thermwatchctl
RAW=$TW_BUILD/tests/ctl/ctl_rawclient
SOCK=$CT/run/ctl.sock
ME=$(id -un)		# the author the daemon sees (SO_PEERCRED)
CT_PIDS=

ct_cleanup() {
	for p in $CT_PIDS; do
		stop_pid "$p"
	done
	[ -n "${KEEP:-}" ] || rm -rf "$CT"
}
trap ct_cleanup EXIT

# ct_conf [EXTRA]: write $CT/tw.conf; EXTRA is appended (other groups).
ct_conf() {
	cat >"$CT/tw.conf" <<CONF
agent = { host = "t1"; site = "lab"; zone = "z1"; tier = 3;
	interval_s = 0.2; rescan_s = 0; state_dir = "$CT/state"; };
hwmon = { enabled = false; };
control = { socket = "$SOCK"; mode = "0600"; };
${1:-}
CONF
}

# ct_start: start thermwatchd -f on $CT/tw.conf, wait for its socket.
ct_start() {
	$TWD -f -c "$CT/tw.conf" >>"$CT/log" 2>&1 &
	TWD_PID=$!
	CT_PIDS="$CT_PIDS $TWD_PID"
	wait_for 5 test -S "$SOCK" || { cat "$CT/log"; return 1; }
}

# ct_stop: SIGTERM the daemon, wait for it; no sanitizer report in its log.
ct_stop() {
	stop_pid "$TWD_PID"
	if grep -q "Sanitizer" "$CT/log"; then
		not_ok "sanitizer report in the daemon log"
		grep -A20 "Sanitizer" "$CT/log"
	fi
	CT_PIDS=$(echo "$CT_PIDS" | tr ' ' '\n' | grep -vx "$TWD_PID" |
	    tr '\n' ' ')
}

ctl() {
	"$CTL" -s "$SOCK" "$@"
}

# raw LINE...: send the lines as they are, print the answers
raw() {
	printf '%s\n' "$@" | "$RAW" "$SOCK"
}
