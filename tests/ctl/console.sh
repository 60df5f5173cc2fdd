#!/bin/sh
# thermwatchctl console: a SOL session with a private ipmi_sim on
# 127.0.0.1 (LAN/udp, console, channel 15: a tw_ports block) whose serial
# port is a socat listener (the block's fourth port) playing the host. Without a TTY, with
# the workarounds ipmi_sim needs (IPMI.md section 6), two sessions in a row
# (the second needs the sacrificial CR), "~." to quit, a wrong password.
. "$(dirname "$0")/../lib.sh"
tw_need_cmd ipmi_sim ipmi-raw socat bash
. "$(dirname "$0")/ctl_lib.sh"
IPMI_DIR=$TW_SRC/tests/ipmi
tw_ports 4
LAN=$TW_PORT
CON=$((TW_PORT + 1))
SER=$((TW_PORT + 2))
SOL=$((TW_PORT + 3))
D=$CT/sim
mkdir -p "$D/state"
printf 'adminpw\n' >"$CT/pw"
printf 'wrong\n' >"$CT/badpw"

# ipmi_sim and its startcmd orphan
tw_at_exit '"$IPMI_DIR/stop_sim.sh" "$D"'

# the host's serial port: log what arrives, echo it, tick once a second
cat >"$CT/hostside.sh" <<'HOST'
#!/bin/bash
LOG=$1
echo "[connected]" >>"$LOG"
( i=0; while sleep 1; do i=$((i+1)); printf 'host tick %d\r\n' $i || exit 0; done ) &
TICKER=$!
while IFS= read -r -d $'\r' line; do
	line=${line#$'\n'}
	printf 'RX:%s\n' "$line" >>"$LOG"
	printf 'host-echo: %s\r\n' "$line"
done
kill $TICKER 2>/dev/null
HOST
chmod +x "$CT/hostside.sh"
# the listener first: ipmi_sim retries a missing backend only every ~10 s
socat TCP-LISTEN:$SOL,bind=127.0.0.1,reuseaddr,fork \
	"EXEC:$CT/hostside.sh $CT/host.log" 2>"$CT/socat.log" &
SOCAT=$!
tw_track $SOCAT
# listening on 127.0.0.1:$SOL (state 0A) without connecting to it
listening() {
	grep -q "0100007F:$(printf %04X $SOL) 00000000:0000 0A" /proc/net/tcp
}
wait_for 5 listening
check "SOL backend listening" listening

sed -e "s|@RUNDIR@|$D|g" -e "s|@HERE@|$IPMI_DIR|g" -e "s|@LAN@|$LAN|g" \
	-e "s|@CON@|$CON|g" -e "s|@SER@|$SER|g" \
	-e "/^console /i\\  sol \"tcp:127.0.0.1:$SOL\" 115200" \
	"$IPMI_DIR/lan.conf.in" >"$D/lan.conf"
check "SOL line in the sim config" grep -q "sol \"tcp:127.0.0.1:$SOL\"" \
	"$D/lan.conf"
ipmi_sim -c "$D/lan.conf" -f "$IPMI_DIR/thermsim.emu" -s "$D/state" -n -p \
	>"$D/sim.log" 2>&1 </dev/null &
echo $! >"$D/sim.pid"
up() {
	ipmi-raw -h 127.0.0.1:$LAN -u admin -p adminpw -l ADMIN -D LAN_2_0 \
	    -W opensesspriv --session-timeout=500 \
	    --retransmission-timeout=100 0x0 0x06 0x01 >/dev/null 2>&1
}
wait_for 10 up
check "ipmi_sim up" up
wait_for 5 grep -q "connected" "$CT/host.log"
check "ipmi_sim connected to the SOL backend" grep -q "connected" "$CT/host.log"

console() { # TEXT [extra options]: one session sending TEXT, then ~.
	text=$1
	shift
	(sleep 2; printf '%s\r' "$text"; sleep 2; printf '~.') |
	    "$CTL" console --host 127.0.0.1:$LAN --user admin \
	    --password-file "$CT/pw" \
	    -W opensesspriv,solchannelsupport,solpayloadsize --timeout 20 "$@"
}

console "hello from thermwatchctl" --sacrificial-cr >"$CT/s1" 2>"$CT/s1.err"
check_eq "first session: exit 0" "$?" 0
check "session established" grep -q "SOL session with 127.0.0.1:$LAN established" \
	"$CT/s1.err"
check "host output reaches the operator" grep -q "host tick" "$CT/s1"
check "echo of our line" grep -q "host-echo: hello from thermwatchctl" "$CT/s1"
check "host received our line" grep -qx "RX:hello from thermwatchctl" \
	"$CT/host.log"
check "~. is not sent to the host" sh -c "! grep -q '~' '$CT/host.log'"
check "closed message" grep -q "SOL session with 127.0.0.1:$LAN closed" \
	"$CT/s1.err"

# a second session: without the sacrificial CR ipmi_sim would eat the
# start of the first packet
console "second session line" --sacrificial-cr >"$CT/s2" 2>"$CT/s2.err"
check_eq "second session: exit 0" "$?" 0
check "second line arrives whole" grep -qx "RX:second session line" \
	"$CT/host.log"

# escape char: ~~ sends one ~
(sleep 2; printf '~~tilde\r'; sleep 2; printf '~.') |
    "$CTL" console --host 127.0.0.1:$LAN --user admin \
    --password-file "$CT/pw" -W opensesspriv,solchannelsupport,solpayloadsize \
    --sacrificial-cr --timeout 20 >"$CT/s3" 2>"$CT/s3.err"
check "~~ sends one ~" grep -qx "RX:~tilde" "$CT/host.log"

# no "~.": the end of input ends the session after --linger
printf 'line then eof\r' | "$CTL" console --host 127.0.0.1:$LAN --user admin \
    --password-file "$CT/pw" -W opensesspriv,solchannelsupport,solpayloadsize \
    --sacrificial-cr --linger 2s >"$CT/s5" 2>"$CT/s5.err"
check_eq "end of input: exit 0" "$?" 0
check "line sent before the end" grep -qx "RX:line then eof" "$CT/host.log"
check "its echo read while lingering" grep -q "host-echo: line then eof" "$CT/s5"

# a wrong password: a clear error, exit 1
printf '' | "$CTL" console --host 127.0.0.1:$LAN --user admin \
    --password-file "$CT/badpw" \
    -W opensesspriv,solchannelsupport,solpayloadsize >"$CT/s4" 2>"$CT/s4.err"
check_eq "wrong password: exit 1" "$?" 1
check "wrong password: message" grep -q "no SOL session with 127.0.0.1:$LAN" \
	"$CT/s4.err"
cat "$CT/s4.err"
check "ipmi_sim survived" kill -0 "$(cat "$D/sim.pid")"
[ "$tw_fails" = 0 ] || { echo "# host.log:"; cat "$CT/host.log"; echo "# sim.log:"; cat "$D/sim.log"; }
tw_done
