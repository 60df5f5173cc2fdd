# tests/lib.sh - the shell tests' one library: checks and results, the
# processes a test starts (tracked, stopped by their PID at exit), cleanup
# at exit, and free loopback ports that no other test run takes at the
# same time. Exit codes: 0 pass, 1 fail, 77 skip. Under CI=true a skip is
# a failure: CI must run every test.
#
# A test registers what it must undo with tw_at_exit, never with its own
# "trap ... EXIT" (that would replace this library's).
set -u
TW_BUILD=${TW_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
TW_SRC=${TW_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tw_fails=0
tw_checks=0

# The functions here share the caller's variables (sh has no locals): what
# they set is named _<prefix>_<name>, so a caller's loop counter or PID
# survives a call (a stop_pid that set "p" once ended a benchmark's loop
# of pairs after the first).

tw_skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL (skip not allowed in CI): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

tw_need_root() {
	[ "$(id -u)" = 0 ] || tw_skip "needs root (private mount namespace)"
}

tw_need_cmd() {
	for _nc_c in "$@"; do
		command -v "$_nc_c" >/dev/null 2>&1 || tw_skip "needs $_nc_c"
	done
}

ok() {
	tw_checks=$((tw_checks + 1))
	echo "ok - $*"
}

not_ok() {
	tw_checks=$((tw_checks + 1))
	tw_fails=$((tw_fails + 1))
	echo "not ok - $*"
}

# check DESC CMD...: pass when CMD succeeds
check() {
	_ck_desc=$1
	shift
	if "$@"; then ok "$_ck_desc"; else not_ok "$_ck_desc"; fi
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got [$2] want [$3]"; fi
}

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	_wf_n=$(awk -v t="$1" 'BEGIN { print int(t * 10) }')
	shift
	_wf_i=0
	while [ $_wf_i -lt "$_wf_n" ]; do
		"$@" && return 0
		sleep 0.1
		_wf_i=$((_wf_i + 1))
	done
	return 1
}

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL; waits for the exit
stop_pid() {
	_sp_p=$1
	kill "$_sp_p" 2>/dev/null || return 0
	_sp_i=0
	while kill -0 "$_sp_p" 2>/dev/null && [ $_sp_i -lt 50 ]; do
		sleep 0.1
		_sp_i=$((_sp_i + 1))
	done
	kill -9 "$_sp_p" 2>/dev/null
	wait "$_sp_p" 2>/dev/null
	return 0
}

tw_done() {
	echo "$((tw_checks - tw_fails)) passed, $tw_fails failed"
	[ "$tw_checks" -gt 0 ] || { echo "no checks ran"; exit 1; }
	[ "$tw_fails" = 0 ]
}

# --- processes and cleanup ---------------------------------------------

tw_pids=
tw_exit_cmds=

# tw_track PID...: stop these at exit (if still running)
tw_track() {
	for _tp in "$@"; do
		tw_pids="$tw_pids $_tp"
	done
}

# tw_untrack PID: the test stopped it itself
tw_untrack() {
	tw_pids=$(echo "$tw_pids" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# tw_stop PID: stop_pid, untrack
tw_stop() {
	stop_pid "$1"
	tw_untrack "$1"
}

# tw_stop_all: stop every tracked process, the last started first
tw_stop_all() {
	for _tp in $(echo "$tw_pids" | tr ' ' '\n' | sed '/^$/d' | tac); do
		stop_pid "$_tp"
	done
	tw_pids=
}

# tw_at_exit CMD: run CMD (eval'ed) at exit, after the tracked processes
# are stopped; the last registered runs first.
tw_at_exit() {
	tw_exit_cmds="$1
$tw_exit_cmds"
}

_tw_exit() {
	_tw_rc=$?
	trap - EXIT
	tw_stop_all
	_tw_cmds=$tw_exit_cmds
	tw_exit_cmds=
	while IFS= read -r _tw_c; do
		[ -n "$_tw_c" ] && eval "$_tw_c"
	done <<EOF_TW_EXIT
$_tw_cmds
EOF_TW_EXIT
	tw_ports_release
	exit $_tw_rc
}
trap _tw_exit EXIT
trap 'exit 1' INT TERM

# --- ports ---------------------------------------------------------------

# Every test that serves on 127.0.0.1 takes its ports from here: a block
# of consecutive ports in 20000-29999 (below the kernel's ephemeral range,
# away from fixed ports). A block is reserved by a directory under
# TW_PORT_DIR (shared by every build tree on this machine) holding the
# owner's PID, made while holding the directory's lock (flock), so two
# tests never get the same block, even from two build trees at once; a
# block whose owner is gone is taken over. Ports some other program uses
# (ss: any socket bound to it, TCP or UDP) are skipped. Released at exit.
TW_PORT_DIR=${TW_PORT_DIR:-/tmp/tw-ports}
tw_port_blocks=

# _tw_port_pick N: (under the lock) reserve a free block, print its
# first port. Blocks are directories "<first>-<count>" with an owner file.
_tw_port_pick() {
	for _pp_d in "$TW_PORT_DIR"/*-*; do
		[ -d "$_pp_d" ] || continue
		_pp_o=$(cat "$_pp_d/owner" 2>/dev/null)
		[ -n "$_pp_o" ] && [ -d "/proc/$_pp_o" ] && continue
		rm -rf "$_pp_d" # its test is gone
	done
	_pp_span=$((10000 / $1))
	_pp_i=$(($$ % _pp_span))
	_pp_tries=0
	while [ $_pp_tries -lt $_pp_span ]; do
		_pp_p=$((20000 + _pp_i * $1))
		_pp_i=$(((_pp_i + 1) % _pp_span))
		_pp_tries=$((_pp_tries + 1))
		# not overlapping a block reserved by anyone
		ls "$TW_PORT_DIR" | awk -F- -v a=$_pp_p -v b=$((_pp_p + $1)) \
		    '$1 + 0 < b && a < $1 + $2 { found = 1 } END { exit !found }' &&
		    continue
		# and nothing else bound to any of its ports
		_pp_k=0
		while [ $_pp_k -lt "$1" ] &&
		    [ -z "$(ss -Htuan "sport = :$((_pp_p + _pp_k))" 2>/dev/null)" ]
		do
			_pp_k=$((_pp_k + 1))
		done
		[ $_pp_k -lt "$1" ] && continue
		mkdir "$TW_PORT_DIR/$_pp_p-$1" 2>/dev/null || continue
		echo "$$" > "$TW_PORT_DIR/$_pp_p-$1/owner"
		echo "$_pp_p"
		return 0
	done
	return 1
}

# tw_ports N: reserve N consecutive free ports; TW_PORT is the first.
tw_ports() {
	tw_need_cmd flock ss
	mkdir -p "$TW_PORT_DIR" 2>/dev/null
	chmod 1777 "$TW_PORT_DIR" 2>/dev/null
	TW_PORT=$( (flock -w 30 9 || exit 1; _tw_port_pick "$1") \
	    9> "$TW_PORT_DIR/.lock")
	if [ -z "$TW_PORT" ]; then
		echo "tw_ports: no free block of $1 ports"
		exit 1
	fi
	tw_port_blocks="$tw_port_blocks $TW_PORT-$1"
}

# tw_ports_release: give the reserved blocks back (done at exit)
tw_ports_release() {
	for _pb in $tw_port_blocks; do
		[ "$(cat "$TW_PORT_DIR/$_pb/owner" 2>/dev/null)" = "$$" ] &&
		    rm -rf "${TW_PORT_DIR:?}/$_pb"
	done
	tw_port_blocks=
}
