# tests/lib.sh - sourced by shell tests. Exit codes: 0 pass, 1 fail, 77 skip.
# Under CI=true a skip is a failure: CI must run every test.
set -u
TW_BUILD=${TW_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
TW_SRC=${TW_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tw_fails=0
tw_checks=0

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
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || tw_skip "needs $c"
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
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got [$2] want [$3]"; fi
}

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	t=$1
	shift
	n=$(awk -v t="$t" 'BEGIN { print int(t * 10) }')
	i=0
	while [ $i -lt "$n" ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL; waits for the exit
stop_pid() {
	p=$1
	kill "$p" 2>/dev/null || return 0
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

tw_done() {
	echo "$((tw_checks - tw_fails)) passed, $tw_fails failed"
	[ "$tw_checks" -gt 0 ] || { echo "no checks ran"; exit 1; }
	[ "$tw_fails" = 0 ]
}
