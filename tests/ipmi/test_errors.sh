#!/bin/sh
# Clear errors naming the BMC for a wrong password, a wrong user, a wrong
# port, a missing workaround and every kind of bad password file; config
# mistakes are file:line errors; a failing BMC never stops the loop, is
# logged once, and the source recovers once the password file is fixed.
. "$(dirname "$0")/ipmi_lib.sh"

sim_start || { not_ok "ipmi_sim starts"; tw_done; exit 1; }
H="ipmi 127.0.0.1:$LAN"

# expect_err NAME CONF PATTERN: a blocking read fails with PATTERN
expect_err() {
	"$DRIVE" -c "$2" -s "$RUN/state" once > "$RUN/$1.out" 2> "$RUN/$1.err"
	rc=$?
	check "$1: the read fails" [ $rc = 1 ]
	check_eq "$1: no readings" "$(grep -c '^R' "$RUN/$1.out")" 0
	if grep -qF -- "$3" "$RUN/$1.err"; then
		ok "$1: says \"$3\""
	else
		not_ok "$1: says \"$3\" (got: $(cat "$RUN/$1.err"))"
	fi
}

write_conf "$RUN/wrongpw.conf" "$(pwfile wrongpw nottheone)"
expect_err wrong-password "$RUN/wrongpw.conf" \
    "$H: invalid password for user \"mon\" (password file $RUN/wrongpw)"

sed 's/"mon"/"nosuch"/' "$RUN/wrongpw.conf" > "$RUN/user.conf"
expect_err wrong-user "$RUN/user.conf" "$H: invalid user name \"nosuch\""

PW=$(pwfile pw monpw)
write_conf "$RUN/nows.conf" "$PW"
sed -i 's/"opensesspriv"/"authcap"/' "$RUN/nows.conf"
expect_err no-workaround "$RUN/nows.conf" \
    "need workarounds = [ \"opensesspriv\" ]"

# Nothing listens on $CLOSED: no answer, after timeout_s, not after the
# library default of 60 s.
write_conf "$RUN/port.conf" "$PW"
sed -i "s/127.0.0.1:$LAN/127.0.0.1:$CLOSED/" "$RUN/port.conf"
t0=$(now_ms)
expect_err wrong-port "$RUN/port.conf" \
    "ipmi 127.0.0.1:$CLOSED: no answer from the BMC within timeout_s = 1 s"
check_le "wrong port: gives up within the deadline (ms)" \
    $(($(now_ms) - t0)) 2600

# In-band, where this machine has no BMC: the message says what to do.
if [ ! -e /dev/ipmi0 ] && [ ! -e /dev/ipmi/0 ] && [ ! -e /dev/ipmidev/0 ]; then
	printf 'ipmi = { enabled = true; driver = "auto"; };\n' \
	    > "$RUN/inband.conf"
	expect_err in-band-none "$RUN/inband.conf" \
	    "ipmi local: no in-band IPMI interface found (are the ipmi_si"
	check "in-band: points at the udev rule" \
	    grep -q "udev/60-thermwatch-ipmi.rules" "$RUN/in-band-none.err"
else
	echo "# this machine has an in-band BMC: in-band error case skipped"
fi
printf 'ipmi = { enabled = true; driver = "openipmi"; device = "%s"; };\n' \
    "$RUN/no-such-dev" > "$RUN/inband2.conf"
expect_err in-band-device "$RUN/inband2.conf" \
    "ipmi local: cannot open $RUN/no-such-dev: No such file or directory"

# Bad password files.
printf 'mon\001\377\000pw\n' > "$RUN/garbage"
chmod 600 "$RUN/garbage"
printf 'monpw\nsecond line\n' > "$RUN/twolines"
chmod 600 "$RUN/twolines"
printf 'abcdefghijklmnopqrstuvwxyz\n' > "$RUN/toolong"
chmod 600 "$RUN/toolong"
: > "$RUN/empty"
chmod 600 "$RUN/empty"
printf 'monpw\n' > "$RUN/public"
chmod 644 "$RUN/public"
for c in "garbage:it holds control or binary bytes" \
    "twolines:more than one line" \
    "toolong:26 bytes, IPMI allows at most 20" \
    "empty:is empty" \
    "public:is readable by everyone (mode 0644)" \
    "missing:cannot read password file $RUN/missing: No such file"; do
	f=${c%%:*}
	write_conf "$RUN/$f.conf" "$RUN/$f"
	expect_err "pwfile-$f" "$RUN/$f.conf" "$H: "
	check "password file $f: names the file" \
	    grep -qF -- "password file $RUN/$f" "$RUN/pwfile-$f.err"
	check "password file $f: ${c#*:}" \
	    grep -qF -- "${c#*:}" "$RUN/pwfile-$f.err"
done

# Config mistakes: file:line, all of them, with suggestions.
cat > "$RUN/bad.conf" <<'EOF'
ipmi = {
	enabled = true;
	driver = "lan";
	password = "secret";
	usernmae = "mon";
	workarounds = [ "opensespriv" ];
	timeout_s = 5.0;
	deadline_s = 4.0;
	trip_threshold = "upper-critcal";
	watchdog = { privilege = "user"; };
};
EOF
"$DRIVE" -c "$RUN/bad.conf" once > /dev/null 2> "$RUN/bad.err"
check_eq "config errors: exit status 2" $? 2
for pat in "bad.conf:4: no passwords in the main config" \
    "bad.conf:5: unknown setting 'usernmae'" "did you mean 'username'" \
    'bad.conf:6: unknown IPMI workaround "opensespriv"' \
    'did you mean "opensesspriv"' \
    'deadline_s (4) must be longer than timeout_s (5)' \
    'driver "lan" needs' \
    'did you mean "upper-critical"' \
    'bad.conf:10: ' 'Set Watchdog Timer needs'; do
	check "config error: $pat" grep -qF -- "$pat" "$RUN/bad.err"
done

# A failing BMC inside the loop: the loop keeps its cadence, the error is
# logged once, an authentication failure backs off to backoff_max_s at
# once, and fixing the password file is enough to recover.
cp "$RUN/wrongpw" "$RUN/live"
write_conf "$RUN/live.conf" "$RUN/live"
"$DRIVE" -c "$RUN/live.conf" -s "$RUN/state" run 9 250 > "$RUN/live.out" \
    2> "$RUN/live.err" &
DPID=$!
tw_track $DPID
sleep 5
printf 'monpw\n' > "$RUN/live"
wait "$DPID"
tw_untrack "$DPID"
check_eq "wrong password logged once" \
    "$(grep -c "$H: invalid password" "$RUN/live.err")" 1
nfail=$(field "$(grep '^STATS' "$RUN/live.out")" failed)
check_le "authentication failures back off (failed reads in 5 s)" \
    "$nfail" 4
check "recovers once the password file is fixed" \
    grep -q "$H: readings back" "$RUN/live.err"
check "readings after the fix" grep -q '^R' "$RUN/live.out"
maxlate=$(field "$(grep '^CADENCE' "$RUN/live.out")" max_late_ms)
# a tick is 250 ms: late by under two ticks is scheduling noise on a
# loaded CI machine, not a loop that waits for the BMC
check_le "the loop kept its cadence (worst lateness, ms)" "$maxlate" 500

tw_done
