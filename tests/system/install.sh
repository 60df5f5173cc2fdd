#!/bin/sh
# cmake --install puts every file where DESIGN.md and the man pages say,
# under the prefix the build was configured for (staged with DESTDIR), and
# refuses another prefix: the programs and the unit are built for one.
. "$(dirname "$0")/../lib.sh"
tw_need_cmd cmake
P=$(mktemp -d /tmp/tw-install.XXXXXX)
tw_at_exit 'rm -rf "$P" "$P.log"'
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$TW_BUILD/CMakeCache.txt")
if [ "$prefix" = /usr ]; then
	etc=/etc lib=/lib
else
	etc=$prefix/etc lib=$prefix/lib
fi
DESTDIR=$P cmake --install "$TW_BUILD" >"$P.log" 2>&1
check_eq "DESTDIR=... cmake --install exits 0" "$?" 0
U=$P$prefix
for f in sbin/thermwatchd bin/thermwatchctl bin/thermwatch-sim \
    libexec/thermwatch/thermwatch-privd; do
	check "$f is installed and executable" test -x "$U/$f"
done
for m in man1/thermwatch-sim.1 man5/thermwatch.conf.5 man7/thermwatch-mqtt.7 \
    man8/thermwatchd.8 man8/thermwatchctl.8; do
	check "man page $m" test -f "$U/share/man/$m"
done
check "example config" test -f "$U/share/thermwatch/thermwatch.conf"
check "configuration" test -f "$P$etc/thermwatch/thermwatch.conf"
check "example hooks are executable" test -x \
	"$U/share/thermwatch/hooks/libvirt-migrate.sh"
check "broker add-host script is executable" test -x \
	"$U/share/thermwatch/broker-config/add-host.sh"
check "udev rules" test -f "$P$lib/udev/rules.d/60-thermwatch-ipmi.rules"
check "sysusers.d" test -f "$U/lib/sysusers.d/thermwatch.conf"
check "tmpfiles.d" test -f "$U/lib/tmpfiles.d/thermwatch.conf"
check "bash completion" \
	test -f "$U/share/bash-completion/completions/thermwatchctl"
for f in thermwatch.rules.yml thermwatch-dashboard.json README.md; do
	check "prometheus/$f" test -f "$U/share/thermwatch/prometheus/$f"
done
check "scenarios" test -f "$U/share/thermwatch/scenarios/normal-week.conf"
unit=$P$lib/systemd/system/thermwatchd.service
check "systemd unit" test -f "$unit"
check "unit runs the installed daemon" \
	grep -q "^ExecStart=$prefix/sbin/thermwatchd " "$unit"
check "the privileged part's units" test -f \
	"$P$lib/systemd/system/thermwatch-priv.socket" -a -f \
	"$P$lib/systemd/system/thermwatch-priv@.service"
check "they run the installed privd" grep -q \
	"^ExecStart=$prefix/libexec/thermwatch/thermwatch-privd " \
	"$P$lib/systemd/system/thermwatch-priv@.service"
# the daemon's default configuration is the installed one
"$U/sbin/thermwatchd" --help | grep -q "(default $etc/thermwatch/thermwatch.conf)"
check_eq "thermwatchd reads $etc/thermwatch/thermwatch.conf" "$?" 0
# the installed configuration is valid for the installed daemon
"$U/sbin/thermwatchd" --check-config -c "$P$etc/thermwatch/thermwatch.conf" \
	>/dev/null 2>&1
check_eq "installed config checks OK" "$?" 0

# installing again keeps an edited configuration
echo "# edited" >>"$P$etc/thermwatch/thermwatch.conf"
DESTDIR=$P cmake --install "$TW_BUILD" >"$P.log" 2>&1
check "second install keeps the edited configuration" \
	grep -q "^# edited" "$P$etc/thermwatch/thermwatch.conf"

# another prefix is refused with the way out
cmake --install "$TW_BUILD" --prefix "$P/other" >"$P.log" 2>&1
check_eq "--prefix other than the configured one fails" "$?" 1
# (cmake wraps the message: compare it as one line)
check "and says how to configure for it" sh -c "tr -s ' \n' '  ' <'$P.log' |
	grep -qF '(cmake -DCMAKE_INSTALL_PREFIX=$P/other BUILD_DIR)'"
check "nothing installed there" test ! -e "$P/other/sbin/thermwatchd"
tw_done
