#!/bin/sh
# cmake --install puts every file where DESIGN.md and the man pages say.
. "$(dirname "$0")/../lib.sh"
tw_need_cmd cmake
P=$(mktemp -d /tmp/tw-install.XXXXXX)
tw_at_exit 'rm -rf "$P"'
cmake --install "$TW_BUILD" --prefix "$P" >"$P.log" 2>&1
check_eq "cmake --install exits 0" "$?" 0
rm -f "$P.log"
for f in sbin/thermwatchd bin/thermwatchctl bin/thermwatch-sim; do
	check "$f is installed and executable" test -x "$P/$f"
done
for m in man1/thermwatch-sim.1 man5/thermwatch.conf.5 man7/thermwatch-mqtt.7 \
    man8/thermwatchd.8 man8/thermwatchctl.8; do
	check "man page $m" test -f "$P/share/man/$m"
done
check "example config" test -f "$P/share/doc/thermwatch/examples/thermwatch.conf"
check "example hooks are executable" test -x \
	"$P/share/doc/thermwatch/hooks/libvirt-migrate.sh"
check "broker add-host script is executable" test -x \
	"$P/share/doc/thermwatch/broker-config/add-host.sh"
check "udev rules" test -f "$P/share/doc/thermwatch/udev/60-thermwatch-ipmi.rules"
check "scenarios" test -f "$P/share/thermwatch/scenarios/normal-week.conf"
check "systemd unit under the prefix" test -f "$P/lib/systemd/system/thermwatchd.service"
check "unit runs the installed daemon" grep -q \
	"^ExecStart=.*/sbin/thermwatchd$" "$P/lib/systemd/system/thermwatchd.service"
# the installed example config is valid for the installed daemon
"$P/sbin/thermwatchd" --check-config \
	-c "$P/share/doc/thermwatch/examples/thermwatch.conf" >/dev/null 2>&1
check_eq "installed example config checks OK" "$?" 0
tw_done
