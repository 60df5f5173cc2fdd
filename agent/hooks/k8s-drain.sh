#!/bin/bash
# k8s-drain.sh - thermwatchd migrate (or on_boot_hold) hook: taint this
# Kubernetes node as hot, cordon it and drain it, so the scheduler moves
# the pods to cooler places and puts nothing new here; as a notify hook
# (--on-notify) or by hand (--release), take the taint off again and
# uncordon the node once it is cool.
#
#   migrate = [ "/usr/share/thermwatch/hooks/k8s-drain.sh",
#               "--kubeconfig", "/etc/thermwatch/kubeconfig" ];
#   on_boot_hold = [ "/usr/share/thermwatch/hooks/k8s-drain.sh",
#                    "--kubeconfig", "/etc/thermwatch/kubeconfig",
#                    "--cordon-only" ];
#   notify = [ "/usr/share/thermwatch/hooks/k8s-drain.sh",
#              "--kubeconfig", "/etc/thermwatch/kubeconfig", "--on-notify" ];
#
# The taint (default thermwatch.io/hot=ZONE:NoSchedule) keeps new pods off
# the node while it is hot, even if someone uncordons it; each host of a
# zone in cooling alarm runs its migrate hook, so the whole hot zone ends
# up tainted. The node is uncordoned on release only when this hook
# cordoned it (annotation thermwatch.io/cordoned), never when an operator
# had. Exit status: 0 done, 1 failed, 2 usage error.
#
# Needs: bash, kubectl, jq; a kubeconfig (the hook runs with a clean
# environment: no KUBECONFIG, no ~/.kube) for an account that may get,
# patch and taint nodes, list pods and create pods/eviction;
# PodDisruptionBudgets that let the drain finish within the hook's timeout.
set -u
TW_DEFAULT_TIMEOUT=570
# shellcheck source-path=SCRIPTDIR source=hooklib.sh
. "$(dirname "$(readlink -f "$0")")/hooklib.sh"

usage() {
	cat <<EOF
usage: $tw_prog [OPTION]... [KUBECONFIG [NODE]]
Taint, cordon and drain this Kubernetes node; or release it again.

      --kubeconfig FILE   the kubeconfig (default: kubectl's own)
      --node NAME         the node (default THERMWATCH_HOST)
      --cordon-only       taint and cordon, do not drain (on_boot_hold)
      --release           remove the taint, uncordon if this hook cordoned
      --on-notify         as a notify hook: release when THERMWATCH_STATE
                          is ok, else do nothing
      --taint-key KEY     the taint's key (default thermwatch.io/hot); its
                          value is THERMWATCH_ZONE, its effect NoSchedule
      --no-taint          cordon and drain only
      --grace-period S    for each pod to end (default 60)
      --request-timeout S one API request (default 20)
      --timeout S         the whole run, at most THERMWATCH_TIMEOUT_S less a
                          margin (default that, else $TW_DEFAULT_TIMEOUT)
      --dry-run           say what would be done, change nothing
  -h, --help              this text

Exit status: 0 done, 1 failed, 2 usage error.
EOF
}

kubeconfig=""
node=""
mode=drain
taint_key=thermwatch.io/hot
taint=1
grace=60
request_timeout=20
timeout=""
dry_run=0
pos=()
while [ $# -gt 0 ]; do
	case $1 in
	--kubeconfig | --node | --taint-key)
		tw_need_arg "$1" $#
		case $1 in
		--kubeconfig) kubeconfig=$2 ;;
		--node) node=$2 ;;
		--taint-key) taint_key=$2 ;;
		esac
		shift
		;;
	--grace-period | --request-timeout | --timeout)
		tw_need_arg "$1" $#
		tw_want_seconds "$1" "$2"
		case $1 in
		--grace-period) grace=$2 ;;
		--request-timeout) request_timeout=$2 ;;
		--timeout) timeout=$2 ;;
		esac
		shift
		;;
	--cordon-only) mode=cordon ;;
	--release) mode=release ;;
	--on-notify) mode=notify ;;
	--no-taint) taint=0 ;;
	--dry-run) dry_run=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) tw_usage_error "unknown option '$1'" ;;
	*) pos+=("$1") ;;
	esac
	shift
done
[ ${#pos[@]} -le 2 ] || tw_usage_error "too many arguments"
[ ${#pos[@]} -ge 1 ] && kubeconfig=${pos[0]}
[ ${#pos[@]} -ge 2 ] && node=${pos[1]}
node=${node:-${THERMWATCH_HOST:-}}
[ -n "$node" ] || tw_usage_error "no node: --node or THERMWATCH_HOST"
[[ $taint_key =~ ^([a-z0-9.-]+/)?[A-Za-z0-9._-]+$ ]] ||
	tw_usage_error "--taint-key '$taint_key' is not a taint key"
if [ -n "$kubeconfig" ] && [ ! -r "$kubeconfig" ]; then
	tw_err "cannot read the kubeconfig $kubeconfig"
	exit 1
fi
for c in kubectl jq; do
	command -v "$c" >/dev/null || { tw_err "$c not found"; exit 1; }
done
zone=${THERMWATCH_ZONE:-hot}
[[ $zone =~ ^[A-Za-z0-9._-]{1,63}$ ]] || zone=hot # a taint value

if [ "$mode" = notify ]; then
	case ${THERMWATCH_STATE:-} in
	ok) mode=release ;;
	*)
		echo "state ${THERMWATCH_STATE:-unknown}: nothing to release"
		exit 0
		;;
	esac
fi
tw_deadline_init "$timeout"
tw_tmpdir
tw_private_home
kc=(kubectl "--request-timeout=${request_timeout}s")
[ -n "$kubeconfig" ] && kc+=(--kubeconfig "$kubeconfig")
echo "thermwatch ${THERMWATCH_ACTION_ID:-?} (${THERMWATCH_ACTION:-by hand}," \
	"state ${THERMWATCH_STATE:-?}): $mode node $node${THERMWATCH_REASON:+: $THERMWATCH_REASON}"

# kube WHAT ARG...: one kubectl call, bounded; its output shown; in a dry
# run only said, unless it only reads (WHAT = read).
kube() {
	local what=$1 rc
	shift
	if ((dry_run)) && [ "$what" != read ]; then
		echo "would run: $(tw_cmdline "${kc[@]}" "$@")"
		return 0
	fi
	tw_run_bounded $((request_timeout + 5)) "$tw_tmp/out" "${kc[@]}" "$@"
	rc=$?
	[ "$what" = read ] || tw_show "$tw_tmp/out"
	if [ $rc = 124 ]; then
		tw_err "kubectl $1 $2: no answer within $((request_timeout + 5)) s"
	elif [ $rc != 0 ]; then
		[ "$what" != read ] || tw_show "$tw_tmp/out" >&2
		tw_err "kubectl $1 $2 failed (exit $rc)"
	fi
	return $rc
}

# The node as JSON, then what matters of it in shell variables.
kube read get node "$node" -o json || exit 1
cp "$tw_tmp/out" "$tw_tmp/node.json"
facts=$(jq -r --arg k "$taint_key" '
	[(.spec.unschedulable // false),
	 ([.spec.taints[]? | select(.key == $k)] | length > 0),
	 (.metadata.annotations["thermwatch.io/cordoned"] // "")] | @tsv' \
	"$tw_tmp/node.json") || { tw_err "kubectl gave no node object"; exit 1; }
IFS=$'\t' read -r cordoned tainted ours <<<"$facts"
echo "node $node: unschedulable $cordoned, tainted $tainted${ours:+, cordoned by thermwatch ($ours)}"

if [ "$mode" = release ]; then
	rc=0
	if [ "$tainted" = true ]; then
		kube write taint nodes "$node" "$taint_key:NoSchedule-" || rc=1
	fi
	if [ -n "$ours" ]; then
		kube write uncordon "$node" &&
			kube write annotate node "$node" thermwatch.io/cordoned- || rc=1
	elif [ "$cordoned" = true ]; then
		echo "left cordoned: not cordoned by thermwatch"
	fi
	((rc == 0)) && echo "node $node released"
	exit $rc
fi

if ((taint)); then
	kube write taint nodes "$node" "$taint_key=$zone:NoSchedule" --overwrite || exit 1
fi
if [ "$cordoned" != true ]; then
	# mark first: a node we cordon is one we may uncordon later
	kube write annotate node "$node" --overwrite \
		"thermwatch.io/cordoned=${THERMWATCH_ACTION_ID:-by-hand}" || exit 1
	kube write cordon "$node" || exit 1
fi
[ "$mode" = cordon ] && { echo "node $node cordoned"; exit 0; }

# Drain within what is left, leaving time to say what stayed.
tw_time_left
left=$((tw_left - 5))
if ((left < grace + 5)); then
	tw_err "only $left s left: not enough to drain with a grace period of $grace s"
	exit 1
fi
drain=(drain "$node" --ignore-daemonsets --delete-emptydir-data --force
	"--grace-period=$grace" "--timeout=${left}s")
if ((dry_run)); then
	echo "would run: $(tw_cmdline "${kc[@]}" "${drain[@]}")"
	kube read "${drain[@]}" --dry-run=client && tw_show "$tw_tmp/out"
	echo "dry run: nothing was changed"
	exit 0
fi
tw_run_bounded $((left + 5)) "$tw_tmp/out" "${kc[@]}" "${drain[@]}"
rc=$?
tw_show "$tw_tmp/out"
if [ $rc != 0 ]; then
	tw_err "drain of $node did not finish (exit $rc): pods may be left;" \
		"the node stays cordoned and tainted"
	exit 1
fi
echo "node $node drained"
