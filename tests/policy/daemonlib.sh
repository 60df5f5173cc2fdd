# daemonlib.sh - the real thermwatchd with the engine's own defaults
# (sourced after tests/e2e/e2e_lib.sh): e2e_conf's file without its
# class and policy overrides, sampling every INTERVAL_S (default 0.25).
daemon_conf() {
	e2e_conf
	awk '/^classes = \{/ { skip = 1 } skip && /^\};/ { skip = 0; next }
	    skip { next } /^policy = / { next } { print }' "$D/tw.conf" \
	    > "$D/tw.conf.new" && mv "$D/tw.conf.new" "$D/tw.conf"
	conf_sub "interval_s = 0.2;" "interval_s = ${INTERVAL_S:-0.25};"
	if grep -q "^classes\|^policy" "$D/tw.conf"; then
		echo "daemon_conf: overrides left in $D/tw.conf"
		exit 1
	fi
}

# hook_sys ACTION: the CPU temperature (mC) its hook read when it ran
hook_sys() {
	rec_field "$1" 1 sys
}
