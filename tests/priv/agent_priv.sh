#!/bin/sh
# The privilege separation end to end, without systemd: thermwatch-privd
# socket activated by systemd-socket-activate (Accept=yes, SOCK_SEQPACKET,
# as thermwatch-priv.socket does), thermwatchd as user nobody on a fake
# hwmon tree with --priv-socket, a simulated BMC (ipmi_sim). A heat ramp
# ends in the shutdown sequence: privd arms the BMC watchdog with its own
# IPMI session, then runs the shutdown hook as root with the agent's
# THERMWATCH_* variables and its own PATH and timeout; the daemon never
# runs a hook itself. A client that sends anything but the fixed requests
# is refused, and privd goes on.
. "$(dirname "$0")/../e2e/e2e_lib.sh"
e2e_need_ipmi
tw_need_cmd systemd-socket-activate setpriv
[ -x /usr/bin/python3 ] || tw_skip "needs /usr/bin/python3"
PRIVD=$TW_BUILD/thermwatch-privd
[ -x "$PRIVD" ] || tw_skip "no $PRIVD (build first)"
chmod 1777 "$D" "$D/state" # the daemon runs as nobody
SOCK=$D/priv.sock

# the hook: who ran it, then the recording hook
cat >"$D/hook.sh" <<EOF
#!/bin/sh
id -u >>"$D/hook.uid"
exec "$HOOK" "\$@"
EOF
chmod 755 "$D/hook.sh"
e2e_sim || { not_ok "ipmi_sim did not start"; tw_done; exit 1; }
HOOK_NOTIFY="\"$D/hook.sh\", \"$REC\"" HOOK_MIGRATE="\"$D/hook.sh\", \"$REC\"" \
HOOK_SHUTDOWN="\"$D/hook.sh\", \"$REC\", \"wd\", \"$PORT_IPMI\"" \
e2e_conf "" "$(ipmi_group)"
chmod 644 "$D/tw.conf"
# the daemon (nobody) reads the BMC too; the password file is for its group
chgrp nogroup "$D/ipmi.pw" && chmod 640 "$D/ipmi.pw"

systemd-socket-activate -l "$SOCK" --seqpacket -a \
	"$PRIVD" -f -c "$D/tw.conf" --peer-user nobody >"$D/privd.log" 2>&1 &
tw_track $!
wait_for 5 test -S "$SOCK"
chmod 666 "$SOCK" # thermwatch-priv.socket: owned by the agent's user, 0600

TWD="setpriv --reuid=nobody --regid=nogroup --clear-groups $TW_BUILD/thermwatchd"
e2e_start 66000 --priv-socket "$SOCK"
check "daemon started" has_log "thermwatchd .* started"
check_eq "the daemon runs as nobody" "$(ps -o user= -p "$DPID")" nobody
wait_for 5 has_log "privileged part: connected to $SOCK"
check "connected to the privileged part" \
	has_log "privileged part: connected to $SOCK"

ramp 66000 100000 500 0.5
wait_for 45 runs_ge shutdown 1
ramp_stop
sleep 1
check_eq "the shutdown hook ran once" "$(runs shutdown)" 1
check "notify and migrate ran before it" in_order "$REC" \
	"action=notify.state=warn" "action=migrate" "action=shutdown"
check "the hooks ran as root (privd), never as the daemon's user" \
	sh -c "[ -s '$D/hook.uid' ] && ! grep -qv '^0\$' '$D/hook.uid'"
check "privd ran it for the agent" grep -q \
	"running shutdown hook for the agent: $D/hook.sh $REC" "$D/privd.log"
check "privd armed the BMC watchdog for the agent" grep -q \
	"BMC watchdog for the agent: .* BMC watchdog armed: power-down in 13" \
	"$D/privd.log"
check "the agent: armed, before its hook ran" in_order "$D/log" \
	"BMC watchdog armed, power down in 13 s" \
	"running shutdown hook through the privileged part"
wd=$(cat "$REC.wd" 2>/dev/null)
echo "# watchdog seen by the hook: $wd"
check "the hook saw the BMC watchdog running: power down in 13 s" \
	sh -c "echo '$wd' | grep -qiE '44 02 00 [0-9a-f]{2} 82 00'"
check "the daemon handed it over" \
	has_log "running shutdown hook through the privileged part"
check "the agent's end of it: done" has_log "shutdown hook .*: done (exit 0)"
envf=$REC.env.shutdown.1
check "the hook got the agent's THERMWATCH_STATE" \
	grep -qx "THERMWATCH_STATE=critical" "$envf"
check "and THERMWATCH_ACTION_ID" grep -q "^THERMWATCH_ACTION_ID=$H-" "$envf"
check "privd's own PATH" grep -qx \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	"$envf"
check "privd's own timeout (shutdown_timeout_s 5)" \
	grep -qx "THERMWATCH_TIMEOUT_S=5" "$envf"
check "nothing but PATH and THERMWATCH_*" test -z \
	"$(grep -v -e '^PATH=' -e '^THERMWATCH_' -e '^PWD=' "$envf")"

# Anything but the fixed requests is refused; privd serves on.
cat >"$D/client.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.settimeout(5)
for m in sys.argv[2:]:
    s.send(m.encode())
    print(s.recv(65536).decode())
EOF
setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 "$D/client.py" \
	"$SOCK" '{"req":"hello","version":1}' \
	'{"req":"exec","argv":["/bin/sh","-c","id"]}' \
	'{"req":"run","id":"x","kind":"shutdown","attempt":1,"dry_run":false,"env":{"LD_PRELOAD":"/tmp/evil.so"}}' \
	'{"req":"reload","path":"/tmp/evil.conf"}' \
	'{"req":"watchdog","countdown_s":0}' >"$D/client.out" 2>&1
cat "$D/client.out"
check_eq "four requests refused" "$(grep -c '"rep":"refused"' "$D/client.out")" 4
check "refused and logged: an unknown request" grep -q \
	'refused request "exec" from the agent: no such request' "$D/privd.log"
check "refused and logged: LD_PRELOAD" grep -qF \
	'refused request "run" from the agent: variable "LD_PRELOAD" refused' \
	"$D/privd.log"
check_eq "the refused run ran nothing" "$(runs shutdown)" 1

# A connection from another user than the agent's is not served.
/usr/bin/python3 "$D/client.py" "$SOCK" '{"req":"hello","version":1}' \
	>"$D/root.out" 2>&1
check "root is not the agent: no answer" \
	sh -c "! grep -q '\"rep\"' '$D/root.out'"
check "and that is logged" grep -q \
	"refused a connection from uid 0" "$D/privd.log"
e2e_stop
check "no sanitizer report from privd" \
	sh -c "! grep -q 'Sanitizer\|runtime error:' '$D/privd.log'"
tw_done
