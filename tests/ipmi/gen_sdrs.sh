#!/bin/sh
# gen_sdrs.sh - write the SDR source of the test BMC (sdrcomp format) to stdout.
#
# Regenerate thermsim.emu's SDR lines with:
#   ./gen_sdrs.sh > /tmp/t.sdrs && sdrcomp -r -o /tmp/t.raw /tmp/t.sdrs &&
#   ./raw2emu.sh 0x20 /tmp/t.raw
# The *_thrsh_readable lines matter: without them libfreeipmi reports no
# readable threshold at all.
cat <<'HDR'
sdr type 18
	device_slave_address	0x20
	device_channel_number	0
	chassis			true
	ipmb_event_gen		false
	ipmb_event_recv		false
	fru_inventory		false
	sel			true
	sdr			true
	sensor			true
	entity_id		system_board
	entity_instance		1
	id_string		"thermsim BMC"
endsdr

sdr type 3
	sensor_owner_id		0x20
	sensor_owner_lun	0
	channel_number		0
	sensor_number		0
	entity_id		system_board
	entity_instance		1
	sensor_type		Watchdog_2
	event_reading_type_code	0x6f
	id_string		"watchdog"
endsdr
HDR

# num type unit entity inst name unc uc unr nominal  (- = threshold absent)
while read -r num type unit ent inst name unc uc unr nom; do
	printf '\nsdr type 1\n'
	cat <<REC
	sensor_owner_id		0x20
	sensor_owner_lun	0
	channel_number		0
	sensor_number		$num
	entity_id		$ent
	entity_instance		$inst
	init_scanning		true
	init_events		true
	init_thresholds		true
	init_hysteresis		true
	init_sensor_type	true
	default_event_gen_on	true
	default_sensor_scan_on	true
	sensor_auto_rearm	true
	sensor_hysteresis	readable
	sensor_threshold_access	readable
	sensor_event_msg_ctrl	per_state
	sensor_type		$type
	event_reading_type_code	1
	analog_data_format	unsigned
	rate_unit		none
	modifier_unit		none
	percentage		false
	base_unit		$unit
	modifier_unit_code	unspecified
	linearization		linear
	m			1
	tolerance		0
	b			0
	accuracy		1
	accuracy_exp		0
	sensor_direction	input
	r_exp			0
	b_exp			0
	nominal_specified	true
	nominal_reading		$nom
	sensor_maximum		255
	sensor_minimum		0
	positive_hysteresis	2
	negative_hysteresis	2
REC
	for t in unc uc unr; do
		eval v=\$$t
		[ "$v" = - ] && continue
		printf '\treturn_%s\t\ttrue\n' "$t"
		printf '\tassert_%sgh\t\ttrue\n\tdeassert_%sgh\t\ttrue\n' "$t" "$t"
		printf '\t%s_thrsh_readable\ttrue\n' "$t"
		printf '\t%s_thresh\t\t%s\n' "$t" "$v"
	done
	printf '\tid_string\t\t"%s"\nendsdr\n' "$(echo "$name" | tr _ ' ')"
done <<'SENSORS'
1 Temperature degrees_C processor 1 CPU_Temp 85 95 105 40
2 Temperature degrees_C external_environment 1 Inlet_Temp 30 35 40 22
3 Temperature degrees_C system_chassis 1 Exhaust_Temp 45 55 65 35
4 Temperature degrees_C system_board 1 PCH_Temp 70 80 - 50
5 Voltage Volts system_board 1 P12V_Rail 13 14 15 12
SENSORS
