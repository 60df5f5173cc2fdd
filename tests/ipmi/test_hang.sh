#!/bin/sh
# A BMC that hangs (ipmi_sim stopped), a read that hangs inside the
# library (the child stopped), a BMC that dies and comes back: the loop
# keeps its cadence, there is never more than one IPMI child, the error is
# reported once within one deadline, the hung child is killed at the
# deadline, and readings come back when the BMC does.
. "$(dirname "$0")/ipmi_lib.sh"

TICK=250
DEADLINE_MS=2500

sim_start || { not_ok "ipmi_sim starts"; tw_done; exit 1; }
PW=$(pwfile pw monpw)
write_conf "$RUN/a.conf" "$PW"

# The driver runs until the steps below are done (SIGUSR1), 90 s at most:
# on a loaded machine the steps themselves take longer than on a quiet one.
"$DRIVE" -c "$RUN/a.conf" -s "$RUN/state" run 90 $TICK > "$RUN/run.out" \
    2> "$RUN/run.err" &
DPID=$!
tw_track $DPID
wait_for 5 grep -q '^START' "$RUN/run.out"
W0=$(field "$(grep '^START' "$RUN/run.out")" wall_ms)
rel() { echo $(($(now_ms) - W0)); }
nread() { grep -c '^R' "$RUN/run.out"; }

wait_for 5 grep -q '^R' "$RUN/run.out"
check "readings arrive" [ "$(nread)" -gt 0 ]
sleep 1

# 1. The BMC hangs.
kill -STOP "$(sim_pid)"
TS=$(rel)
maxkids=0
i=0
while [ $i -lt 30 ]; do
	k=$(pgrep -P "$DPID" | wc -l)
	[ "$k" -gt $maxkids ] && maxkids=$k
	sleep 0.1
	i=$((i + 1))
done
check_le "never more than one IPMI child" "$maxkids" 1

# 2. A read that hangs inside the library: stop the child itself; the
# parent must SIGKILL it at the deadline.
wait_for 3 sh -c "pgrep -P $DPID > /dev/null"
CHILD=$(pgrep -P "$DPID" | head -n 1)
if [ -n "$CHILD" ]; then
	kill -STOP "$CHILD"
	TSTOP=$(rel)
	wait_for 6 sh -c "! kill -0 $CHILD 2>/dev/null"
	TGONE=$(rel)
	check_le "the hung child is killed by the deadline (ms)" \
	    $((TGONE - TSTOP)) $((DEADLINE_MS + 500))
	wait_for 3 grep -q 'no answer within deadline_s = 2.5 s' \
	    "$RUN/run.err"
	check "the kill is reported" grep -q \
	    "ipmi 127.0.0.1:$LAN: no answer within deadline_s = 2.5 s" \
	    "$RUN/run.err"
else
	not_ok "found an IPMI child to stop"
fi
sleep 1

# 3. The BMC answers again.
kill -CONT "$(sim_pid)"
TC=$(rel)
wait_for 6 grep -q 'readings back' "$RUN/run.err"
check "recovery is logged" grep -q \
    "ipmi 127.0.0.1:$LAN: readings back after" "$RUN/run.err"
sleep 1

# 4. The BMC dies and comes back (new SDR timestamps: the cache is redone).
CACHE="$RUN/state/ipmi-127.0.0.1:$LAN/sdrcache.127.0.0.1:$LAN"
before=$(stat -c '%i %Y %s' "$CACHE" 2>/dev/null)
sim_stop
TK=$(rel)
sleep 1.5
sim_start > /dev/null || not_ok "ipmi_sim restarts"
TR=$(rel)
wait_for 8 sh -c "awk -F'\t' -v tr=$TR '/^R/ { sub(\"t=\", \"\", \$2); \
    if (\$2 + 0 > tr) found = 1 } END { exit !found }' '$RUN/run.out'"
kill -USR1 "$DPID"
wait "$DPID"
check "driver exits cleanly" [ $? = 0 ]
tw_untrack "$DPID"

# Timeline checks on the driver's own clock.
first_fail=$(awk -F'\t' '/^TICK/ && $5 != "fail=0" { sub("t=", "", $2);
    print $2; exit }' "$RUN/run.out")
check_le "the failure is seen within one deadline (stopped at $TS ms, \
seen at ${first_fail:-never} ms)" "$((${first_fail:-999999} - TS))" \
    $((DEADLINE_MS + TICK))
# A read in flight when the BMC stopped may still end after TS with the
# answers it had (its time is when the library call returned, after the
# session close timed out). Every read that begins at a tick after TS whose
# line says busy=0 (printed before the tick starts its read) started
# against the stopped BMC and must yield nothing until TC.
idle=$(awk -F'\t' -v s="$TS" '/^TICK/ && $4 == "busy=0" { t = $2;
    sub("t=", "", t); if (t + 0 > s) { print t; exit } }' "$RUN/run.out")
late=$(awk -F'\t' -v a="${idle:-$TS}" -v b="$TC" '/^R/ { sub("t=", "", $2);
    if ($2 + 0 > a && $2 + 0 < b) n++ } END { print n + 0 }' "$RUN/run.out")
check_eq "no readings from reads begun after the BMC hung (from $idle ms)" \
    "$late" 0
back=$(awk -F'\t' -v c="$TC" '/^R/ { sub("t=", "", $2);
    if ($2 + 0 > c) { print $2; exit } }' "$RUN/run.out")
check_le "readings back within backoff + timeout" \
    "$((${back:-999999} - TC))" 4500
back2=$(awk -F'\t' -v c="$TR" '/^R/ { sub("t=", "", $2);
    if ($2 + 0 > c) { print $2; exit } }' "$RUN/run.out")
check_le "readings back after a BMC restart" "$((${back2:-999999} - TR))" \
    4500
after=$(stat -c '%i %Y %s' "$CACHE" 2>/dev/null)
check "the SDR cache was rebuilt for the new BMC" [ "$before" != "$after" ]
# Warnings of the hang episode: the lines before the first recovery.
nwarn=$(sed '/readings back/q' "$RUN/run.err" |
    grep -c "ipmi 127.0.0.1:$LAN: no answer from the BMC")
nfail=$(grep '^STATS' "$RUN/run.out" | tr '\t' '\n' | sed -n 's/^failed=//p')
check_le "a hung BMC is reported once, not per read ($nfail failed reads)" \
    "$nwarn" 1
check_le "several reads failed while it hung" 3 "$nfail"
cad=$(grep '^CADENCE' "$RUN/run.out")
ticks=$(field "$cad" ticks)
maxlate=$(field "$cad" max_late_ms)
echo "# loop cadence: $ticks ticks of $TICK ms, worst lateness $maxlate ms"
# blocked by the BMC, a tick would be late by a whole deadline (>= 2.5 s);
# 1 s keeps that apart from scheduling noise on a loaded CI machine
check_le "the loop kept its cadence (worst lateness, ms)" "$maxlate" 1000
last_t=$(awk -F'\t' '/^TICK/ { sub("t=", "", $2); t = $2 } END { print t + 0 }' \
    "$RUN/run.out")
check_le "every tick ran ($ticks ticks in $last_t ms)" $((last_t / TICK)) "$ticks"
check "no child left behind" sh -c "! pgrep -P $DPID > /dev/null"

tw_done
