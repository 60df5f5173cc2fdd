#!/bin/sh
# The unit under a real systemd: a fresh Debian 12 root with the package,
# booted with systemd-nspawn -b. Enabled but skipped while the
# configuration is the packaged example; once configured, it reaches
# active (running) through READY=1 as user thermwatch, reads a fake hwmon
# tree, publishes to a private broker, and the watchdog restarts it when
# it stops answering.
. "$(dirname "$0")/pkg_lib.sh"
pkg_need_tools
tw_need_cmd mosquitto mosquitto_sub
DEB=$(pkg_deb)
W=$(mktemp -d /var/tmp/tw-pkg-systemd.XXXXXX)
R=$W/root
BROKER=
cleanup() {
	pkg_poweroff
	[ -n "$BROKER" ] && stop_pid "$BROKER"
	rm -rf "$W"
}
trap cleanup EXIT
pkg_root_new "$DEB" "$R"
cp "$DEB" "$R/var/tmp/thermwatch.deb"
pkg_run "$R" dpkg -i /var/tmp/thermwatch.deb >"$W/install.log" 2>&1
check_eq "dpkg -i" "$?" 0

# A private broker on the host's loopback (the container shares the host's
# network).
PORT=$(pkg_free_port 18970 18979) || tw_skip "no free port in 18970-18979"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' \
	"$PORT" >"$W/mosquitto.conf"
mosquitto -c "$W/mosquitto.conf" >"$W/mosquitto.log" 2>&1 &
BROKER=$!

# The fake hwmon tree, bound over /sys/class/hwmon for the agent only (a
# drop-in for the test); a short watchdog so that the test is quick.
FAKE=$TW_SRC/tests/fakehwmon.sh
CLASS=$R/srv/tw-class $FAKE add 0 coretemp 'Package id 0' 45000 80000 100000
mkdir -p "$R/etc/systemd/system/thermwatchd.service.d"
cat >"$R/etc/systemd/system/thermwatchd.service.d/test.conf" <<CONF
[Service]
TemporaryFileSystem=/sys/class:ro
BindReadOnlyPaths=/srv/tw-class/hwmon:/sys/class/hwmon
WatchdogSec=2
CONF

pkg_boot "$R" "$W/boot.log"
check_eq "systemd boots in the container" "$?" 0
[ -n "$INIT" ] || { cat "$W/boot.log"; tw_skip "systemd-nspawn -b did not boot (see above)"; }
show() { in_ct systemctl show thermwatchd -p "$1" --value; }

# 1. enabled, but skipped at boot: the configuration is the example
check_eq "enabled" "$(in_ct systemctl is-enabled thermwatchd)" enabled
check_eq "skipped while not configured" \
	"$(show ActiveState) $(show Result)" "inactive exec-condition"
check "the journal says what to do" sh -c "nsenter -t $INIT -a \
	journalctl -u thermwatchd -o cat | grep -q 'still the packaged example'"

# 2. configured: active (running) once READY=1 came, as thermwatch
cat >"$R/etc/thermwatch/thermwatch.conf" <<CONF
agent = { site = "kth"; zone = "pkgtest"; host = "ct1"; tier = 2;
	interval_s = 0.5; };
hwmon = { sensors_conf = "/dev/null"; };
mqtt = { enabled = true; brokers = [ "127.0.0.1:$PORT" ]; };
actions = { dry_run = true; shutdown = [ "systemctl", "poweroff" ]; };
CONF
mosquitto_sub -h 127.0.0.1 -p "$PORT" -t 'thermwatch/v1/kth/pkgtest/ct1/#' \
	-v -C 3 -W 30 >"$W/sub.txt" 2>&1 &
SUB=$!
timeout 60 nsenter -t "$INIT" -a systemctl start thermwatchd
check_eq "systemctl start returns (Type=notify: after READY=1)" "$?" 0
check_eq "Type" "$(show Type)" notify
check_eq "active (running)" "$(show ActiveState) $(show SubState)" \
	"active running"
main=$(show MainPID)
check_eq "main process runs as thermwatch" \
	"$(in_ct stat -c %U "/proc/$main")" thermwatch
check_eq "with no capabilities" "$(in_ct awk '/^CapEff/ { print $2 }' \
	"/proc/$main/status")" 0000000000000000
check "it reads the fake sensor" sh -c "nsenter -t $INIT -a journalctl \
	-u thermwatchd -o cat | grep -q 'sensor coretemp-virtual-0/Package id 0'"
wait $SUB
check "it publishes to the private broker" \
	grep -q '^thermwatch/v1/kth/pkgtest/ct1/' "$W/sub.txt"
check_eq "runtime directory: owner, group, mode" \
	"$(in_ct stat -c '%U %G %a' /run/thermwatch)" "thermwatch thermwatch 750"
check "control socket in it" in_ct test -S /run/thermwatch/control.sock
in_ct thermwatchctl --json status >"$W/status.json" 2>&1
check "thermwatchctl status through the socket" \
	grep -q '"host":[[:space:]]*"ct1"' "$W/status.json"

# 3. the watchdog: pings keep it up for three periods, and a stopped
# agent is killed and restarted
sleep 6
check_eq "pings arrive: same process after 3 watchdog periods" \
	"$(show MainPID) $(show NRestarts)" "$main 0"
in_ct kill -STOP "$main"
wait_for 20 sh -c "[ \"\$(nsenter -t $INIT -a systemctl show thermwatchd \
	-p NRestarts --value)\" = 1 ]"
check_eq "restarted once after kill -STOP" "$(show NRestarts)" 1
check "systemd saw the watchdog timeout" sh -c "nsenter -t $INIT -a \
	journalctl -u thermwatchd -o cat | grep -q 'Watchdog timeout'"
wait_for 20 sh -c "[ \"\$(nsenter -t $INIT -a systemctl show thermwatchd \
	-p SubState --value)\" = running ]"
check "running again, new process" sh -c "[ \"$(show SubState)\" = running ] &&
	[ \"$(show MainPID)\" != $main ]"

# 4. systemd's own rating of the unit as it runs here
score=$(in_ct systemd-analyze security thermwatchd.service 2>/dev/null |
	sed -n 's/.*Overall exposure level for thermwatchd.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security in the container: ${score:-none} <= 3.0" \
	awk -v s="${score:-99}" 'BEGIN { exit !(s <= 3.0) }'

in_ct systemctl stop thermwatchd
check_eq "stops cleanly" "$(show Result)" success
tw_done
