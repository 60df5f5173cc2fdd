#!/bin/sh
# libvirt-migrate.sh against real virsh and libvirt's test driver (in
# process, no libvirtd): listing running and paused domains with names a
# shell loop would break, the dry run, migration failures and hangs (the
# test driver cannot migrate, and virsh 9 sometimes hangs on that: the
# per-domain timeout must end it), the pause and shutdown fallbacks, a URI
# that cannot be opened, LIBVIRT_DEFAULT_URI, usage errors.
. "$(dirname "$0")/hooks_lib.sh"
tw_need_cmd virsh jq
H=$HOOKS/libvirt-migrate.sh
# a copy of our own: "no virsh left" must not see another test's
cp "$TW_SRC/tests/hooks/node.xml" "$T/node.xml"
U=test://$T/node.xml
NAMES='plain|web server "prod" 1|--help|2'

run_hook dry "$H" --connect "$U" --dry-run --parallel 2 \
    qemu+ssh://hv21/system --dest qemu+ssh://hv22/system
check_eq "dry run exits 0" "$(rc_of dry)" 0
check_eq "dry run plans the 4 running and paused domains" \
    "$(count_lines dry '^would migrate ')" 4
check "the shut-off domain is not listed" not has_line dry "it's off"
for n in plain 'web server "prod" 1' --help 2; do
	check "dry run names \"$n\" whole" has_line dry "^would migrate \"$n\" "
done
check "domains are given to virsh by UUID" has_line dry \
    "^would migrate \"--help\" \(33333333-3333-4333-8333-333333333333\) .* 33333333-3333-4333-8333-333333333333 qemu"
check_eq "dry run spreads over both destinations, best first" \
    "$(sed -n 's|^would migrate .* to qemu+ssh://\(hv2[12]\)/system within.*|\1|p' "$T/dry.out" | tr '\n' ' ')" \
    "hv21 hv22 hv21 hv22 "
check "dry run says nothing changed" has_line dry '^dry run: nothing was changed'

# The test driver cannot migrate: every domain fails (or virsh hangs and
# is stopped at the domain timeout) and stays; one summary line each.
run_hook fail "$H" -c "$U" --timeout 14 --domain-timeout 3 --parallel 2 \
    --dest test:///default
check_eq "failed migrations exit 1" "$(rc_of fail)" 1
check_eq "one summary line per domain, all stayed" \
    "$(count_lines fail "^summary: stayed \"($NAMES)\": ")" 4
check "the totals line" has_line fail '^summary: 0 migrated, 0 shut down, 4 stayed, of 4$'
check "the reason is virsh's error or the timeout" has_line fail \
    '^summary: stayed .*(not supported by the connection driver|timed out after [0-9]+ s)'
check "never two migrations more than --parallel at once" \
    test "$(awk '/^migrating .* \(within/ { n++ } /^migrat.*(failed|timed out|migrated)/ { n-- } n > m { m = n } END { print m + 0 }' "$T/fail.out")" -le 2
check "the run kept to its deadline (14 s): $(secs_of fail) s" le "$(secs_of fail)" 16
leftover=$(pgrep -f "virsh -c $U migrate" | wc -l)
check_eq "no virsh left running" "$leftover" 0

run_hook pause "$H" -c "$U" --fallback pause
check_eq "no destination: exit 1" "$(rc_of pause)" 1
check "says there is no destination" has_line pause '^no destination'
check_eq "the three running domains are paused" \
    "$(count_lines pause '^paused "(plain|web server "prod" 1|--help)": it stays here')" 3
check "the paused one is left as it is" not has_line pause '^paused "2"'
check_eq "summary: all stayed, the paused ones say so" \
    "$(count_lines pause '^summary: stayed .*\(paused\)$')" 3

# Each virsh call opens the test driver anew, so a shutdown never shows:
# the hook must wait no longer than asked and report them as still here.
run_hook shut "$H" -c "$U" --fallback shutdown --shutdown-wait 1
check_eq "shutdown asked for the 4" "$(count_lines shut '^shutting down "')" 4
check_eq "still running after the wait: stayed" \
    "$(count_lines shut '^summary: stayed .*\(shutdown asked, still running after 1 s\)$')" 4
check_eq "exit 1" "$(rc_of shut)" 1

run_hook nolist "$H" -c "test:///$T/none.xml" --dest test:///default
check_eq "a URI that cannot be opened: exit 1" "$(rc_of nolist)" 1
check "and says so" has_line nolist "cannot list the running domains of test:///$T/none.xml"

LIBVIRT_DEFAULT_URI=$U run_hook env "$H" --dry-run --dest qemu:///x
check_eq "without --connect, LIBVIRT_DEFAULT_URI is used" \
    "$(count_lines env '^would migrate ')" 4

run_hook usage1 "$H" --parallel 0
check_eq "--parallel 0 is a usage error" "$(rc_of usage1)" 2
run_hook usage2 "$H" --frobnicate
check_eq "an unknown option is a usage error" "$(rc_of usage2)" 2
check "and names it" has_line usage2 "unknown option '--frobnicate'"
run_hook usage3 "$H" --fallback reboot
check_eq "an unknown fallback is a usage error" "$(rc_of usage3)" 2
run_hook help "$H" --help
check_eq "--help exits 0" "$(rc_of help)" 0
check "--help describes --dry-run" has_line help '--dry-run'
tw_done
