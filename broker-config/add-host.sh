#!/bin/sh
# add-host.sh - add (or replace) a thermwatch host, operator or dashboard
# user on a zone broker: a password in passwd and, for hosts, the ACL block
# that confines the host to its own topics and its zone.
#
#   add-host.sh [-d DIR] [-p PASSWORD | -P FILE] SITE ZONE HOST
#   add-host.sh [-d DIR] [-p PASSWORD | -P FILE] -u ROLE NAME
#   add-host.sh [-d DIR] -r HOST
#
# DIR defaults to the directory of this script (passwd and acl live there).
# Without -p/-P a random password is made and written to DIR/HOST.pw
# (mode 0600): copy it to the host as mqtt.password_file. ROLE is operator,
# dashboard or bridge (the acl ships one user of each, named after the
# role; for other names copy that block). -r removes a host. Send the
# broker SIGHUP to reload passwd and acl.
set -eu

usage() {
	sed -n '2,17s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

dir=$(cd "$(dirname "$0")" && pwd)
pw=
pwfile=
role=
remove=
while getopts d:p:P:u:rh opt; do
	case $opt in
	d) dir=$OPTARG ;;
	p) pw=$OPTARG ;;
	P) pwfile=$OPTARG ;;
	u) role=$OPTARG ;;
	r) remove=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

valid() {	# a topic level: no / + # or spaces, not _all, not empty
	case $1 in
	'' | *[/+#\ ]* | _all | *[!A-Za-z0-9._-]*) return 1 ;;
	esac
	return 0
}

acl=$dir/acl
passwd=$dir/passwd
[ -f "$acl" ] || { echo "add-host.sh: no $acl" >&2; exit 1; }

# Drop the BEGIN/END block of $1 from the ACL (atomically).
del_block() {
	awk -v b="# BEGIN host $1" -v e="# END host $1" '
		$0 == b { skip = 1; next }
		$0 == e { skip = 0; next }
		!skip' "$acl" > "$acl.tmp"
	chmod 644 "$acl.tmp"
	mv "$acl.tmp" "$acl"
}

set_password() {	# user
	if [ -n "$pwfile" ]; then
		pw=$(head -n 1 "$pwfile")
	elif [ -z "$pw" ]; then
		pw=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
		(umask 077 && printf '%s\n' "$pw" > "$dir/$1.pw")
		echo "password for $1 written to $dir/$1.pw"
	fi
	if [ -f "$passwd" ]; then
		mosquitto_passwd -b "$passwd" "$1" "$pw"
	else
		mosquitto_passwd -b -c "$passwd" "$1" "$pw"
	fi
	# read after the broker dropped root privileges
	chmod 644 "$passwd"
}

if [ -n "$remove" ]; then
	[ $# = 1 ] && valid "$1" || usage
	del_block "$1"
	[ -f "$passwd" ] && mosquitto_passwd -D "$passwd" "$1" 2>/dev/null || :
	echo "removed $1"
	exit 0
fi

if [ -n "$role" ]; then
	[ $# = 1 ] && valid "$1" || usage
	case $role in
	operator | dashboard | bridge) ;;
	*) echo "add-host.sh: role must be operator, dashboard or bridge" >&2
	   exit 2 ;;
	esac
	set_password "$1"
	echo "added $role $1"
	exit 0
fi

[ $# = 3 ] || usage
site=$1 zone=$2 host=$3
for v in "$site" "$zone" "$host"; do
	valid "$v" || { echo "add-host.sh: bad name '$v'" >&2; exit 2; }
done
case $host in operator | dashboard | bridge)
	echo "add-host.sh: '$host' is a role name" >&2; exit 2 ;;
esac

p=thermwatch/v1/$site/$zone/$host
del_block "$host"
{
	echo "# BEGIN host $host"
	echo "user $host"
	for leaf in telemetry state event status peer override bridge; do
		echo "topic write $p/$leaf"
	done
	echo "topic read thermwatch/v1/$site/$zone/+/peer"
	# the fleet view: every host's state, status and bridge in the site
	for leaf in state status bridge; do
		echo "topic read thermwatch/v1/$site/+/+/$leaf"
	done
	echo "topic read $p/override/set"
	echo "topic read thermwatch/v1/$site/$zone/_all/override/set"
	echo "topic read thermwatch/v1/$site/_all/_all/override/set"
	echo "# END host $host"
} >> "$acl"
chmod 644 "$acl"
set_password "$host"
echo "added host $host in $site/$zone"
