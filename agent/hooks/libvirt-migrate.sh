#!/bin/sh
# libvirt-migrate.sh - thermwatchd migrate hook: live-migrate every running
# libvirt domain of this host to a host in another zone (another room with
# its own cooling).
#
#   migrate = [ "/usr/share/thermwatch/hooks/libvirt-migrate.sh",
#               "qemu+ssh://hv21.zone-b/system",
#               "qemu+ssh://hv22.zone-b/system" ];
#
# Each domain goes to the first destination that takes it. Exit 0 when no
# domain is left running here, 1 otherwise: thermwatchd then retries (with
# backoff, while the host is still hot), and a retry only moves what is
# still here. Pick actions.migrate_timeout_s to cover the whole move.
#
# Needs: virsh (libvirt-clients) on this host; the destinations reachable
# with that URI by the user thermwatchd runs hooks as (for qemu+ssh: an SSH
# key without a passphrase and a known_hosts entry, since the hook runs
# with no agent and no terminal); shared storage, or add
# --copy-storage-all to VIRSH_FLAGS below; compatible CPU models.
set -u
LOCAL=qemu:///system
# --timeout: suspend a domain whose live migration has not converged after
# that many seconds, so it still finishes (paused) before the shutdown.
VIRSH_FLAGS="--live --persistent --undefinesource --auto-converge --verbose --timeout 300"

if [ $# -lt 1 ]; then
	echo "usage: $0 DEST_URI..." >&2
	exit 2
fi
echo "thermwatch ${THERMWATCH_ACTION_ID:-?} attempt ${THERMWATCH_ATTEMPT:-?}:" \
    "${THERMWATCH_REASON:-no reason given}"

domains=$(virsh -c "$LOCAL" list --state-running --name) || {
	echo "cannot list the domains of $LOCAL" >&2
	exit 1
}
left=0
for dom in $domains; do
	moved=0
	for dest in "$@"; do
		echo "migrating $dom to $dest"
		# shellcheck disable=SC2086
		if virsh -c "$LOCAL" migrate $VIRSH_FLAGS "$dom" "$dest"; then
			moved=1
			break
		fi
		echo "migrating $dom to $dest failed" >&2
	done
	[ "$moved" = 1 ] || left=$((left + 1))
done
if [ "$left" -gt 0 ]; then
	echo "$left domain(s) still running here" >&2
	exit 1
fi
echo "no running domain left on this host"
exit 0
