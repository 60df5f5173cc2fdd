# tests/pkg/pkg_lib.sh - sourced by the package tests: where the .deb is,
# the cached Debian 12 root (debootstrap, built once, reused by every later
# run), fresh copies of it, and a container booted from a copy with
# systemd-nspawn -b. See /work/shared/testbed/SYSTEMD.md for the recipe.
. "$(dirname "$0")/../lib.sh"

PKG_DIR=$TW_BUILD/pkg                   # the .deb and its lintian report
PKG_CACHE=${TW_PKG_CACHE:-/var/cache/thermwatch-tests}
PKG_SUITE=bookworm
# what every test root has besides the package's own dependencies
PKG_BASE="systemd systemd-sysv dbus"

# pkg_deb: path of the .deb that deb.sh built (fixture pkg_deb)
pkg_deb() {
	set -- "$PKG_DIR"/thermwatch_*.deb
	[ -f "$1" ] || tw_skip "no package in $PKG_DIR (test pkg_deb failed?)"
	echo "$1"
}

# pkg_mirror: the Debian mirror apt on this machine uses
pkg_mirror() {
	m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources \
	    2>/dev/null | head -1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ { print $2;
	    exit }' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# pkg_root_packages DEB: the base packages plus DEB's dependencies (first
# alternative of each, without versions), sorted, comma-separated
pkg_root_packages() {
	{
		for p in $PKG_BASE; do echo "$p"; done
		dpkg-deb -f "$1" Depends | tr ',' '\n' |
		    sed -e 's/|.*//' -e 's/(.*)//' -e 's/ //g' | grep .
	} | sort -u | paste -sd, -
}

# pkg_root_tar DEB: the cached root tarball for DEB's dependencies; built
# with debootstrap the first time (one builder at a time, under a lock).
pkg_root_tar() {
	pkgs=$(pkg_root_packages "$1")
	key=$(printf '%s %s\n' "$PKG_SUITE" "$pkgs" | sha256sum | cut -c1-12)
	tar=$PKG_CACHE/debian12-minbase-$key.tar
	mkdir -p "$PKG_CACHE"
	(
		flock 9
		[ -f "$tar" ] && exit 0
		tmp=$(mktemp -d "$PKG_CACHE/build.XXXXXX")
		echo "debootstrap $PKG_SUITE ($pkgs) from $(pkg_mirror)" >&2
		if ! debootstrap --variant=minbase --include="$pkgs" \
		    "$PKG_SUITE" "$tmp/root" "$(pkg_mirror)" \
		    >"$tmp/debootstrap.log" 2>&1; then
			tail -20 "$tmp/debootstrap.log" >&2
			rm -rf "$tmp"
			exit 1
		fi
		tar -C "$tmp/root" -cf "$tmp/root.tar" . &&
		    mv "$tmp/root.tar" "$tar"
		rc=$?
		rm -rf "$tmp"
		exit $rc
	) 9>"$PKG_CACHE/.lock" || return 1
	echo "$tar"
}

# pkg_root_new DEB DIR: a fresh root in DIR with the package's dependencies
# installed (the package itself not yet)
pkg_root_new() {
	tar=$(pkg_root_tar "$1") ||
	    tw_skip "cannot debootstrap a Debian 12 root (network or mirror?)"
	mkdir -p "$2" && tar -C "$2" -xf "$tar"
}

# pkg_machine: a container name no other test run uses at the same time
pkg_machine() {
	echo "tw-$(basename "$0" .sh)-$$"
}

# pkg_run ROOT CMD...: run CMD in ROOT as a container without booting it
# (its own /proc, /sys, /dev and /tmp; no init)
pkg_run() {
	r=$1
	shift
	systemd-nspawn -q --register=no --keep-unit --console=pipe \
	    -M "$(pkg_machine)" -D "$r" "$@"
}

# pkg_boot ROOT LOG: boot ROOT with systemd as PID 1; sets NSPAWN (the
# nspawn PID) and INIT (the container's systemd, for nsenter). Fails
# when systemd does not come up within 60 s.
NSPAWN=
INIT=
pkg_boot() {
	systemd-nspawn -q --register=no --keep-unit -M "$(pkg_machine)" \
	    -D "$1" -b >"$2" 2>&1 </dev/null &
	NSPAWN=$!
	wait_for 20 pkg_find_init || return 1
	# systemd answers on its bus once it is set up
	wait_for 30 sh -c "[ -n \"\$(nsenter -t $INIT -a systemctl \
	    is-system-running 2>/dev/null)\" ]" || return 1
	# is-system-running --wait: until start-up is over (running or
	# degraded); a minimal root has no failing units, so "running"
	st=$(timeout 60 nsenter -t "$INIT" -a systemctl is-system-running \
	    --wait 2>/dev/null)
	echo "container system state: $st"
	[ "$st" = running ] || [ "$st" = degraded ]
}

pkg_find_init() {
	INIT=$(ps -o pid= --ppid "$NSPAWN" 2>/dev/null | head -1 | tr -d ' ')
	[ -n "$INIT" ] && [ "$(cat /proc/"$INIT"/comm 2>/dev/null)" = systemd ]
}

# in_ct CMD...: run CMD inside the booted container
in_ct() {
	nsenter -t "$INIT" -a "$@"
}

# pkg_poweroff: shut the container down cleanly, or kill it after 30 s
pkg_poweroff() {
	[ -n "$NSPAWN" ] || return 0
	if kill -0 "$NSPAWN" 2>/dev/null; then
		[ -n "$INIT" ] && in_ct systemctl poweroff >/dev/null 2>&1
		wait_for 30 sh -c "! kill -0 $NSPAWN 2>/dev/null" ||
		    kill -9 "$NSPAWN" 2>/dev/null
	fi
	wait "$NSPAWN" 2>/dev/null
	NSPAWN=
	INIT=
}

pkg_need_tools() {
	tw_need_root
	tw_need_cmd systemd-nspawn nsenter debootstrap dpkg-deb flock ss
}
