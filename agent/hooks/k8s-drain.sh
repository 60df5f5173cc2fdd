#!/bin/sh
# k8s-drain.sh - thermwatchd migrate (or on_boot_hold) hook: cordon this
# Kubernetes node and drain it, so the scheduler moves the pods to nodes in
# cooler places and puts nothing new here.
#
#   migrate = [ "/usr/share/thermwatch/hooks/k8s-drain.sh",
#               "/etc/thermwatch/kubeconfig" ];
#   on_boot_hold = [ "/usr/share/thermwatch/hooks/k8s-drain.sh",
#                    "/etc/thermwatch/kubeconfig", "--cordon-only" ];
#
# The node name is THERMWATCH_HOST unless given as a third argument. After
# a hold or a migration the node stays cordoned: uncordon it by hand
# (kubectl uncordon NODE) once the room is fixed.
#
# Needs: kubectl; a kubeconfig (the hook runs with a clean environment, so
# no KUBECONFIG or ~/.kube) for an account that may cordon nodes, list pods
# and create evictions (pods/eviction); PodDisruptionBudgets that let the
# drain finish within actions.migrate_timeout_s.
set -u
if [ $# -lt 1 ]; then
	echo "usage: $0 KUBECONFIG [--cordon-only] [NODE]" >&2
	exit 2
fi
kc=$1
shift
only=0
if [ "${1:-}" = --cordon-only ]; then
	only=1
	shift
fi
node=${1:-${THERMWATCH_HOST:-}}
[ -n "$node" ] || { echo "no node name" >&2; exit 2; }
echo "thermwatch ${THERMWATCH_ACTION_ID:-?} (${THERMWATCH_ACTION:-?}," \
    "state ${THERMWATCH_STATE:-?}): ${THERMWATCH_REASON:-}"

kubectl --kubeconfig "$kc" cordon "$node" || exit 1
[ "$only" = 1 ] && exit 0
# --timeout below the hook's own timeout, so kubectl reports what is left.
exec kubectl --kubeconfig "$kc" drain "$node" --ignore-daemonsets \
    --delete-emptydir-data --grace-period=60 --timeout=540s
