# tests/e2e/ns_ramp.sh - sourced after e2e_lib.sh by the tests that stop
# and start the daemon during a ramp, or run several daemons at once: a
# fake hwmon tree in a private mount namespace held by a sleeping process
# (daemons come and go, the tree and the ramp stay), a ramp written by the
# clock (the value is FROM + RATE x elapsed time at every write, so the
# writer's own delays never change the rate), and the rule of issue 10 on
# the recording hook's runs. Every process is tracked and stopped by PID.
tw_need_cmd nsenter jq

# A case is a directory $D/<case> with its config, log, state and hook
# record; C_<var>_<case> hold its PIDs.

# The demo's machine, the cpu class of every case: a clean shutdown takes
# 12 s (lead 12 s x safety 1.75 = 21 s effective), shutdown 5 C below
# crit, readings every 0.5 s. A test adds its own keys to DEMO_CPU.
DEMO_CPU='persist_s = 2.0; hold_s = 10.0;
	warn = { margin_c = 25.0; eta_s = 90.0; };
	migrate = { margin_c = 15.0; lead_s = 40.0; };
	shutdown = { margin_c = 5.0; lead_s = 12.0; };'
LEAD=12
MARGIN=5
IV=0.5

# ns_up CASE CPU_mC [STATE_TMPFS_SIZE]: the namespace of CASE, its fake
# tree (hwmon0 coretemp "Package id 0" crit 100 C, hwmon1 lm75 crit 45 C).
# With a size, the case's state_dir is a tmpfs of that size (a full disk).
ns_up() {
	local c
	c=$D/$1
	mkdir -p "$c/state"
	: > "$c/log"
	tmpfs=
	[ -n "${3:-}" ] && tmpfs="mount -t tmpfs -o size=$3 none $c/state &&"
	unshare -m sh -c "
		mount -t tmpfs none /sys/class && $tmpfs
		$FAKE add 0 coretemp 'Package id 0' $2 80000 100000 &&
		$FAKE add 1 lm75 '' 24000 40000 45000 &&
		echo ready && exec sleep 3600" > "$c/ns.out" 2>&1 &
	eval "C_ns_$1=$!"
	tw_track "$!"
	wait_for 5 grep -q ready "$c/ns.out"
}

ns_pid() {
	eval "echo \$C_ns_$1"
}

# ns_conf CASE INTERVAL_S CPU_GROUP: the case's config: the recording
# hooks, interval, the cpu class as given (the others at their defaults).
ns_conf() {
	local c
	c=$D/$1
	cat > "$c/tw.conf" <<CONF
agent = { site = "e2e"; zone = "z1"; host = "$H$1"; tier = 2;
	interval_s = $2; rescan_s = 0; state_dir = "$c/state"; };
hwmon = { sensors_conf = "/dev/null"; };
sensors = ( { match = "lm75-*"; class = "inlet"; } );
classes = { cpu = { $3 }; };
policy = { min_shutdown_lead_s = 5.0; };
control = { socket = "$c/ctl.sock"; };
actions = {
	notify = [ "$HOOK", "$c/rec" ]; migrate = [ "$HOOK", "$c/rec" ];
	shutdown = [ "$HOOK", "$c/rec" ]; on_boot_hold = [ "$HOOK", "$c/rec" ];
	notify_timeout_s = 5.0; migrate_timeout_s = 5.0;
	shutdown_timeout_s = 5.0; kill_after_s = 0.5; shutdown_retries = 0;
};
CONF
}

# ns_start CASE: thermwatchd -f -v in the case's namespace (C_d_CASE)
ns_start() {
	local c
	c=$D/$1
	echo "--- start $(date +%s.%N)" >> "$c/log"
	nsenter -t "$(ns_pid "$1")" -m -- "$TWD" -f -v -c "$c/tw.conf" \
	    >> "$c/log" 2>&1 &
	eval "C_d_$1=$!"
	tw_track "$!"
	wait_for 5 started_log_has "$1" "thermwatchd .* started"
}

# ns_stop CASE: SIGTERM, wait; no sanitizer report in its log
ns_stop() {
	eval "_p=\$C_d_$1"
	tw_stop "$_p"
	if grep -q "Sanitizer\|runtime error:" "$D/$1/log"; then
		not_ok "$1: sanitizer report in the daemon's log"
		grep -A20 "Sanitizer\|runtime error:" "$D/$1/log" | head -40
	fi
}

ns_running() {
	eval "kill -0 \$C_d_$1" 2>/dev/null
}

# since_start CASE: the log of the latest start only
since_start() {
	awk '/^--- start/ { buf = ""; next } { buf = buf $0 "\n" }
	    END { printf "%s", buf }' "$D/$1/log"
}

# ns_set CASE mC: one value into the case's tree
ns_set() {
	CLASS=/proc/$(ns_pid "$1")/root/sys/class "$FAKE" set 0 "$2"
}

# ns_ramp CASE FROM_mC RATE_mC_PER_S CADENCE_S: FROM + RATE x elapsed,
# written every CADENCE s until 100 C (crit); the start time goes to
# CASE/ramp.t0, each write to CASE/ramp as "<epoch.ns> <mC>".
ns_ramp() {
	local c
	c=$D/$1
	(
		t0=$(date +%s.%N)
		echo "$t0 $2 $3" > "$c/ramp.t0"
		while :; do
			now=$(date +%s.%N)
			v=$(awk -v a="$2" -v r="$3" -v t0="$t0" -v t="$now" \
			    'BEGIN { v = int(a + r * (t - t0));
				print (v > 100000 ? 100000 : v) }')
			ns_set "$1" "$v" || exit 0
			echo "$now $v" >> "$c/ramp"
			[ "$v" -ge 100000 ] && exit 0
			sleep "$4"
		done
	) &
	eval "C_r_$1=$!"
	tw_track "$!"
}

ns_ramp_stop() {
	eval "_p=\$C_r_$1"
	tw_stop "$_p"
}

# shutdown_at CASE: epoch of the first shutdown hook run ("" if none)
shutdown_at() {
	grep ' action=shutdown ' "$D/$1/rec" 2>/dev/null | head -n 1 |
	    cut -d' ' -f1
}

# judge CASE LEAD_S MARGIN_C INTERVAL_S: the rule of issue 10 for the
# ramp of CASE: the shutdown hook ran before the ramp reached 100 C with
# at least LEAD_S left, or, where the ramp is too fast for that, at most
# 3 samples (of INTERVAL_S) after it reached the shutdown level (100 C -
# MARGIN_C). Prints "left <s> late <s>" (late: after the level, < 0 when
# before). Fails when the hook did not run or the rule does not hold.
# The times are exact: the ramp is a function of the clock.
judge() {
	at=$(shutdown_at "$1")
	[ -n "$at" ] || { echo "no shutdown hook run"; return 1; }
	read -r t0 from rate < "$D/$1/ramp.t0"
	awk -v at="$at" -v t0="$t0" -v a="$from" -v r="$rate" -v lead="$2" \
	    -v m="$3" -v iv="$4" 'BEGIN {
		t_crit = t0 + (100000 - a) / r
		t_level = t0 + (100000 - m * 1000 - a) / r
		left = t_crit - at; late = at - t_level
		printf "left %.1f s, %.1f s after the level", left, late
		exit !(left > 0 && (left >= lead || late <= 3 * iv))
	}'
}

# runs_in CASE ACTION: how many times the hook ran for ACTION
runs_in() {
	[ -f "$D/$1/rec" ] || { echo 0; return; }
	grep -c " action=$2 " "$D/$1/rec"
}

runs_in_ge() {
	[ "$(runs_in "$1" "$2")" -ge "$3" ]
}

# started_log_has CASE PATTERN: the log of the latest start matches
started_log_has() {
	since_start "$1" | grep -q -- "$2"
}

# jqt ARGS...: jq -e, quiet (a check)
jqt() {
	jq -e "$@" > /dev/null
}

# judged CASE LEAD_S MARGIN_C INTERVAL_S: judge, quiet (a check)
judged() {
	judge "$@" > /dev/null
}
