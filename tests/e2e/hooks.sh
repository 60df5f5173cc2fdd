#!/bin/sh
# End to end: the hook contract under failure. A notify hook that hangs
# (and ignores SIGTERM) is killed at its timeout and reported; a migrate
# hook that fails is retried per config (2 retries, same action id) and
# then given up; a failing shutdown hook is retried shutdown_retries times.
# PORTS: none.
. "$(dirname "$0")/e2e_lib.sh"

HOOK_NOTIFY="\"$HOOK\", \"$REC\", \"hang\"" \
HOOK_MIGRATE="\"$HOOK\", \"$REC\", \"fail\"" \
HOOK_SHUTDOWN="\"$HOOK\", \"$REC\", \"fail\"" \
e2e_conf
conf_sub "notify_timeout_s = 5.0" "notify_timeout_s = 1.0"
conf_sub "shutdown_retries = 0" "shutdown_retries = 1; shutdown_retry_s = 0.5"
e2e_start 66000
check "daemon started" has_log "thermwatchd .* started"
sleep 1.5
ramp 66000 82000 500 0.5
wait_for 30 runs_ge migrate 3
sleep 2			# a 4th attempt would come within 1 s
check_eq "migrate ran 1 + 2 retries" "$(runs migrate)" 3
check_eq "the attempts counted 1 2 3" \
    "$(grep ' action=migrate ' "$REC" | tr ' ' '\n' | sed -n 's/^attempt=//p' | tr '\n' ' ')" \
    "1 2 3 "
check_eq "one action id for all attempts" \
    "$(grep ' action=migrate ' "$REC" | tr ' ' '\n' | sed -n 's/^id=//p' | sort -u | wc -l)" 1
check "each failure logged" has_log "migrate hook .*: exit 1 after"
check "retry scheduled with backoff" has_log "migrate .*: attempt 1 failed, retry in 0.5 s"
check "backoff doubled" has_log "migrate .*: attempt 2 failed, retry in 1.0 s"
check "given up after 3 attempts" has_log "migrate .*: giving up after 3 attempts"
# no broker, so no view of the fleet: THERMWATCH_DESTINATIONS is unset
check "migrate env: THERMWATCH_TIMEOUT_S, no THERMWATCH_DESTINATIONS" sh -c \
    "grep -qx THERMWATCH_TIMEOUT_S=5 '$REC.env.migrate.1' &&
    ! grep -q '^THERMWATCH_DESTINATIONS' '$REC.env.migrate.1'"
# (each notify is attempt 1: a later one may be rewriting the file)
check "notify env: its own timeout" \
    wait_for 5 grep -qx THERMWATCH_TIMEOUT_S=1 "$REC.env.notify.1"

check "hung notify killed at its timeout" \
    has_log "notify hook .*: timed out after 1.[0-9] s, killed (signal 9)"
check_eq "the hung hook ran for warn first" "$(rec_field notify 1 state)" warn
# (started after the kill, by the daemon's log: on a loaded machine the
# hook's shell may not get to its record before its own timeout)
check "the queued notify ran after the kill" wait_for 5 in_order "$D/log" \
    'notify hook .*: timed out after .*killed [(]signal 9[)]' \
    'running notify hook: .* hang [(]pid'
sleep 2
leftover=0
for f in /proc/[0-9]*/cmdline; do
	{ tr '\0' ' ' < "$f"; } 2>/dev/null | grep -q "$REC hang" &&
	    leftover=$((leftover + 1))
done
check_eq "no hung hook process left (after both timeouts)" "$leftover" 0

ramp 82000 100000 500 0.5
wait_for 30 runs_ge shutdown 2
sleep 1.5
ramp_stop
check_eq "shutdown hook ran 1 + 1 retry" "$(runs shutdown)" 2
check_eq "same shutdown id" \
    "$(grep ' action=shutdown ' "$REC" | tr ' ' '\n' | sed -n 's/^id=//p' | sort -u | wc -l)" 1
check "failure reported without a watchdog" \
    has_log "shutdown .*: the hook failed 2 times; no BMC watchdog is armed"
e2e_stop
tw_done
