#!/bin/sh
# libvirt-migrate.sh against a fake virsh (fake/virsh) for what libvirt's
# test driver cannot do: migrations that succeed, take time, fail, hang
# or ignore SIGINT. Checks the parallelism bound, spreading and capacity
# of the destinations, the per-domain and the overall timeout (also from
# THERMWATCH_TIMEOUT_S), a second run (idempotence), the summary and exit
# status, the dry run (read-only), the shutdown fallback, SIGTERM.
. "$(dirname "$0")/hooks_lib.sh"
tw_need_cmd jq flock
H=$HOOKS/libvirt-migrate.sh
PATH=$FAKES:$PATH
export FAKE_DIR="$T/fake" PATH

# fresh_domains N: N running domains with awkward names, 1 GiB each, plus
# a shut-off one; no behaviour, empty logs
fresh_domains() {
	rm -rf "$FAKE_DIR"
	mkdir -p "$FAKE_DIR"
	i=1
	for name in "a b" "-c" "d'e" '"f"' "7" "g  h" "i" "j"; do
		[ $i -le "$N" ] || break
		printf '%08d-0000-4000-8000-000000000000\trunning\t1048576\t%s\n' \
		    $i "$name" >>"$FAKE_DIR/domains"
		i=$((i + 1))
	done
	printf '99999999-0000-4000-8000-000000000000\tshutoff\t1048576\toff\n' \
	    >>"$FAKE_DIR/domains"
	: >"$FAKE_DIR/calls"
}
behave() { echo "$*" >>"$FAKE_DIR/behave"; }
uuid() { printf '%08d-0000-4000-8000-000000000000' "$1"; }
migrate_calls() { grep -c ' start .*migrate ' "$FAKE_DIR/calls"; }
here() { grep -cv '	shutoff	' "$FAKE_DIR/domains"; }
max_inflight() { cat "$FAKE_DIR/max" 2>/dev/null || echo 0; }
alive_virsh() { # fake virsh processes of the calls log still running
	n=0
	for p in $(awk '$3 == "start" { print $2 }' "$FAKE_DIR/calls"); do
		kill -0 "$p" 2>/dev/null && n=$((n + 1))
	done
	echo $n
}

echo "# 6 domains, 1.5 s each, 3 at once, two destinations"
N=6 fresh_domains
behave 'migrate * * sleep 1.5'
run_hook par "$H" --parallel 3 --dest qemu+ssh://hv21/system --dest qemu+ssh://hv22/system
check_eq "all moved: exit 0" "$(rc_of par)" 0
check_eq "summary: 6 migrated" "$(count_lines par '^summary: migrated "')" 6
check "the totals line" has_line par '^summary: 6 migrated, 0 shut down, 0 stayed, of 6$'
check_eq "at most 3 (and so 3) in flight at once" "$(max_inflight)" 3
check_eq "spread: the first three to hv21, hv22, hv21 (best first)" \
    "$(sed -n 's|^migrating .* to qemu+ssh://\(hv2[12]\)/system (within.*|\1|p' "$T/par.out" | head -3 | tr '\n' ' ')" \
    "hv21 hv22 hv21 "
check "both destinations took at least 2" \
    test "$(grep -c hv21 "$FAKE_DIR/placed")" -ge 2 -a "$(grep -c hv22 "$FAKE_DIR/placed")" -ge 2
check "names whole in the summary" has_line par '^summary: migrated "g  h" to qemu'
check_eq "no domain left here" "$(here)" 0
: >"$FAKE_DIR/calls"
run_hook again "$H" --parallel 3 --dest qemu+ssh://hv21/system
check_eq "second run: exit 0" "$(rc_of again)" 0
check "second run: nothing to do" has_line again '^no running or paused domain here: nothing to do$'
check_eq "second run: no migration" "$(migrate_calls)" 0

echo "# one domain hangs until SIGINT: its own timeout, the others go on"
N=4 fresh_domains
behave "migrate $(uuid 2) * hang"
behave "migrate * * ok"
run_hook hang "$H" --parallel 2 --domain-timeout 4 --timeout 60 \
    --dest qemu+ssh://hv21/system --dest qemu+ssh://hv22/system
check_eq "a domain stayed: exit 1" "$(rc_of hang)" 1
check "its summary says it timed out" \
    has_line hang '^summary: stayed "-c": timed out after [45] s migrating to qemu\+ssh://hv2[12]/system \(aborted\)$'
check_eq "the other 3 migrated" "$(count_lines hang '^summary: migrated "')" 3
check_eq "virsh got SIGINT (aborts the job)" "$(grep -c ' signal INT' "$FAKE_DIR/calls")" 1
check_eq "a timed-out domain is not tried elsewhere" \
    "$(grep -c " start .*migrate .*$(uuid 2)" "$FAKE_DIR/calls")" 1
check "within the domain timeout, not the run's (60 s): $(secs_of hang) s" le "$(secs_of hang)" 30
check_eq "the migrate timeout (--timeout) is 2/3 of the domain's" \
    "$(grep -c ' migrate .*--timeout 2 ' "$FAKE_DIR/calls")" 4

echo "# every virsh ignores SIGINT and hangs: the run's deadline from THERMWATCH_TIMEOUT_S"
N=3 fresh_domains
behave 'migrate * * hang-noint'
THERMWATCH_TIMEOUT_S=14 run_hook dead "$H" --timeout 100 --dest qemu+ssh://hv21/system
check_eq "exit 1" "$(rc_of dead)" 1
check "ended before thermwatchd's timeout (14 s less 3 s, not --timeout 100): $(secs_of dead) s" \
    le "$(secs_of dead)" 11.5
check_eq "all 3 stayed, timed out" \
    "$(count_lines dead '^summary: stayed .*: timed out after [0-9]+ s migrating')" 3
check_eq "stopped with SIGTERM after SIGINT" "$(grep -c ' signal TERM' "$FAKE_DIR/calls")" 3
check_eq "no virsh left running" "$(alive_virsh)" 0

echo "# the first destination fails: the next one takes them"
N=3 fresh_domains
behave 'migrate * qemu+ssh://hv21/system fail'
run_hook next "$H" --dest qemu+ssh://hv21/system --dest qemu+ssh://hv22/system
check_eq "exit 0" "$(rc_of next)" 0
check_eq "all on hv22" "$(grep -c hv22 "$FAKE_DIR/placed")" 3
check_eq "the 2 failures are logged with virsh's error" \
    "$(count_lines next 'to qemu\+ssh://hv21/system failed: error: operation failed: fake failure')" 2
N=2 fresh_domains
behave 'migrate * * fail'
run_hook allfail "$H" --dest qemu+ssh://hv21/system --dest qemu+ssh://hv22/system
check_eq "exit 1" "$(rc_of allfail)" 1
check_eq "2 attempts each" "$(migrate_calls)" 4
check_eq "the last failure in the summary" \
    "$(count_lines allfail '^summary: stayed ".*": failed at qemu\+ssh://hv2[12]/system: error: operation failed: fake failure$')" 2

echo "# destinations from thermwatchd, with their capacity"
N=4 fresh_domains
sed -i "s/^\($(uuid 4)	running	\)1048576/\14194304/" "$FAKE_DIR/domains"
behave 'migrate * * sleep 0.3'
THERMWATCH_DESTINATIONS='[
 {"host":"hv21","zone":"b","spare_vms":1},
 {"host":"hv22","zone":"b","spare_mem_mb":3000},
 {"host":"hv23","zone":"c","spare_vms":0},
 {"host":"evil","zone":"c","uri":"qemu+ssh://evil/system?command=/tmp/x"},
 {"host":"-oProxyCommand=x","zone":"c"}]' \
run_hook fleet "$H" --uri-template 'qemu+tls://%h.example/system' --dest qemu:///never
check_eq "one stayed: exit 1" "$(rc_of fleet)" 1
check_eq "hv21 took 1 (spare_vms 1)" "$(grep -c hv21 "$FAKE_DIR/placed")" 1
check_eq "hv22 took 2 of 1 GiB (spare 3000 MiB)" "$(grep -c hv22 "$FAKE_DIR/placed")" 2
check "URIs from --uri-template" grep -q 'qemu+tls://hv22.example/system' "$FAKE_DIR/placed"
check "the 4 GiB domain found no room" has_line fleet '^summary: stayed ""f"": no destination with room'
check_eq "nothing to hv23 (spare_vms 0)" "$(grep -c hv23 "$FAKE_DIR/placed")" 0
check "the static list is not used when thermwatchd gives one" not grep -q never "$FAKE_DIR/calls"
check_eq "a URI with a query and an odd host are refused" \
    "$(count_lines fleet 'ignored: not a plain host name and URI')" 2
check "and never used" not grep -qE 'evil|ProxyCommand' "$FAKE_DIR/calls"
N=1 fresh_domains
THERMWATCH_DESTINATIONS='{"host":"hv21"}' run_hook badjson "$H" --dest qemu+ssh://hv9/system
check "a destination list that is not an array is reported" \
    has_line badjson 'THERMWATCH_DESTINATIONS is not a JSON array of destinations'
check "and the static list used instead" grep -q hv9 "$FAKE_DIR/placed"
N=1 fresh_domains
THERMWATCH_DESTINATIONS='[]' run_hook empty "$H" --dest qemu+ssh://hv8/system
check "an empty list ([]): the static list is used" grep -q hv8 "$FAKE_DIR/placed"

echo "# dry run: read-only, nothing changes"
N=3 fresh_domains
cp "$FAKE_DIR/domains" "$T/before"
run_hook dry "$H" --dry-run --fallback shutdown --dest qemu+ssh://hv21/system
check_eq "exit 0" "$(rc_of dry)" 0
check_eq "3 planned" "$(count_lines dry '^would migrate ')" 3
check "domains unchanged" cmp -s "$T/before" "$FAKE_DIR/domains"
check_eq "only read-only list calls" \
    "$(grep ' start ' "$FAKE_DIR/calls" | grep -cv ' start -r list ')" 0

echo "# no destination, shutdown fallback: shut down, exit 0"
N=2 fresh_domains
run_hook down "$H" --fallback shutdown --shutdown-wait 10
check_eq "exit 0 (nothing left here)" "$(rc_of down)" 0
check_eq "both shut down" "$(count_lines down '^summary: shut down "')" 2

echo "# SIGTERM (thermwatchd's timeout): stop the children, summary, exit"
N=2 fresh_domains
behave 'migrate * * hang'
"$H" --dest qemu+ssh://hv21/system >"$T/term.out" 2>&1 &
hp=$!
wait_for 10 test "$(migrate_calls)" -ge 2
kill -TERM $hp
wait $hp
check_eq "exit 1 on SIGTERM" $? 1
check "says so" grep -q '^interrupted: stopping the migrations' "$T/term.out"
check_eq "summary of both" "$(grep -c '^summary: stayed ' "$T/term.out")" 2
check_eq "no virsh left running" "$(alive_virsh)" 0
tw_done
