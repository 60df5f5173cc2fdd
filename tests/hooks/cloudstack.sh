#!/bin/sh
# cloudstack-maintenance.sh against fake cmk and curl (fake/): maintenance
# requested and waited for, a second run, API errors detected (not hidden
# by a pipe), a management server that does not answer (cmk hangs, the
# URL refuses or a gateway says 503) falls back to libvirt-migrate.sh with
# the fake virsh, ErrorInMaintenance, the deadline, the dry run.
. "$(dirname "$0")/hooks_lib.sh"
tw_need_cmd jq flock
H=$HOOKS/cloudstack-maintenance.sh
PATH=$FAKES:$PATH
export FAKE_DIR="$T/fake" PATH
CFG=$T/cmk.conf
echo "[core]" >"$CFG"
export THERMWATCH_HOST=hv07 THERMWATCH_ACTION_ID=m-9 THERMWATCH_ATTEMPT=1

fresh() { # STATE: the host's resource state; two running domains for libvirt
	rm -rf "$FAKE_DIR"
	mkdir -p "$FAKE_DIR"
	echo "$1" >"$FAKE_DIR/cs.state"
	: >"$FAKE_DIR/cmk.calls"
	: >"$FAKE_DIR/calls"
	printf '%s\trunning\t1048576\t%s\n' \
	    10000000-0000-4000-8000-000000000000 "vm one" \
	    20000000-0000-4000-8000-000000000000 "-vm-two" >"$FAKE_DIR/domains"
}
cmk_calls() { grep -c -- "$1" "$FAKE_DIR/cmk.calls"; }
migrations() { grep -c ' start .*migrate ' "$FAKE_DIR/calls"; }
LV="-- --dest qemu+ssh://hv21/system"

echo "# maintenance requested, then waited for"
fresh Enabled
run_hook ok "$H" --cmk-config "$CFG" --url http://cs:8080/client/api --poll 1
check_eq "exit 0" "$(rc_of ok)" 0
check_eq "asked once" "$(cmk_calls 'prepare hostformaintenance id=h-7')" 1
check "waited until Maintenance" has_line ok '^host hv07 is in maintenance'
check_eq "the URL was probed" "$(wc -l <"$FAKE_DIR/curl.calls")" 1
check_eq "cmk got the config and JSON output" \
    "$(grep -vc -- "^-c $CFG -o json " "$FAKE_DIR/cmk.calls")" 0
run_hook again env -u HOME "$H" "$CFG"
check_eq "second run (without HOME, as under thermwatchd): exit 0" "$(rc_of again)" 0
check "second run: already there" has_line again '^already in maintenance: nothing to do$'
check_eq "second run: not asked again" "$(cmk_calls 'prepare hostformaintenance')" 1
fresh PrepareForMaintenance
run_hook entering "$H" "$CFG" --poll 1
check_eq "entering already: exit 0 once there" "$(rc_of entering)" 0
check_eq "entering already: not asked again" "$(cmk_calls 'prepare hostformaintenance')" 0

echo "# API errors: exit 1, never hidden"
fresh Enabled
echo "prepare error" >"$FAKE_DIR/cmk.behave"
run_hook perr "$H" "$CFG" --fallback-libvirt $LV
check_eq "a refused prepare: exit 1" "$(rc_of perr)" 1
check "with CloudStack's error" has_line perr "API call 'prepare hostformaintenance id=h-7' failed \(exit 1\): Error: \(HTTP 431"
check_eq "no fallback on an API error" "$(migrations)" 0
fresh Enabled
echo "list error" >"$FAKE_DIR/cmk.behave"
run_hook lerr "$H" "$CFG"
check_eq "a failed listHosts: exit 1" "$(rc_of lerr)" 1
check "says so" has_line lerr "API call 'list hosts name=hv07 type=Routing' failed"
fresh Enabled
echo "list garbage" >"$FAKE_DIR/cmk.behave"
run_hook garb "$H" "$CFG"
check_eq "an answer that is not JSON: exit 1" "$(rc_of garb)" 1
check "says so" has_line garb 'gave no JSON: <html>Service Unavailable</html>'
fresh Enabled
run_hook nohost "$H" "$CFG" --host nosuch
check_eq "an unknown host: exit 1" "$(rc_of nohost)" 1
check "says so" has_line nohost 'CloudStack knows no routing host named nosuch'

echo "# the management server does not answer: libvirt fallback"
fresh Enabled
echo "list hang" >"$FAKE_DIR/cmk.behave"
run_hook hang "$H" "$CFG" --api-timeout 2 --fallback-libvirt $LV
check_eq "fallback moved them: exit 0" "$(rc_of hang)" 0
check "says why" has_line hang 'management server gave no answer within 2 s \(list hosts\)'
check "and what it does" has_line hang '^falling back to libvirt-migrate.sh for the [0-9]+ s left$'
check_eq "both domains migrated by virsh" "$(migrations)" 2
check "names whole" has_line hang '^summary: migrated "-vm-two" to qemu\+ssh://hv21/system'
check "bounded by --api-timeout (cmk would hang an hour): $(secs_of hang) s" le "$(secs_of hang)" 15
fresh Enabled
echo "list hang" >"$FAKE_DIR/cmk.behave"
run_hook hangnofb "$H" "$CFG" --api-timeout 1
check_eq "without --fallback-libvirt: exit 1" "$(rc_of hangnofb)" 1
check "says so" has_line hangnofb 'no --fallback-libvirt: giving up'
for code in 000 503 hang; do
	fresh Enabled
	echo "$code" >"$FAKE_DIR/curl.code"
	run_hook "url$code" "$H" "$CFG" --url http://cs:8080/client/api --api-timeout 1 \
	    --fallback-libvirt $LV
	check_eq "URL answers $code: fallback, exit 0" "$(rc_of "url$code")" 0
	check_eq "URL answers $code: no cmk call" "$(wc -l <"$FAKE_DIR/cmk.calls")" 0
	check_eq "URL answers $code: migrated by virsh" "$(migrations)" 2
done
fresh Enabled
echo ErrorInMaintenance >"$FAKE_DIR/cs.final"
run_hook evac "$H" "$CFG" --poll 1 --fallback-libvirt $LV
check "ErrorInMaintenance is reported" has_line evac 'could not evacuate hv07 \(ErrorInMaintenance\)'
check_eq "then the fallback moves them: exit 0" "$(rc_of evac)" 0
check_eq "migrated by virsh" "$(migrations)" 2

echo "# deadline"
fresh Enabled
echo 1000 >"$FAKE_DIR/cs.steps"
run_hook slow "$H" "$CFG" --poll 1 --timeout 6
check_eq "not done in time: exit 1" "$(rc_of slow)" 1
check "says so" has_line slow 'still in PrepareForMaintenance: CloudStack is not done in time'
check "kept to --timeout 6: $(secs_of slow) s" le "$(secs_of slow)" 8

echo "# dry run"
fresh Enabled
run_hook dry "$H" "$CFG" --dry-run
check_eq "exit 0" "$(rc_of dry)" 0
check "says what it would ask" has_line dry "^would run: cmk -c $CFG -o json prepare hostformaintenance id=h-7$"
check_eq "no prepare call" "$(cmk_calls prepare)" 0
check_eq "state unchanged" "$(cat "$FAKE_DIR/cs.state")" Enabled
fresh Enabled
echo "list hang" >"$FAKE_DIR/cmk.behave"
run_hook dryfb "$H" "$CFG" --dry-run --api-timeout 1 --fallback-libvirt $LV
check_eq "dry run of the fallback: exit 0" "$(rc_of dryfb)" 0
check_eq "it plans the migrations" "$(count_lines dryfb '^would migrate ')" 2
check_eq "and runs none" "$(migrations)" 0

run_hook usage "$H" --api-timeout soon
check_eq "a bad number: usage error" "$(rc_of usage)" 2
run_hook help "$H" --help
check_eq "--help: exit 0" "$(rc_of help)" 0
tw_done
