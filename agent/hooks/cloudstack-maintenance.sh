#!/bin/sh
# cloudstack-maintenance.sh - thermwatchd migrate hook: put this host into
# maintenance in Apache CloudStack. CloudStack then live-migrates its
# instances to other hosts of the cluster and schedules nothing new here.
#
#   migrate = [ "/usr/share/thermwatch/hooks/cloudstack-maintenance.sh",
#               "/etc/thermwatch/cmk.conf", "thermwatch" ];
#
# Arguments: the CloudMonkey config file, the profile in it (default
# "default"), and the CloudStack host name (default THERMWATCH_HOST).
# Exits 0 once CloudStack has accepted the request: it works on it
# asynchronously; a half-done evacuation shows up in CloudStack as
# "ErrorInMaintenance" (see apache/cloudstack PR #1252), which a retry of
# this hook requests again. Cancel it by hand once the room is fixed
# (cmk cancel hostmaintenance id=...).
#
# Needs: cmk (CloudMonkey 6) and jq; a config file with the management
# server URL and an API key/secret of an account allowed to call
# listHosts and prepareHostForMaintenance (root admin by default); other
# hosts in the cluster with room for the instances (ideally in another
# zone of the room, see the zone alarm in thermwatchd(8)).
set -u
if [ $# -lt 1 ]; then
	echo "usage: $0 CMK_CONFIG [PROFILE [HOST]]" >&2
	exit 2
fi
cfg=$1
profile=${2:-default}
name=${3:-${THERMWATCH_HOST:-}}
[ -n "$name" ] || { echo "no host name" >&2; exit 2; }
echo "thermwatch ${THERMWATCH_ACTION_ID:-?} attempt ${THERMWATCH_ATTEMPT:-?}:" \
    "${THERMWATCH_REASON:-}"
cmk() {
	command cmk -c "$cfg" -p "$profile" -o json "$@"
}
id=$(cmk list hosts name="$name" type=Routing | jq -r '.host[0].id // empty') ||
    exit 1
if [ -z "$id" ]; then
	echo "CloudStack knows no routing host named $name" >&2
	exit 1
fi
state=$(cmk list hosts id="$id" | jq -r '.host[0].resourcestate // empty')
echo "host $name ($id): resource state ${state:-unknown}"
case $state in
Maintenance | PrepareForMaintenance)
	echo "already in or entering maintenance"
	exit 0
	;;
esac
cmk prepare hostformaintenance id="$id" || exit 1
echo "maintenance requested for $name"
