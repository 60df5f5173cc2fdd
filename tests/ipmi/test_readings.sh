#!/bin/sh
# Readings, names, classes and thresholds from a simulated BMC match its
# SDR (and what FreeIPMI's own ipmi-sensors reads from the same BMC);
# live threshold and state changes; trip_threshold; sensor types.
. "$(dirname "$0")/ipmi_lib.sh"

sim_start || { not_ok "ipmi_sim starts"; tw_done; exit 1; }
PW=$(pwfile pw monpw)
write_conf "$RUN/a.conf" "$PW"

"$DRIVE" -c "$RUN/a.conf" -s "$RUN/state" once > "$RUN/once.out" \
    2> "$RUN/once.err"
check "one blocking read works" [ $? = 0 ]
check_eq "four temperature sensors, the voltage is not one" \
    "$(grep -c '^R' "$RUN/once.out")" 4
check "SDR cache in the state directory" \
    [ -f "$RUN/state/ipmi-127.0.0.1:$LAN/sdrcache.127.0.0.1:$LAN" ]

# name class value unc uc unr trip from state
while read -r name cls val unc uc unr trip from; do
	name=$(echo "$name" | tr _ ' ')
	r=$(reading "$RUN/once.out" "$name")
	check "$name: present" [ -n "$r" ]
	check_eq "$name: id" "$(field "$r" id)" "ipmi:127.0.0.1:$LAN/$name"
	check_eq "$name: source" "$(field "$r" source)" ipmi
	check_eq "$name: class" "$(field "$r" class)" "$cls"
	check_eq "$name: value" "$(field "$r" value)" "$val"
	check_eq "$name: upper non-critical" "$(field "$r" unc)" "$unc"
	check_eq "$name: upper critical" "$(field "$r" uc)" "$uc"
	check_eq "$name: upper non-recoverable" "$(field "$r" unr)" "$unr"
	check_eq "$name: trip" "$(field "$r" trip)" "$trip"
	check_eq "$name: trip from" "$(field "$r" from)" "$from"
	check_eq "$name: state" "$(field "$r" state)" nominal
	check_eq "$name: quality" "$(field "$r" quality)" ok
done <<'EOF'
CPU_Temp cpu 40.00 85.00 95.00 105.00 95.00 upper-critical
Inlet_Temp inlet 22.00 30.00 35.00 40.00 35.00 upper-critical
Exhaust_Temp exhaust 35.00 45.00 55.00 65.00 55.00 upper-critical
PCH_Temp other 50.00 70.00 80.00 nan 80.00 upper-critical
EOF

# A corrupt SDR cache is rebuilt, not trusted.
CACHE="$RUN/state/ipmi-127.0.0.1:$LAN/sdrcache.127.0.0.1:$LAN"
good=$(cksum < "$CACHE")
head -c 300 /dev/urandom > "$CACHE"
"$DRIVE" -c "$RUN/a.conf" -s "$RUN/state" once > "$RUN/corrupt.out" 2>&1
check_eq "corrupt SDR cache: still four sensors" \
    "$(grep -c '^R' "$RUN/corrupt.out")" 4
check_eq "corrupt SDR cache: rebuilt" "$(cksum < "$CACHE")" "$good"
r=$(reading "$RUN/corrupt.out" "Exhaust Temp")
check_eq "corrupt SDR cache: thresholds still right" \
    "$(field "$r" unc) $(field "$r" uc) $(field "$r" unr)" "45.00 55.00 65.00"

# The same BMC through FreeIPMI's CLI: same names, values, thresholds.
mkdir -p "$RUN/cli-sdr"
ipmi-sensors $IPMI_ADMIN --sdr-cache-directory="$RUN/cli-sdr" --quiet-cache \
    --output-sensor-thresholds --comma-separated-output --no-header-output \
    -t Temperature > "$RUN/cli.out" 2>&1
check "ipmi-sensors reads the sim" [ $? = 0 ]
while IFS=, read -r rid name type val unit lnr lc lnc unc uc unr ev; do
	r=$(reading "$RUN/once.out" "$name")
	f() { [ "$1" = N/A ] && echo nan || echo "$1"; }
	check_eq "ipmi-sensors agrees on $name" \
	    "$(field "$r" value) $(field "$r" unc) $(field "$r" uc) $(field "$r" unr)" \
	    "$val $(f "$unc") $(f "$uc") $(f "$unr")"
done < "$RUN/cli.out"

# Live changes: values into the warning and critical bands, and a live
# threshold change (Get Sensor Thresholds beats the SDR copy).
con "sensor_set_value 0x20 0 1 86 0" "sensor_set_value 0x20 0 2 36 0" \
    "sensor_set_value 0x20 0 3 66 0" \
    "sensor_set_threshold 0x20 0 4 readable 011000 0 90 75 0 0 0"
"$DRIVE" -c "$RUN/a.conf" -s "$RUN/state" once > "$RUN/once2.out" 2>&1
r=$(reading "$RUN/once2.out" "CPU Temp")
check_eq "CPU at 86: value" "$(field "$r" value)" 86.00
check_eq "CPU above UNC: warning" "$(field "$r" state)" warning
r=$(reading "$RUN/once2.out" "Inlet Temp")
check_eq "Inlet above UC: critical" "$(field "$r" state)" critical
r=$(reading "$RUN/once2.out" "Exhaust Temp")
check_eq "Exhaust above UNR: critical" "$(field "$r" state)" critical
r=$(reading "$RUN/once2.out" "PCH Temp")
check_eq "PCH live thresholds" "$(field "$r" unc) $(field "$r" uc)" \
    "75.00 90.00"
check_eq "PCH trip follows the live UC" "$(field "$r" trip)" 90.00

# trip_threshold = upper-non-recoverable; PCH has none and falls back.
write_conf "$RUN/b.conf" "$PW" 'trip_threshold = "upper-non-recoverable";' \
    'temperature_only = false;'
"$DRIVE" -c "$RUN/b.conf" -s "$RUN/state" once > "$RUN/once3.out" 2>&1
r=$(reading "$RUN/once3.out" "CPU Temp")
check_eq "UNR trip" "$(field "$r" trip) $(field "$r" from)" \
    "105.00 upper-non-recoverable"
r=$(reading "$RUN/once3.out" "PCH Temp")
check_eq "no UNR: falls back to UC" "$(field "$r" trip) $(field "$r" from)" \
    "90.00 upper-critical"
check_eq "all sensor types read, only temperatures kept" \
    "$(grep -c '^R' "$RUN/once3.out")" 4
if grep -q 'P12V' "$RUN/once3.out"; then
	not_ok "the voltage never shows up"
else
	ok "the voltage never shows up"
fi

tw_done
