#!/bin/bash
# cloudstack-maintenance.sh - thermwatchd migrate hook: put this host into
# maintenance in Apache CloudStack, which live-migrates its instances to
# other hosts of the cluster and schedules nothing new here; wait until it
# is done. When the management server does not answer (the night this
# project exists for, it was broken too) or cannot evacuate the host, fall
# back to the hypervisor's own tools: libvirt-migrate.sh, beside this hook.
#
#   migrate = [ "/usr/share/thermwatch/hooks/cloudstack-maintenance.sh",
#               "--cmk-config", "/etc/thermwatch/cmk.conf",
#               "--url", "http://cs-mgmt.example:8080/client/api",
#               "--fallback-libvirt", "--",
#               "--connect", "qemu:///system", "--dest",
#               "qemu+ssh://hv21.zone-b/system" ];
#
# Every API call is bounded (--api-timeout). The management server counts
# as down when a call gets no answer in time or, with --url, when that URL
# gives no HTTP answer or a 502, 503 or 504. Any other failure of cmk is an
# API error: reported, exit 1, never hidden behind a pipe. A second run
# finds the host in maintenance (exit 0) or entering it (and waits again).
# Cancel the maintenance by hand once the room is fixed:
#   cmk cancel hostmaintenance id=HOST_ID
#
# Needs: bash, cmk (CloudMonkey 6), jq, curl for --url; a cmk config with
# the management server's URL and an API key and secret allowed to call
# listHosts and prepareHostForMaintenance; room for the instances on other
# hosts of the cluster (ideally in another cooling zone). The fallback
# needs what libvirt-migrate.sh needs.
set -u
set -o pipefail
TW_DEFAULT_TIMEOUT=570
# shellcheck source-path=SCRIPTDIR source=hooklib.sh
. "$(dirname "$(readlink -f "$0")")/hooklib.sh"
here=$(dirname "$(readlink -f "$0")")

usage() {
	cat <<EOF
usage: $tw_prog [OPTION]... [CMK_CONFIG [PROFILE [HOST]]] [-- LIBVIRT_ARG...]
Put this host into maintenance in CloudStack; fall back to libvirt.

      --cmk-config FILE    CloudMonkey's config (default: cmk's own)
      --profile NAME       the profile in it (default: cmk's default)
      --host NAME          the CloudStack host (default THERMWATCH_HOST)
      --url URL            the management server's API URL, probed first
      --api-timeout S      one API call (default 30)
      --poll S             how often to look while it evacuates (default 10)
      --no-wait            exit once CloudStack has accepted the request
      --fallback-libvirt   when the management server is down or the host
                           ends in ErrorInMaintenance, run libvirt-migrate.sh
                           with the arguments after --
      --timeout S          the whole run, at most THERMWATCH_TIMEOUT_S less a
                           margin (default that, else $TW_DEFAULT_TIMEOUT)
      --dry-run            look, say what would be done, change nothing
  -h, --help               this text

Exit status: 0 in maintenance (or accepted, with --no-wait) or moved by the
fallback, 1 failed or not finished in time, 2 usage error.
EOF
}

cfg=""
profile=""
name=""
url=""
api_timeout=30
poll=10
wait_done=1
fallback=0
timeout=""
dry_run=0
pos=()
libvirt_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--cmk-config | --profile | --host | --url)
		tw_need_arg "$1" $#
		case $1 in
		--cmk-config) cfg=$2 ;;
		--profile) profile=$2 ;;
		--host) name=$2 ;;
		--url) url=$2 ;;
		esac
		shift
		;;
	--api-timeout | --poll | --timeout)
		tw_need_arg "$1" $#
		tw_want_seconds "$1" "$2"
		case $1 in
		--api-timeout) api_timeout=$2 ;;
		--poll) poll=$2 ;;
		--timeout) timeout=$2 ;;
		esac
		shift
		;;
	--no-wait) wait_done=0 ;;
	--fallback-libvirt) fallback=1 ;;
	--dry-run) dry_run=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		libvirt_args=("$@")
		break
		;;
	-*) tw_usage_error "unknown option '$1'" ;;
	*) pos+=("$1") ;;
	esac
	shift
done
[ ${#pos[@]} -le 3 ] || tw_usage_error "too many arguments"
[ ${#pos[@]} -ge 1 ] && cfg=${pos[0]}
[ ${#pos[@]} -ge 2 ] && profile=${pos[1]}
[ ${#pos[@]} -ge 3 ] && name=${pos[2]}
name=${name:-${THERMWATCH_HOST:-}}
[ -n "$name" ] || tw_usage_error "no host name: --host or THERMWATCH_HOST"
((api_timeout > 0)) || tw_usage_error "--api-timeout must be at least 1"
((poll > 0)) || tw_usage_error "--poll must be at least 1"
if [ -n "$cfg" ] && [ ! -r "$cfg" ]; then
	tw_err "cannot read the cmk config $cfg"
	exit 1
fi
for c in cmk jq ${url:+curl}; do
	command -v "$c" >/dev/null || { tw_err "$c not found"; exit 1; }
done
tw_deadline_init "$timeout"
tw_tmpdir
tw_private_home
cmk=(cmk)
[ -n "$cfg" ] && cmk+=(-c "$cfg")
[ -n "$profile" ] && cmk+=(-p "$profile")
cmk+=(-o json)
echo "thermwatch ${THERMWATCH_ACTION_ID:-?} attempt ${THERMWATCH_ATTEMPT:-?}:" \
	"${THERMWATCH_REASON:-no reason given}"

# The management server is down: fall back, or give up.
down() { # WHY
	tw_err "the CloudStack management server $1"
	if ((!fallback)); then
		tw_err "no --fallback-libvirt: giving up"
		exit 1
	fi
	tw_time_left
	echo "falling back to libvirt-migrate.sh for the $tw_left s left"
	args=(--timeout "$tw_left")
	((dry_run)) && args+=(--dry-run)
	exec "$here/libvirt-migrate.sh" "${args[@]}" "${libvirt_args[@]}"
}

# No HTTP answer, or a gateway saying the server behind it is not there.
probe() {
	[ -n "$url" ] || return 0
	local code
	tw_run_bounded $((api_timeout + 2)) "$tw_tmp/probe" curl -sS -o /dev/null \
		-w '%{http_code}' --max-time "$api_timeout" "$url"
	code=$(tail -c 3 "$tw_tmp/probe")
	case $code in
	000 | '') down "at $url does not answer ($(tw_last_error "$tw_tmp/probe"))" ;;
	502 | 503 | 504) down "at $url does not answer (HTTP $code from the gateway)" ;;
	esac
	return 0
}

# api ARG...: one cmk call, bounded; its JSON in $tw_tmp/api.json. Down
# (see above) falls back; an API error exits 1.
api() {
	local rc
	tw_run_bounded "$api_timeout" "$tw_tmp/api.json" "${cmk[@]}" "$@"
	rc=$?
	[ $rc = 124 ] && down "gave no answer within $api_timeout s ($1 $2)"
	if [ $rc != 0 ]; then
		probe
		tw_err "CloudStack API call '$*' failed (exit $rc):" \
			"$(tw_last_error "$tw_tmp/api.json")"
		exit 1
	fi
	if ! jq -e . "$tw_tmp/api.json" >/dev/null 2>&1; then
		tw_err "CloudStack API call '$*' gave no JSON:" \
			"$(tw_last_error "$tw_tmp/api.json")"
		exit 1
	fi
}

# host_state [id=ID]: sets id and state of the host from listHosts.
host_state() {
	local facts
	if [ $# -gt 0 ]; then
		api list hosts "$@"
	else
		api list hosts name="$name" type=Routing
	fi
	facts=$(jq -r '[(.host[0].id // ""), (.host[0].resourcestate // "")]
		| @tsv' "$tw_tmp/api.json") || { tw_err "cannot read listHosts"; exit 1; }
	IFS=$'\t' read -r id state <<<"$facts"
	if [ -z "$id" ]; then
		tw_err "CloudStack knows no routing host named $name"
		exit 1
	fi
}

probe
host_state
echo "host $name ($id): resource state ${state:-unknown}"
case $state in
Maintenance)
	echo "already in maintenance: nothing to do"
	exit 0
	;;
PrepareForMaintenance) echo "already entering maintenance" ;;
*)
	if ((dry_run)); then
		echo "would run: $(tw_cmdline "${cmk[@]}" prepare hostformaintenance id="$id")"
		echo "dry run: nothing was changed"
		exit 0
	fi
	api prepare hostformaintenance id="$id"
	echo "maintenance requested for $name"
	;;
esac
((dry_run)) && { echo "dry run: nothing was changed"; exit 0; }
((wait_done)) || exit 0

while :; do
	tw_time_left
	if ((tw_left <= poll)); then
		tw_err "host $name still in $state: CloudStack is not done in time" \
			"(a retry waits again)"
		exit 1
	fi
	sleep "$poll"
	host_state id="$id"
	case $state in
	Maintenance)
		echo "host $name is in maintenance: its instances have moved"
		exit 0
		;;
	ErrorInMaintenance)
		tw_err "CloudStack could not evacuate $name (ErrorInMaintenance)"
		((fallback)) && down "could not evacuate the host"
		exit 1
		;;
	PrepareForMaintenance) ;;
	*)
		tw_err "host $name went to $state while entering maintenance"
		exit 1
		;;
	esac
done
