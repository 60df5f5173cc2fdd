#!/bin/sh
# bench_ipmi.sh - per-cycle cost of reading the BMC's temperature sensors
# with a warm SDR cache: the agent's IPMI source (fork, libipmimonitoring
# in the child, results back over a pipe, parsed, emitted; thresholds are
# cached) against FreeIPMI's own ipmi-sensors reading the same simulated
# BMC with a warm cache, in the same run. Prints both and the ratio.
# Target: our cycle well under 1/5 of the CLI's.
#	bench_ipmi.sh [CYCLES]		(default 200)
. "$(dirname "$0")/ipmi_lib.sh"
N=${1:-200}

sim_start || { not_ok "ipmi_sim starts"; tw_done; exit 1; }
PW=$(pwfile pw monpw)
write_conf "$RUN/b.conf" "$PW"

BMC_DRIVE_QUIET=1 "$DRIVE" -c "$RUN/b.conf" -s "$RUN/state" bench "$N" \
    > "$RUN/bench.out" 2> "$RUN/bench.err"
check "thermwatch cycles ran" [ $? = 0 ]
b=$(grep '^BENCH' "$RUN/bench.out")
ours_med=$(field "$b" median_us)
ours_mean=$(field "$b" mean_us)
first=$(field "$(grep '^FIRST' "$RUN/bench.out")" ms)

mkdir -p "$RUN/cli-sdr"
A="-h 127.0.0.1:$LAN -u mon -p monpw -l USER -D LAN_2_0 -W opensesspriv"
ipmi-sensors $A --sdr-cache-directory="$RUN/cli-sdr" --quiet-cache \
    -t Temperature > "$RUN/cli.out" 2>&1	# warm the CLI's cache
check_eq "ipmi-sensors reads the same 4 sensors" \
    "$(grep -c Temperature "$RUN/cli.out")" 4
: > "$RUN/cli.times"
i=0
while [ $i -lt "$N" ]; do
	t0=$(date +%s%N)
	ipmi-sensors $A --sdr-cache-directory="$RUN/cli-sdr" --quiet-cache \
	    -t Temperature > /dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >> "$RUN/cli.times"
	i=$((i + 1))
done
cli_med=$(sort -n "$RUN/cli.times" | awk '{ v[NR] = $1 }
    END { print v[int((NR + 1) / 2)] }')
cli_mean=$(awk '{ s += $1 } END { printf "%d", s / NR }' "$RUN/cli.times")

ratio=$(awk -v a="$ours_med" -v b="$cli_med" 'BEGIN { printf "%.3f", a / b }')
echo "# IPMI read cycle, warm SDR cache, $N cycles, 4 temperature sensors"
echo "#   thermwatch (fork + libipmimonitoring + pipe): median $ours_med us, mean $ours_mean us"
echo "#   ipmi-sensors -t Temperature (process):        median $cli_med us, mean $cli_mean us"
echo "#   thermwatch first read (cold SDR cache + live thresholds): $first ms"
echo "#   ratio (median): $ratio   target < 0.200: $(awk -v r="$ratio" \
    'BEGIN { print (r < 0.2) ? "met" : "NOT met" }')"
check "both were measured" [ -n "$ours_med" ] && [ -n "$cli_med" ]
tw_done
