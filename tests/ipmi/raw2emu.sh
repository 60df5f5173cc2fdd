#!/bin/sh
# raw2emu.sh MCADDR FILE.raw - one ipmi_sim "main_sdr_add" line per SDR record
# of a raw SDR file (sdrcomp -r). POSIX awk: Debian's mawk has no strtonum.
mc=$1
od -An -v -tu1 "$2" | tr -s ' \n' '\n\n' | sed '/^$/d' | awk -v mc="$mc" '
{ b[n++] = $1 + 0 }
END {
	i = 0
	while (i + 5 <= n) {
		len = b[i + 4] + 5
		line = "main_sdr_add " mc
		for (j = 0; j < len; j++)
			line = line sprintf(" 0x%02x", b[i + j])
		print line
		i += len
	}
}'
