#!/bin/sh
# k8s-drain.sh against a fake kubectl (fake/kubectl) that keeps one node
# object: the taint and cordon of a migrate run, the drain flags a real
# night needs, the drain bounded by the deadline, release by the notify
# hook at ok (and only uncordoning what thermwatch cordoned), failures and
# a hung API server, --cordon-only, the dry run.
. "$(dirname "$0")/hooks_lib.sh"
tw_need_cmd jq
H=$HOOKS/k8s-drain.sh
PATH=$FAKES:$PATH
export FAKE_DIR="$T/fake" PATH
KC=$T/kubeconfig
echo "apiVersion: v1" >"$KC"

fresh_node() { # [unschedulable]
	rm -rf "$FAKE_DIR"
	mkdir -p "$FAKE_DIR"
	jq -n --arg u "${1:-}" '{kind: "Node", metadata: {name: "hv07",
	    annotations: {}}, spec: (if $u == "" then {} else
	    {unschedulable: true} end)}' >"$FAKE_DIR/node.json"
	: >"$FAKE_DIR/kubectl.calls"
}
node() { jq -r "$1" "$FAKE_DIR/node.json"; }
calls() { grep -cE -- "$1" "$FAKE_DIR/kubectl.calls"; }
export THERMWATCH_HOST=hv07 THERMWATCH_ZONE=zone-a THERMWATCH_ACTION=migrate \
    THERMWATCH_ACTION_ID=m-42 THERMWATCH_STATE=hot

echo "# migrate: taint, mark, cordon, drain"
fresh_node
THERMWATCH_TIMEOUT_S=600 run_hook drain "$H" --kubeconfig "$KC"
check_eq "exit 0" "$(rc_of drain)" 0
check_eq "tainted hot with the zone, NoSchedule" \
    "$(node '.spec.taints[] | select(.key == "thermwatch.io/hot") | "\(.value):\(.effect)"')" \
    "zone-a:NoSchedule"
check_eq "cordoned" "$(node .spec.unschedulable)" true
check_eq "marked as cordoned by thermwatch (action id)" \
    "$(node '.metadata.annotations["thermwatch.io/cordoned"]')" m-42
D=$(grep ' drain ' "$FAKE_DIR/kubectl.calls")
for f in --ignore-daemonsets --delete-emptydir-data --force --grace-period=60; do
	check "drain has $f" eval 'case " $D " in *" $f "*) true ;; *) false ;; esac'
done
t=$(printf '%s\n' "$D" | sed -n 's/.*--timeout=\([0-9]*\)s.*/\1/p')
check "drain --timeout=${t}s within the hook's deadline (600 s less 30)" \
    test "${t:-0}" -gt 0 -a "${t:-999}" -le 570
check_eq "every call has the kubeconfig and a request timeout" \
    "$(grep -v -- "--request-timeout=20s --kubeconfig $KC" "$FAKE_DIR/kubectl.calls" | wc -l)" 0
check "the drain's output is logged" has_line drain 'evicting pod default/web-1'

echo "# a second run changes nothing harmful (and without HOME, as under thermwatchd)"
run_hook drain2 env -u HOME "$H" --kubeconfig "$KC"
check_eq "exit 0" "$(rc_of drain2)" 0
check_eq "still one taint" "$(node '[.spec.taints[] | select(.key == "thermwatch.io/hot")] | length')" 1
check_eq "the mark stays the first action's" \
    "$(node '.metadata.annotations["thermwatch.io/cordoned"]')" m-42

echo "# notify: nothing while hot, release at ok"
: >"$FAKE_DIR/kubectl.calls"
run_hook nhot "$H" --kubeconfig "$KC" --on-notify
check_eq "while hot: exit 0" "$(rc_of nhot)" 0
check_eq "while hot: no kubectl call" "$(calls .)" 0
THERMWATCH_ACTION=notify THERMWATCH_STATE=ok run_hook nok "$H" --kubeconfig "$KC" --on-notify
check_eq "at ok: exit 0" "$(rc_of nok)" 0
check_eq "taint removed" "$(node '[.spec.taints[]? | select(.key == "thermwatch.io/hot")] | length')" 0
check_eq "uncordoned" "$(node '.spec.unschedulable // false')" false
check_eq "mark removed" "$(node '.metadata.annotations["thermwatch.io/cordoned"] // "none"')" none

echo "# a node an operator had cordoned stays cordoned"
fresh_node yes
run_hook op "$H" "$KC" hv07
check_eq "exit 0" "$(rc_of op)" 0
check_eq "not marked" "$(node '.metadata.annotations["thermwatch.io/cordoned"] // "none"')" none
check_eq "no cordon call" "$(calls ' cordon ')" 0
run_hook oprel "$H" --kubeconfig "$KC" --release
check_eq "release: taint removed" "$(node '[.spec.taints[]? | select(.key == "thermwatch.io/hot")] | length')" 0
check_eq "release: still cordoned" "$(node .spec.unschedulable)" true
check "and says why" has_line oprel 'left cordoned: not cordoned by thermwatch'

echo "# --cordon-only (on_boot_hold), old argument order"
fresh_node
run_hook cordon "$H" "$KC" --cordon-only hv07
check_eq "exit 0" "$(rc_of cordon)" 0
check_eq "cordoned" "$(node .spec.unschedulable)" true
check_eq "no drain" "$(calls ' drain ')" 0

echo "# failures"
fresh_node
echo "drain fail" >"$FAKE_DIR/kubectl.behave"
run_hook dfail "$H" --kubeconfig "$KC"
check_eq "a failed drain: exit 1" "$(rc_of dfail)" 1
check "says what is left" has_line dfail 'drain of hv07 did not finish \(exit 1\)'
check_eq "and stays tainted" "$(node '[.spec.taints[] | select(.key == "thermwatch.io/hot")] | length')" 1
fresh_node
echo "get hang" >"$FAKE_DIR/kubectl.behave"
run_hook hung "$H" --kubeconfig "$KC" --request-timeout 1
check_eq "a hung API server: exit 1" "$(rc_of hung)" 1
check "says so" has_line hung 'kubectl get node: no answer within 6 s'
check "within the request bound (kubectl would hang an hour): $(secs_of hung) s" le "$(secs_of hung)" 12
fresh_node
echo "taint fail" >"$FAKE_DIR/kubectl.behave"
run_hook tfail "$H" --kubeconfig "$KC"
check_eq "a failed taint: exit 1" "$(rc_of tfail)" 1
check_eq "and no drain" "$(calls ' drain ')" 0

echo "# dry run"
fresh_node
cp "$FAKE_DIR/node.json" "$T/before.json"
run_hook dry "$H" --kubeconfig "$KC" --dry-run
check_eq "exit 0" "$(rc_of dry)" 0
check "node unchanged" cmp -s "$T/before.json" "$FAKE_DIR/node.json"
check_eq "only reads and a client-side dry-run drain" \
    "$(grep -vE ' get node hv07 -o json$| drain .*--dry-run=client$' "$FAKE_DIR/kubectl.calls" | wc -l)" 0
check "says the taint it would set" has_line dry '^would run: kubectl .* taint nodes hv07 thermwatch.io/hot=zone-a:NoSchedule --overwrite$'
check "shows the pods" has_line dry 'evicting pod default/web-1 \(dry run\)'

run_hook nonode env -u THERMWATCH_HOST "$H" --kubeconfig "$KC"
check_eq "no node: usage error" "$(rc_of nonode)" 2
run_hook nokc "$H" --kubeconfig "$T/missing"
check_eq "an unreadable kubeconfig: exit 1" "$(rc_of nokc)" 1
tw_done
