# tests/ctl/ctl_lib.sh - sourced by the control socket tests after
# tests/lib.sh: a private thermwatchd with no sensors (hwmon off) and its
# control socket in a temp dir. Every process is tracked (tw_track) and
# stopped by its PID.
CT=$(mktemp -d /tmp/tw-ctl.XXXXXX)
TWD=$TW_BUILD/thermwatchd
CTL=$TW_BUILD/thermwatchctl
RAW=$TW_BUILD/tests/ctl/ctl_rawclient
SOCK=$CT/run/ctl.sock
ME=$(id -un)		# the author the daemon sees (SO_PEERCRED)
tw_at_exit '[ -n "${KEEP:-}" ] || rm -rf "$CT"'

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
	tw_track "$TWD_PID"
	wait_for 5 test -S "$SOCK" || { cat "$CT/log"; return 1; }
}

# ct_stop: SIGTERM the daemon, wait for it; no sanitizer report in its log.
ct_stop() {
	tw_stop "$TWD_PID"
	if grep -q "Sanitizer" "$CT/log"; then
		not_ok "sanitizer report in the daemon log"
		grep -A20 "Sanitizer" "$CT/log"
	fi
}

ctl() {
	"$CTL" -s "$SOCK" "$@"
}

# raw LINE...: send the lines as they are, print the answers
raw() {
	printf '%s\n' "$@" | "$RAW" "$SOCK"
}
