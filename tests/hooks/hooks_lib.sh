# hooks_lib.sh - sourced by the tests of the example hooks: the hooks'
# folder, a scratch directory removed at exit, the fakes on PATH, and a
# clock to check that a run kept to its deadline.
. "$(dirname "$0")/../lib.sh"
HOOKS=$TW_SRC/agent/hooks
FAKES=$TW_SRC/tests/hooks/fake
T=$(mktemp -d /tmp/tw-hooks.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
# the agent's variables must come from each test, not from the caller
unset THERMWATCH_DESTINATIONS THERMWATCH_TIMEOUT_S LIBVIRT_DEFAULT_URI

# run_hook NAME HOOK ARG...: run a hook, keep stdout+stderr in $T/NAME.out,
# its exit status in $T/NAME.rc and its wall time (s) in $T/NAME.s
run_hook() {
	name=$1
	shift
	t0=$(date +%s.%N)
	"$@" >"$T/$name.out" 2>&1 </dev/null
	echo $? >"$T/$name.rc"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' >"$T/$name.s"
	sed "s/^/  [$name] /" "$T/$name.out"
}
rc_of() { cat "$T/$1.rc"; }
secs_of() { cat "$T/$1.s"; }
has_line() { # NAME REGEX
	grep -qE -- "$2" "$T/$1.out"
}
count_lines() { # NAME REGEX
	grep -cE -- "$2" "$T/$1.out"
}
# le A B: A <= B, as decimals
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
# not CMD...: CMD fails
not() { ! "$@"; }
