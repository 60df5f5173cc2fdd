# hooklib.sh - sourced by the example hooks (bash): messages, the run's
# deadline, and children run with a time bound and killed by their PID.
# Not a hook itself: it does nothing when run.
# shellcheck shell=bash disable=SC2034
#
# The deadline: --timeout S of the hook or THERMWATCH_TIMEOUT_S (the
# hook's own timeout, set by thermwatchd) less a margin, whichever is
# shorter, so the hook ends with its summary before thermwatchd kills it;
# else TW_DEFAULT_TIMEOUT.

tw_prog=${0##*/}
tw_deadline_cs=0 # on the /proc/uptime clock, in centiseconds
tw_now_cs=0

tw_err() { printf '%s: %s\n' "$tw_prog" "$*" >&2; }

tw_usage_error() {
	tw_err "$*"
	printf "Try '%s --help'.\n" "$tw_prog" >&2
	exit 2
}

# A non-negative whole number of seconds, or a usage error naming OPT.
tw_want_seconds() { # OPT VALUE
	[[ $2 =~ ^[0-9]+$ ]] || tw_usage_error "$1 wants whole seconds, not '$2'"
}

# An option that takes an argument: usage error when none is left.
tw_need_arg() { # OPT NARGS_LEFT
	[ "$2" -ge 2 ] || tw_usage_error "$1 needs an argument"
}

# Monotonic clock (CLOCK_BOOTTIME through /proc/uptime): sets tw_now_cs.
tw_clock() {
	local up
	read -r up _ </proc/uptime
	up=${up/./}
	tw_now_cs=$((10#$up))
}

# Set the deadline: --timeout (may be empty) or THERMWATCH_TIMEOUT_S less
# a margin, whichever is shorter; else TW_DEFAULT_TIMEOUT.
tw_deadline_init() { # TIMEOUT_S_OR_EMPTY
	local t=$1 from=--timeout env=${THERMWATCH_TIMEOUT_S:-} margin
	if [[ $env =~ ^[0-9]+([.][0-9]*)?$ ]]; then
		env=${env%%.*}
		# leave time for the summary and thermwatchd's kill_after_s
		margin=$((env / 10))
		((margin < 3)) && margin=3
		((margin > 30)) && margin=30
		env=$((env > margin ? env - margin : 1))
		if [ -z "$t" ] || ((env < t)); then
			t=$env
			from=THERMWATCH_TIMEOUT_S
		fi
	elif [ -n "$env" ]; then
		tw_err "ignoring THERMWATCH_TIMEOUT_S='$env' (not seconds)"
	fi
	if [ -z "$t" ]; then
		t=$TW_DEFAULT_TIMEOUT
		from=default
	fi
	tw_clock
	tw_deadline_cs=$((tw_now_cs + t * 100))
	tw_deadline_from=$from
	tw_deadline_s=$t
}

# Sets tw_left: whole seconds left before the deadline (0 when past it).
tw_time_left() {
	tw_clock
	tw_left=$(((tw_deadline_cs - tw_now_cs) / 100))
	((tw_left < 0)) && tw_left=0
	return 0
}

# A command line as a shell would take it back, for --dry-run and logs.
tw_cmdline() {
	local out="" a q
	for a in "$@"; do
		printf -v q '%q' "$a"
		out+="${out:+ }$q"
	done
	printf '%s\n' "$out"
}

# Stop a child we started: SIGNAL first (SIGINT makes virsh abort a
# migration), SIGKILL GRACE seconds later if it is still there. Reaps it.
tw_stop_child() { # PID SIGNAL GRACE_S
	local pid=$1 i=0
	kill -s "$2" "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && ((i < $3 * 10)); do
		sleep 0.1
		i=$((i + 1))
	done
	kill -s KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Run CMD with stdout and stderr to OUT, for at most SECS and never past
# the deadline; exit status of CMD, or 124 when it was stopped.
tw_run_bounded() { # SECS OUT CMD...
	local secs=$1 out=$2 pid end
	shift 2
	tw_time_left
	((secs > tw_left)) && secs=$tw_left
	tw_clock
	end=$((tw_now_cs + secs * 100))
	"$@" >"$out" 2>&1 </dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		tw_clock
		if ((tw_now_cs >= end)); then
			tw_stop_child "$pid" TERM 2
			return 124
		fi
		sleep 0.1
	done
	wait "$pid"
}

# The last line of FILE that says "error", else its last line: the
# reason of a failure, on one line.
tw_last_error() { # FILE
	local line last="" err=""
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line//$'\r'/ }
		[ -n "$line" ] || continue
		last=$line
		[[ $line == *[Ee]rror* ]] && err=$line
	done <"$1"
	printf '%s\n' "${err:-${last:-no message}}"
}

# Temporary directory, removed at exit.
tw_tmpdir() {
	tw_tmp=$(mktemp -d "${TMPDIR:-/tmp}/$tw_prog.XXXXXX") ||
		{ tw_err "cannot create a temporary directory"; exit 1; }
	trap 'rm -rf "$tw_tmp"' EXIT
}

# Print what a child wrote (its file from tw_run_bounded), indented.
tw_show() { # FILE
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		printf '  %s\n' "${line//$'\r'/ }"
	done <"$1"
}

# thermwatchd gives hooks no HOME: tools that keep a cache there (kubectl,
# cmk) get a private one for this run.
tw_private_home() {
	[ -n "${HOME:-}" ] && return 0
	HOME=$tw_tmp/home
	export HOME
	mkdir -p "$HOME"
}
