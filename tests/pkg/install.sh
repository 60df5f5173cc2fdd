#!/bin/sh
# dpkg -i of the package into a fresh Debian 12 root gives the programs,
# the user, the conffile, the udev rules, the unit (enabled, not started)
# and the state directory; an edited conffile survives a reinstall; dpkg -r
# removes all but the configuration, dpkg -P the rest.
. "$(dirname "$0")/pkg_lib.sh"
pkg_need_tools
DEB=$(pkg_deb)
W=$(mktemp -d /var/tmp/tw-pkg-install.XXXXXX)
tw_at_exit 'rm -rf "$W"'
R=$W/root
pkg_root_new "$DEB" "$R"
cp "$DEB" "$R/var/tmp/thermwatch.deb"
ct() { pkg_run "$R" "$@"; }
status() {
	dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${db:Status-Abbrev}' \
	    thermwatch 2>/dev/null
}

ct dpkg -i /var/tmp/thermwatch.deb >"$W/install.log" 2>&1
check_eq "dpkg -i exits 0" "$?" 0
cat "$W/install.log"
check_eq "installed" "$(status)" "ii "
for p in usr/sbin/thermwatchd usr/bin/thermwatchctl usr/bin/thermwatch-sim \
    usr/libexec/thermwatch/thermwatch-privd; do
	check "/$p" test -x "$R/$p"
done
check "unit in /lib/systemd/system" \
	test -f "$R/lib/systemd/system/thermwatchd.service"
check "udev rule in /lib/udev/rules.d" \
	test -f "$R/lib/udev/rules.d/60-thermwatch-ipmi.rules"
check "bash completion" \
	test -f "$R/usr/share/bash-completion/completions/thermwatchctl"
check "system user thermwatch, home /var/lib/thermwatch, no login" grep -qx \
	'thermwatch:x:[0-9]*:[0-9]*:[^:]*:/var/lib/thermwatch:/usr/sbin/nologin' \
	"$R/etc/passwd"
uid=$(awk -F: '$1 == "thermwatch" { print $3 }' "$R/etc/passwd")
check "a system uid ($uid < 1000)" test "${uid:-1000}" -lt 1000
check "group thermwatch" grep -q '^thermwatch:' "$R/etc/group"
check_eq "state directory: owner, group, mode" \
	"$(ct stat -c '%U %G %a' /var/lib/thermwatch)" "thermwatch thermwatch 750"
dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Conffiles}\n' thermwatch \
	>"$W/conffiles"
check "the conffile is registered with dpkg" grep -q \
	'^ /etc/thermwatch/thermwatch.conf [0-9a-f]\{32\}$' "$W/conffiles"
check "the configuration is in dry run" \
	grep -q '^  dry_run = true;' "$R/etc/thermwatch/thermwatch.conf"
check "enabled: multi-user.target wants thermwatchd" test -L \
	"$R/etc/systemd/system/multi-user.target.wants/thermwatchd.service"
check "enabled: sockets.target wants thermwatch-priv.socket" test -L \
	"$R/etc/systemd/system/sockets.target.wants/thermwatch-priv.socket"
check "postinst says what to edit" \
	grep -q "edit /etc/thermwatch/thermwatch.conf" "$W/install.log"
# the shared libraries the package depends on are all there
ct /usr/sbin/thermwatchd --check-config >"$W/check.out" 2>"$W/check.err"
check_eq "thermwatchd --check-config runs in the root" "$?" 0
check "reads /etc/thermwatch/thermwatch.conf" grep -q \
	"^/etc/thermwatch/thermwatch.conf: configuration OK" "$W/check.err"
ct thermwatchctl --version >/dev/null 2>&1
check_eq "thermwatchctl runs" "$?" 0

# an edited configuration survives a reinstall
printf '# edited by the test\n' >>"$R/etc/thermwatch/thermwatch.conf"
ct dpkg -i /var/tmp/thermwatch.deb >"$W/reinstall.log" 2>&1
check_eq "reinstall exits 0" "$?" 0
check "edited conffile kept" grep -q "^# edited by the test" \
	"$R/etc/thermwatch/thermwatch.conf"
check "configured: no note to edit it" \
	sh -c "! grep -q 'edit /etc/thermwatch' '$W/reinstall.log'"

# remove: everything but the configuration goes
ct dpkg -r thermwatch >"$W/remove.log" 2>&1
check_eq "dpkg -r exits 0" "$?" 0
check_eq "state after remove: config files" "$(status)" "rc "
check "binaries gone" test ! -e "$R/usr/sbin/thermwatchd"
check "unit gone" test ! -e "$R/lib/systemd/system/thermwatchd.service"
check "udev rule gone" test ! -e "$R/lib/udev/rules.d/60-thermwatch-ipmi.rules"
check "conffile kept" test -f "$R/etc/thermwatch/thermwatch.conf"
check "user kept" grep -q '^thermwatch:' "$R/etc/passwd"

# purge: the rest
ct dpkg -P thermwatch >"$W/purge.log" 2>&1
check_eq "dpkg -P exits 0" "$?" 0
check_eq "not installed" "$(status)" ""
check "/etc/thermwatch gone" test ! -e "$R/etc/thermwatch"
check "/var/lib/thermwatch gone" test ! -e "$R/var/lib/thermwatch"
S=$R/etc/systemd/system
check "no enable symlink left" test -z "$(ls \
	"$S/multi-user.target.wants/thermwatchd.service" \
	"$S/sockets.target.wants/thermwatch-priv.socket" 2>/dev/null)"
check "no mask left" test -z "$(ls "$S/thermwatchd.service" \
	"$S/thermwatch-priv.socket" 2>/dev/null)"
check "no file of the package left" test -z "$(find "$R" -xdev \
	\( -name 'thermwatch*' -o -name '*thermwatch.rules' \) \
	-not -path "$R/var/tmp/*" -not -path "$R/var/lib/dpkg/*" 2>/dev/null)"
tw_done
