#!/bin/sh
# The unit under a real systemd: a fresh Debian 12 root with the package,
# booted with systemd-nspawn -b. Enabled but skipped while the
# configuration is the packaged example; once configured, it reaches
# active (running) through READY=1 as user thermwatch, reads a fake hwmon
# tree, publishes to a private broker, logs its state changes and
# decisions to the journal with THERMWATCH_* fields, hands a (dry-run)
# shutdown to the privileged part, and the watchdog restarts it when it
# stops answering; with IPMI on it runs the packaged IPMI reader
# (/usr/libexec/thermwatch/thermwatch-ipmi) inside the unit's sandbox and
# reads a simulated BMC (ipmi_sim on the host's loopback) without mapping
# FreeIPMI itself. The sandbox leaves it /proc/stat (the host's CPU
# utilisation), which ProcSubset=pid would hide.
. "$(dirname "$0")/pkg_lib.sh"
pkg_need_tools
tw_need_cmd mosquitto mosquitto_sub ipmi_sim ipmi-raw setpriv jq
DEB=$(pkg_deb)
W=$(mktemp -d /var/tmp/tw-pkg-systemd.XXXXXX)
R=$W/root
tw_at_exit 'rm -rf "$W"'
tw_at_exit pkg_poweroff
pkg_root_new "$DEB" "$R"
cp "$DEB" "$R/var/tmp/thermwatch.deb"
pkg_run "$R" dpkg -i /var/tmp/thermwatch.deb >"$W/install.log" 2>&1
check_eq "dpkg -i" "$?" 0

# A private broker on the host's loopback (the container shares the host's
# network).
tw_ports 1
PORT=$TW_PORT
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' \
	"$PORT" >"$W/mosquitto.conf"
mosquitto -c "$W/mosquitto.conf" >"$W/mosquitto.log" 2>&1 &
tw_track $!

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
booted=$?
if [ -z "$INIT" ]; then
	cat "$W/boot.log"
	tw_skip "systemd-nspawn -b did not start systemd here (log above)"
fi
check_eq "systemd boots in the container (running)" "$booted" 0
show() { in_ct systemctl show thermwatchd -p "$1" --value; }

jf() { # journalctl MATCH... -o cat: the messages of the matching entries
	in_ct journalctl --no-pager -o cat "$@" 2>/dev/null
}

# 1. enabled, but skipped at boot: the configuration is the example
check_eq "enabled" "$(in_ct systemctl is-enabled thermwatchd)" enabled
check_eq "privileged part's socket enabled and listening" \
	"$(in_ct systemctl is-enabled thermwatch-priv.socket) $(in_ct \
	systemctl is-active thermwatch-priv.socket)" "enabled active"
check_eq "the socket: only user thermwatch may connect" \
	"$(in_ct stat -c '%U %a %F' /run/thermwatch-priv.sock)" \
	"thermwatch 600 socket"
check_eq "skipped while not configured" \
	"$(show ActiveState) $(show Result)" "inactive exec-condition"
check "the journal says what to do" sh -c "nsenter -t $INIT -a \
	journalctl -u thermwatchd -o cat | grep -q 'still the packaged example'"

# 2. configured: active (running) once READY=1 came, as thermwatch
# (short windows, as in the e2e tests, so that a ramp decides quickly)
cat >"$R/etc/thermwatch/thermwatch.conf" <<CONF
agent = { site = "kth"; zone = "pkgtest"; host = "ct1"; tier = 2;
	interval_s = 0.2; };
hwmon = { sensors_conf = "/dev/null"; };
classes = { cpu = { filter_window = 3; trend_window_s = 6; persist_s = 0.4;
	hold_s = 2; hysteresis_c = 1;
	warn = { margin_c = 30.0; eta_s = 60.0; };
	migrate = { margin_c = 22.0; lead_s = 20.0; };
	shutdown = { margin_c = 13.0; lead_s = 10.0; }; }; };
policy = { shutdown_safety_factor = 1.5; min_shutdown_lead_s = 5.0; };
mqtt = { enabled = true; brokers = [ "127.0.0.1:$PORT" ]; };
actions = { dry_run = true; shutdown = [ "systemctl", "poweroff" ];
	event_ack_wait_s = 1.0; };
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
# the sandbox leaves /proc/stat readable: the host's CPU utilisation
busy_is_share() {
	in_ct thermwatchctl --json status 2>/dev/null |
	    jq -e '.cpu_busy | type == "number" and . >= 0 and . <= 1' >/dev/null
}
check "it reads /proc/stat in its sandbox: cpu_busy in [0, 1]" \
	wait_for 10 busy_is_share
check "no cpu busy warning in the journal" sh -c "! nsenter -t $INIT -a \
	journalctl -u thermwatchd -o cat | grep -q 'cpu busy:'"

check "connected to the privileged part" wait_for 10 sh -c "nsenter -t \
	$INIT -a journalctl -u thermwatchd -o cat | grep -q \
	'privileged part: connected to /run/thermwatch-priv.sock'"

# 3. heat: state changes and decisions in the journal with their fields;
# the (dry-run) shutdown goes through the privileged part
FAKE_SET="env CLASS=$R/srv/tw-class $FAKE set 0"
t=45000
while [ $t -lt 99000 ] && [ -z "$(jf THERMWATCH_EVENT=shutdown)" ]; do
	t=$((t + 1000))
	$FAKE_SET $t
	sleep 1
done
echo "ramp stopped at $t mC"
wait_for 10 sh -c "[ -n \"\$(nsenter -t $INIT -a journalctl -o cat \
	THERMWATCH_EVENT=action THERMWATCH_ACTION=shutdown 2>/dev/null)\" ]"
jf -u thermwatchd THERMWATCH_EVENT=state
check "journalctl THERMWATCH_STATE=critical finds the state change" \
	sh -c "nsenter -t $INIT -a journalctl -o cat THERMWATCH_EVENT=state \
	THERMWATCH_STATE=critical | grep -q '^state hot -> critical: '"
check "each state change is an entry: warn, hot, critical" \
	test "$(jf THERMWATCH_EVENT=state | wc -l)" -ge 3
in_ct journalctl -o export THERMWATCH_EVENT=decision THERMWATCH_ACTION=shutdown \
	>"$W/decision.txt" 2>/dev/null
check "the shutdown decision has its sensor, eta and state" sh -c "
	grep -q '^THERMWATCH_SENSOR=coretemp-virtual-0/Package id 0\$' \
	    '$W/decision.txt' &&
	grep -q '^THERMWATCH_ETA_S=[0-9]' '$W/decision.txt' &&
	grep -q '^THERMWATCH_STATE=critical\$' '$W/decision.txt' &&
	grep -q '^SYSLOG_IDENTIFIER=thermwatchd\$' '$W/decision.txt'"
jf SYSLOG_IDENTIFIER=thermwatch-privd
check "privd: the shutdown hook, a dry run by the configuration" sh -c "
	nsenter -t $INIT -a journalctl -o cat SYSLOG_IDENTIFIER=thermwatch-privd \
	THERMWATCH_PRIV_REQUEST=run THERMWATCH_ACTION=shutdown \
	THERMWATCH_RESULT=dry_run | grep -q \
	'dry run: would run shutdown hook: systemctl poweroff'"
check "privd runs as root, in its own unit" sh -c "
	nsenter -t $INIT -a journalctl -o export \
	SYSLOG_IDENTIFIER=thermwatch-privd THERMWATCH_PRIV_REQUEST=run |
	grep -q '^_UID=0\$' && nsenter -t $INIT -a journalctl -o export \
	SYSLOG_IDENTIFIER=thermwatch-privd | grep -q \
	'^_SYSTEMD_UNIT=thermwatch-priv@'"
check "the agent's action entry: dry run, said by the privileged part" sh -c "
	nsenter -t $INIT -a journalctl -o cat THERMWATCH_EVENT=action \
	THERMWATCH_ACTION=shutdown THERMWATCH_RESULT=dry_run \
	'THERMWATCH_BY=the privileged part' | grep -q 'would run shutdown hook'"
check_eq "and the container is still up (a dry run)" \
	"$(in_ct systemctl is-system-running)" running

# 4. the watchdog: pings keep it up for three periods, and a stopped
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

# 5. systemd's own rating of the unit as it runs here
score=$(in_ct systemd-analyze security thermwatchd.service 2>/dev/null |
	sed -n 's/.*Overall exposure level for thermwatchd.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security in the container: ${score:-none} <= 3.0" \
	awk -v s="${score:-99}" 'BEGIN { exit !(s <= 3.0) }'

# 6. IPMI: the agent runs the packaged reader under its unit's sandbox
# (user thermwatch, no capabilities, the system call filter) against a
# simulated BMC on the host's loopback (LAN, UDP).
IPMI_DIR=$TW_SRC/tests/ipmi
. "$IPMI_DIR/sim_lib.sh"
tw_ports 3
LAN=$TW_PORT
sim_prepare "$W/sim" "$LAN"
setpriv --pdeathsig KILL ipmi_sim -c "$W/sim/lan.conf" -f "$SIM_EMU" \
	-s "$W/sim/state" -n -p >"$W/sim/sim.log" 2>&1 </dev/null &
echo $! >"$W/sim/sim.pid"
tw_track "$(cat "$W/sim/sim.pid")"
sim_ready "$W/sim" "$LAN"
check_eq "ipmi_sim answers on 127.0.0.1:$LAN" "$?" 0
printf 'monpw\n' >"$R/etc/thermwatch/bmc.pw"
chmod 640 "$R/etc/thermwatch/bmc.pw"
in_ct chgrp thermwatch /etc/thermwatch/bmc.pw
cat >>"$R/etc/thermwatch/thermwatch.conf" <<CONF
ipmi = { enabled = true; driver = "lan"; host = "127.0.0.1:$LAN";
	username = "mon"; password_file = "/etc/thermwatch/bmc.pw";
	workarounds = [ "opensesspriv" ]; interval_s = 1.0; };
CONF
check "the package has the IPMI reader" \
	in_ct test -x /usr/libexec/thermwatch/thermwatch-ipmi
timeout 60 nsenter -t "$INIT" -a systemctl restart thermwatchd
check_eq "restarted with IPMI on" "$(show ActiveState) $(show SubState)" \
	"active running"
main=$(show MainPID)
ipmi_read() {
	jf -u thermwatchd | grep -q "sensor ipmi:127.0.0.1:$LAN/CPU Temp: class"
}
check "it reads the BMC's sensors through thermwatch-ipmi" wait_for 30 \
	ipmi_read
jf -u thermwatchd | grep -i ipmi | tail -5
check_eq "... with their values (thermwatchctl sensors)" "$(in_ct \
	thermwatchctl --json sensors | jq -r ".[] | select(.id == \
	\"ipmi:127.0.0.1:$LAN/CPU Temp\") | [.source, .value_c] | @tsv")" \
	"$(printf 'ipmi\t40')"
check "the agent itself does not map FreeIPMI" sh -c \
	"! nsenter -t $INIT -a grep -q libfreeipmi /proc/$main/maps"
check "no IPMI failure in the journal" sh -c "! nsenter -t $INIT -a \
	journalctl -u thermwatchd -o cat | grep -qi 'ipmi.*\(fail\|denied\|cannot\)'"

# 7. why the unit has no ProcSubset=pid: with it, /proc/stat is hidden and
# the CPU utilisation unknown (one warning, status null)
cat >"$R/etc/systemd/system/thermwatchd.service.d/procsubset.conf" <<CONF
[Service]
ProcSubset=pid
CONF
in_ct systemctl daemon-reload
timeout 60 nsenter -t "$INIT" -a systemctl restart thermwatchd
hidden() {
	jf -u thermwatchd _PID="$(show MainPID)" |
	    grep -q '^cpu busy: /proc/stat: cannot open it'
}
check "ProcSubset=pid hides /proc/stat: one warning" wait_for 10 hidden
check_eq "... and cpu_busy is null" \
	"$(in_ct thermwatchctl --json status | jq -c .cpu_busy)" null
rm "$R/etc/systemd/system/thermwatchd.service.d/procsubset.conf"
in_ct systemctl daemon-reload

in_ct systemctl stop thermwatchd
check_eq "stops cleanly" "$(show Result)" success
tw_done
