#!/bin/sh
# The libvirt hook run by the real thermwatchd (tests/e2e/e2e_lib.sh: fake
# hwmon tree in a private mount namespace), with real virsh on libvirt's
# test driver: in the daemon's clean environment and fixed PATH the hook
# finds hooklib.sh, virsh and jq, lists the domains, fails to migrate them
# (the test driver cannot), and its summary, one line per domain, reaches
# the daemon's log before the daemon's own timeout; exit 1 is a failure.
# PORTS: none.
. "$TW_SRC/tests/e2e/e2e_lib.sh"
tw_need_cmd virsh jq
not() { ! "$@"; }
LV=$TW_SRC/agent/hooks/libvirt-migrate.sh
cp "$TW_SRC/tests/hooks/node.xml" "$D/node.xml"
U=test://$D/node.xml
HOOK_MIGRATE="\"$LV\", \"--connect\", \"$U\", \"--dest\", \"test:///default\",
	\"--parallel\", \"2\", \"--domain-timeout\", \"3\", \"--timeout\", \"12\"" \
e2e_conf
conf_sub "migrate_timeout_s = 5.0" "migrate_timeout_s = 30.0"
conf_sub "migrate_retries = 2" "migrate_retries = 0"
e2e_start 66000
check "daemon started" has_log "thermwatchd .* started"
sleep 1.5
ramp 66000 82000 500 0.5
wait_for 60 has_log "migrate hook .*: exit 1 after"
ramp_stop
check "the migrate hook ran and failed (exit 1)" has_log "migrate hook .*: exit 1 after"
check "it got the action id" has_log 'migrate\[[0-9]*\]: thermwatch [^ ]* attempt 1: '
check_eq "one summary line per domain in the daemon's log" \
    "$(grep -cE 'migrate\[[0-9]+\]: summary: stayed "(plain|web server "prod" 1|--help|2)": ' "$D/log")" 4
check "and the totals" has_log 'migrate\[[0-9]*\]: summary: 0 migrated, 0 shut down, 4 stayed, of 4'
check "no missing command or library" not grep -qE 'command not found|No such file|hooklib' "$D/log"
secs=$(sed -n 's/.*migrate hook .*: exit 1 after \([0-9.]*\) s.*/\1/p' "$D/log" | head -1)
check "the hook kept to its --timeout 12: ${secs:-?} s" \
    awk -v s="${secs:-99}" 'BEGIN { exit !(s <= 14) }'
e2e_stop
tw_done
