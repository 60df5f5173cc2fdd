#!/bin/bash
# libvirt-migrate.sh - thermwatchd migrate hook: live-migrate the running
# and paused libvirt domains of this host to hosts in another cooling
# zone, several at once, each within its own timeout and all within the
# hook's; then, if asked, pause or shut down what could not be moved.
#
#   migrate = [ "/usr/share/thermwatch/hooks/libvirt-migrate.sh",
#               "--connect", "qemu:///system", "--parallel", "3",
#               "--dest", "qemu+ssh://hv21.zone-b/system" ];
#
# Destinations: the list thermwatchd hands over in THERMWATCH_DESTINATIONS
# (hosts of other zones that accept load, best first; see "The hook
# contract" in thermwatchd(8)), else the static --dest URIs. Each domain
# goes to the first destination with room that has the fewest migrations
# in flight, so the domains spread; a failed migration is tried at the
# next destination, a timed-out one is not tried again.
#
# Domains are named by UUID to virsh, so any name is safe. A second run
# only moves what is still here. Exit status: 0 when no domain is left
# running or paused here, 1 when some stayed (one summary line each), 2 on
# a usage error. Needs: bash, virsh (libvirt-clients), jq; the
# destinations reachable from here by the user thermwatchd runs hooks as
# (for qemu+ssh: a key without passphrase and a known_hosts entry: the
# hook has no agent and no terminal); shared storage or --copy-storage;
# compatible CPU models.
set -u
TW_DEFAULT_TIMEOUT=570
# shellcheck source-path=SCRIPTDIR source=hooklib.sh
. "$(dirname "$(readlink -f "$0")")/hooklib.sh"

usage() {
	cat <<EOF
usage: $tw_prog [OPTION]... [DEST_URI]...
Live-migrate this host's running and paused libvirt domains away.

  -c, --connect URI      this host's libvirt (default: virsh's own default,
                         LIBVIRT_DEFAULT_URI or uri_default of libvirt.conf)
      --dest URI         a static destination, used when thermwatchd gives
                         no THERMWATCH_DESTINATIONS (repeatable; DEST_URI too)
      --uri-template T   URI of a destination host named by thermwatchd
                         that gives none; %h is the host
                         (default qemu+ssh://%h/system)
      --parallel N       migrations at once (default 3)
      --timeout S        the whole run, at most THERMWATCH_TIMEOUT_S less a
                         margin (default that, else $TW_DEFAULT_TIMEOUT)
      --domain-timeout S one migration (default half the run, at least 60)
      --suspend-after S  pause a domain whose live migration has not
                         converged after S, so it finishes (default 2/3 of
                         the domain timeout; 0 = never)
      --copy-storage     copy the disks too (no shared storage)
      --migrate-opt OPT  one more option for virsh migrate (repeatable)
      --fallback WHAT    for domains that could not be moved: none, pause
                         or shutdown (default none)
      --shutdown-wait S  how long a shutdown fallback may take (default 120)
      --dry-run          list and plan, change nothing
  -h, --help             this text

Exit status: 0 no domain left here, 1 some stayed, 2 usage error.
EOF
}

conn=()
static=()
uri_template='qemu+ssh://%h/system'
parallel=3
timeout=""
domain_timeout=""
suspend_after=""
migrate_opts=()
fallback=none
shutdown_wait=120
dry_run=0
while [ $# -gt 0 ]; do
	case $1 in
	-c | --connect)
		tw_need_arg "$1" $#
		conn=(-c "$2")
		shift
		;;
	--dest)
		tw_need_arg "$1" $#
		static+=("$2")
		shift
		;;
	--uri-template)
		tw_need_arg "$1" $#
		[[ $2 == *%h* ]] || tw_usage_error "--uri-template needs %h"
		uri_template=$2
		shift
		;;
	--parallel)
		tw_need_arg "$1" $#
		[[ $2 =~ ^[1-9][0-9]*$ ]] ||
			tw_usage_error "--parallel wants a number >= 1, not '$2'"
		parallel=$2
		shift
		;;
	--timeout | --domain-timeout | --suspend-after | --shutdown-wait)
		tw_need_arg "$1" $#
		tw_want_seconds "$1" "$2"
		case $1 in
		--timeout) timeout=$2 ;;
		--domain-timeout) domain_timeout=$2 ;;
		--suspend-after) suspend_after=$2 ;;
		--shutdown-wait) shutdown_wait=$2 ;;
		esac
		shift
		;;
	--copy-storage) migrate_opts+=(--copy-storage-all) ;;
	--migrate-opt)
		tw_need_arg "$1" $#
		migrate_opts+=("$2")
		shift
		;;
	--fallback)
		tw_need_arg "$1" $#
		case $2 in
		none | pause | shutdown) fallback=$2 ;;
		*) tw_usage_error "--fallback is none, pause or shutdown, not '$2'" ;;
		esac
		shift
		;;
	--dry-run) dry_run=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		static+=("$@")
		break
		;;
	-*) tw_usage_error "unknown option '$1'" ;;
	*) static+=("$1") ;;
	esac
	shift
done
command -v virsh >/dev/null || { tw_err "virsh not found (libvirt-clients)"; exit 1; }

tw_deadline_init "$timeout"
if [ -z "$domain_timeout" ]; then
	domain_timeout=$((tw_deadline_s / 2))
	((domain_timeout < 60)) && domain_timeout=60
fi
tw_tmpdir
vsh=(virsh "${conn[@]}")
vsh_rw=("${vsh[@]}")
((dry_run)) && vsh=(virsh -r "${conn[@]}") # a read-only connection

echo "thermwatch ${THERMWATCH_ACTION_ID:-?} attempt ${THERMWATCH_ATTEMPT:-?}:" \
	"${THERMWATCH_REASON:-no reason given}"

# --- destinations: d_host d_uri d_vms d_mem (-1 = unknown) d_busy ----------
d_host=()
d_uri=()
d_vms=()
d_mem=()
d_busy=()
add_dest() { # HOST URI VMS MEM
	d_host+=("$1")
	d_uri+=("$2")
	d_vms+=("${3:--1}")
	d_mem+=("${4:--1}")
	d_busy+=(0)
}

# THERMWATCH_DESTINATIONS as tab-separated lines, or nothing when unusable.
fleet_destinations() {
	local d=${THERMWATCH_DESTINATIONS:-}
	[ -n "$d" ] || return 0
	command -v jq >/dev/null || { tw_err "jq not found: THERMWATCH_DESTINATIONS ignored"; return 0; }
	# shellcheck disable=SC2016
	jq -r --arg t "$uri_template" '
		def count: if type == "number" and . >= 0
		    then [., 1000000000] | min | floor else -1 end;
		if type != "array" then error("not an array") else . end
		| .[] | select(type == "object" and (.host | type) == "string")
		| .host as $h
		| [$h, (.zone // "" | tostring),
		   (if (.uri | type) == "string" and .uri != "" then .uri
		    else $t | gsub("%h"; $h) end),
		   (.spare_vms | count), (.spare_mem_mb | count)] | @tsv' \
		<<<"$d" 2>"$tw_tmp/jq.err" ||
		tw_err "THERMWATCH_DESTINATIONS is not a JSON array of" \
			"destinations ($(tw_last_error "$tw_tmp/jq.err")): ignored"
}

# A host name, and a URI without a query: a URI's parameters could name a
# program to run here (command=, netcat=), and a peer must not choose that.
safe_host='^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$'
safe_uri='^[a-z][a-z0-9+]*://([A-Za-z0-9._-]+@)?[A-Za-z0-9._-]*(:[0-9]+)?/[A-Za-z0-9/_.-]*$'
while IFS=$'\t' read -r host zone uri vms mem; do
	if [[ ! $host =~ $safe_host || ! $uri =~ $safe_uri ]]; then
		tw_err "destination '$host' ($uri) ignored: not a plain host name and URI"
		continue
	fi
	add_dest "$host" "$uri" "$vms" "$mem"
	echo "destination $host (zone ${zone:-?}) $uri, spare VMs" \
		"$( ((vms < 0)) && echo ? || echo "$vms"), spare MiB" \
		"$( ((mem < 0)) && echo ? || echo "$mem")"
done < <(fleet_destinations)
if [ ${#d_host[@]} -eq 0 ]; then
	for uri in "${static[@]}"; do
		add_dest "$uri" "$uri"
	done
	[ ${#static[@]} -eq 0 ] || echo "destinations (static): ${static[*]}"
fi
[ ${#d_host[@]} -gt 0 ] || echo "no destination: from thermwatchd or --dest" >&2

# --- the domains here ---------------------------------------------------
declare -A dom_name dom_state dom_mem dom_tried dom_result dom_why
doms=()
list_state() { # STATE... -> "uuid name" lines into $tw_tmp/list
	local st args=()
	for st in "$@"; do args+=(--state-"$st"); done
	tw_run_bounded 30 "$tw_tmp/list" "${vsh[@]}" list "${args[@]}" --uuid --name
}
for st in running paused; do
	if ! list_state "$st"; then
		tw_err "cannot list the $st domains of ${conn[1]:-the default URI}:" \
			"$(tw_last_error "$tw_tmp/list")"
		exit 1
	fi
	while IFS= read -r line; do
		[[ $line =~ ^([0-9a-fA-F-]{36})\ (.*)$ ]] || continue
		u=${BASH_REMATCH[1]}
		[ -n "${dom_state[$u]:-}" ] && continue
		doms+=("$u")
		dom_name[$u]=${BASH_REMATCH[2]}
		dom_state[$u]=$st
		dom_mem[$u]=-1
	done <"$tw_tmp/list"
done
if [ ${#doms[@]} -eq 0 ]; then
	echo "no running or paused domain here: nothing to do"
	exit 0
fi
echo "${#doms[@]} domain(s) here: $(for u in "${doms[@]}"; do printf '"%s" ' "${dom_name[$u]}"; done)"

# Memory only matters when a destination says how much it has free.
need_mem=0
for m in "${d_mem[@]}"; do ((m >= 0)) && need_mem=1; done
if ((need_mem)); then
	for u in "${doms[@]}"; do
		tw_run_bounded 10 "$tw_tmp/info" "${vsh[@]}" dominfo "$u" || continue
		kib=$(sed -n 's/^Used memory: *\([0-9]*\) KiB$/\1/p' "$tw_tmp/info")
		[ -n "$kib" ] && dom_mem[$u]=$(((kib + 1023) / 1024))
	done
fi

# --- choosing a destination ---------------------------------------------
# Sets pick: the destination for U, -1 when none has room now, -2 when
# every destination has been tried.
pick_dest() { # UUID
	local u=$1 i best=-1 untried=0 m=${dom_mem[$1]}
	for ((i = 0; i < ${#d_host[@]}; i++)); do
		[[ " ${dom_tried[$u]:-} " == *" $i "* ]] && continue
		untried=1
		((d_vms[i] == 0)) && continue
		((d_mem[i] >= 0 && m >= 0 && d_mem[i] < m)) && continue
		if ((best < 0 || d_busy[i] < d_busy[best])); then best=$i; fi
	done
	pick=$best
	((best < 0 && !untried)) && pick=-2
	return 0
}

take_room() { # DEST UUID SIGN(+1 take, -1 give back)
	local i=$1 m=${dom_mem[$2]}
	((d_vms[i] >= 0)) && d_vms[i]=$((d_vms[i] - $3))
	((d_mem[i] >= 0 && m >= 0)) && d_mem[i]=$((d_mem[i] - $3 * m))
	d_busy[i]=$((d_busy[i] + $3))
}

migrate_cmd() { # UUID DEST_URI SECONDS
	local after=$suspend_after
	if [ -z "$after" ]; then
		after=$(($3 * 2 / 3))
		((after < 1)) && after=1
	fi
	mcmd=("${vsh_rw[@]}" migrate --live --persistent --undefinesource
		--auto-converge "${migrate_opts[@]}")
	((after > 0 && after < $3)) && mcmd+=(--timeout "$after")
	mcmd+=("$1" "$2")
}

stay() { # UUID WHY
	dom_result[$1]=stayed
	dom_why[$1]=$2
}

# --- dry run: the plan, as if every migration took as long ---------------
if ((dry_run)); then
	n=0
	for u in "${doms[@]}"; do
		pick_dest "$u"
		if ((pick < 0)); then
			stay "$u" "no destination with room"
			echo "would leave \"${dom_name[$u]}\" here: no destination with room"
			continue
		fi
		take_room "$pick" "$u" 1
		migrate_cmd "$u" "${d_uri[pick]}" "$domain_timeout"
		echo "would migrate \"${dom_name[$u]}\" ($u) to ${d_host[pick]}" \
			"within ${domain_timeout} s: $(tw_cmdline "${mcmd[@]}")"
		n=$((n + 1))
		if ((n % parallel == 0)); then
			for ((i = 0; i < ${#d_busy[@]}; i++)); do d_busy[i]=0; done
		fi
	done
	for u in "${doms[@]}"; do
		[ "${dom_result[$u]:-}" = stayed ] || continue
		case $fallback in
		pause) [ "${dom_state[$u]}" = running ] &&
			echo "would pause \"${dom_name[$u]}\": $(tw_cmdline "${vsh_rw[@]}" suspend "$u")" ;;
		shutdown) echo "would shut down \"${dom_name[$u]}\": $(tw_cmdline "${vsh_rw[@]}" shutdown "$u")" ;;
		esac
	done
	echo "dry run: nothing was changed (run of ${tw_deadline_s} s from $tw_deadline_from," \
		"$parallel at once)"
	exit 0
fi

# --- the migrations -----------------------------------------------------
declare -A job_uuid job_dest job_end job_start job_log job_stage
jobs_running=()
min_start=5 # seconds: a migration needs at least this long to be worth it
stop_sig=(INT TERM KILL)
stop_after_cs=(100 200 50)
stop_grace=4 # seconds: from the first signal to the end of SIGKILL
seq=0

start_one() { # UUID DEST
	local u=$1 i=$2 secs left pid
	tw_time_left
	left=$((tw_left - stop_grace))
	secs=$domain_timeout
	((secs > left)) && secs=$left
	migrate_cmd "$u" "${d_uri[i]}" "$secs"
	seq=$((seq + 1))
	echo "migrating \"${dom_name[$u]}\" to ${d_host[i]} (within $secs s)"
	# SIGINT as the default: bash ignores it in background jobs, and
	# virsh must see it to abort the migration job (or die before it)
	env --default-signal=INT "${mcmd[@]}" >"$tw_tmp/job.$seq" 2>&1 </dev/null &
	pid=$!
	tw_clock
	job_uuid[$pid]=$u
	job_dest[$pid]=$i
	job_start[$pid]=$tw_now_cs
	job_end[$pid]=$((tw_now_cs + secs * 100))
	job_log[$pid]=$tw_tmp/job.$seq
	jobs_running+=("$pid")
	take_room "$i" "$u" 1
	dom_tried[$u]+=" $i"
}

# A job ended (RC) or was stopped at its timeout (RC empty).
finish_one() { # PID RC
	local pid=$1 rc=$2 u=${job_uuid[$1]} i=${job_dest[$1]} took why
	tw_clock
	took=$(((tw_now_cs - job_start[$pid]) / 100))
	if [ "$rc" = 0 ]; then
		d_busy[i]=$((d_busy[i] - 1))
		dom_result[$u]=migrated
		dom_why[$u]="to ${d_host[i]} in $took s"
		echo "migrated \"${dom_name[$u]}\" to ${d_host[i]} in $took s"
		return
	fi
	take_room "$i" "$u" -1
	why=$(tw_last_error "${job_log[$pid]}")
	if [ -z "$rc" ]; then
		stay "$u" "timed out after $took s migrating to ${d_host[i]} (aborted)"
		echo "migrating \"${dom_name[$u]}\" to ${d_host[i]} timed out after $took s: aborted" >&2
		return
	fi
	echo "migrating \"${dom_name[$u]}\" to ${d_host[i]} failed: $why" >&2
	dom_why[$u]="failed at ${d_host[i]}: $why"
	queue+=("$u") # the next destination may take it
}

# Stop every migration still running (SIGINT: virsh aborts the job).
stop_all() {
	local pid
	for pid in "${jobs_running[@]}"; do kill -s INT "$pid" 2>/dev/null; done
	sleep 0.5
	for pid in "${jobs_running[@]}"; do
		tw_stop_child "$pid" TERM 1
		finish_one "$pid" ""
	done
	jobs_running=()
}

summary() {
	local u moved=0 stayed=0 down=0
	for u in "${doms[@]}"; do
		case ${dom_result[$u]:-stayed} in
		migrated)
			moved=$((moved + 1))
			echo "summary: migrated \"${dom_name[$u]}\" ${dom_why[$u]}"
			;;
		shut_down)
			down=$((down + 1))
			echo "summary: shut down \"${dom_name[$u]}\" (${dom_why[$u]})"
			;;
		*)
			stayed=$((stayed + 1))
			echo "summary: stayed \"${dom_name[$u]}\": ${dom_why[$u]:-not started}"
			;;
		esac
	done
	echo "summary: $moved migrated, $down shut down, $stayed stayed, of ${#doms[@]}"
	((stayed == 0))
}

on_signal() {
	trap - TERM INT
	echo "interrupted: stopping the migrations" >&2
	stop_all
	summary
	exit 1
}
trap on_signal TERM INT

queue=("${doms[@]}")
while :; do
	next=()
	for u in "${queue[@]}"; do
		if ((${#jobs_running[@]} >= parallel)); then
			next+=("$u")
			continue
		fi
		pick_dest "$u"
		tw_time_left
		if ((pick != -2 && tw_left < min_start + stop_grace)); then
			stay "$u" "not started: the run's deadline is near${dom_why[$u]:+ (${dom_why[$u]})}"
			continue
		fi
		case $pick in
		-2) stay "$u" "${dom_why[$u]:-no destination}" ;;
		-1)
			if ((${#jobs_running[@]} > 0)); then
				next+=("$u") # room may come back
			else
				stay "$u" "no destination with room${dom_why[$u]:+ (${dom_why[$u]})}"
			fi
			;;
		*) start_one "$u" "$pick" ;;
		esac
	done
	queue=("${next[@]}")
	[ ${#queue[@]} -eq 0 ] && [ ${#jobs_running[@]} -eq 0 ] && break
	sleep 0.1
	tw_clock
	still=()
	for pid in "${jobs_running[@]}"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			rc=$?
			# stopped at its timeout, whatever it said then
			((${job_stage[$pid]:-0} > 0)) && rc=""
			finish_one "$pid" "$rc"
		elif ((tw_now_cs < job_end[$pid])); then
			still+=("$pid")
		elif ((${job_stage[$pid]:-0} < ${#stop_sig[@]})); then
			# at its end: SIGINT (virsh aborts the migration job), 1 s
			# later SIGTERM (virsh may not be watching the job yet),
			# 2 s later SIGKILL
			kill -s "${stop_sig[${job_stage[$pid]:-0}]}" "$pid" 2>/dev/null
			job_end[$pid]=$((tw_now_cs + ${stop_after_cs[${job_stage[$pid]:-0}]}))
			job_stage[$pid]=$((${job_stage[$pid]:-0} + 1))
			still+=("$pid")
		else
			wait "$pid" 2>/dev/null
			finish_one "$pid" ""
		fi
	done
	jobs_running=("${still[@]}")
done

# --- what could not be moved --------------------------------------------
left=()
for u in "${doms[@]}"; do
	[ "${dom_result[$u]}" = migrated ] || left+=("$u")
done
if [ ${#left[@]} -gt 0 ] && [ "$fallback" = pause ]; then
	for u in "${left[@]}"; do
		[ "${dom_state[$u]}" = running ] || continue
		if tw_run_bounded 30 "$tw_tmp/fb" "${vsh[@]}" suspend "$u"; then
			echo "paused \"${dom_name[$u]}\": it stays here, using no CPU"
			dom_why[$u]+=" (paused)"
		else
			echo "pausing \"${dom_name[$u]}\" failed: $(tw_last_error "$tw_tmp/fb")" >&2
		fi
	done
fi
if [ ${#left[@]} -gt 0 ] && [ "$fallback" = shutdown ]; then
	asked=()
	for u in "${left[@]}"; do
		if tw_run_bounded 30 "$tw_tmp/fb" "${vsh[@]}" shutdown "$u"; then
			echo "shutting down \"${dom_name[$u]}\""
			asked+=("$u")
		else
			echo "shutting down \"${dom_name[$u]}\" failed: $(tw_last_error "$tw_tmp/fb")" >&2
		fi
	done
	wait_s=$shutdown_wait
	tw_time_left
	((wait_s > tw_left)) && wait_s=$tw_left
	tw_clock
	until_cs=$((tw_now_cs + wait_s * 100))
	while [ ${#asked[@]} -gt 0 ]; do
		list_state running paused || break
		up=()
		for u in "${asked[@]}"; do
			if grep -q "^$u " "$tw_tmp/list"; then
				up+=("$u")
			else
				dom_result[$u]=shut_down
				dom_why[$u]="not migrated: ${dom_why[$u]}"
			fi
		done
		asked=("${up[@]}")
		tw_clock
		((${#asked[@]} == 0 || tw_now_cs >= until_cs)) && break
		sleep 1
	done
	for u in "${asked[@]}"; do
		dom_why[$u]+=" (shutdown asked, still running after $wait_s s)"
	done
fi
summary
