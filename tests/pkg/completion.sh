#!/bin/sh
# bash completion offers every command of thermwatchctl and every option
# the programs' --help lists (so a new command or option without
# completion fails here), override keys, choices and scenario names.
. "$(dirname "$0")/pkg_lib.sh"
BC=/usr/share/bash-completion/bash_completion
tw_need_cmd bash
[ -f $BC ] || tw_skip "needs bash-completion ($BC)"
C=$TW_SRC/agent/dist/bash-completion
CTL=$TW_BUILD/thermwatchctl
TWD=$TW_BUILD/thermwatchd
SIM=$TW_BUILD/thermwatch-sim

# comp FILE WORD...: what bash offers for the command line WORD... (the
# last word is the one being completed), one per line, sorted
comp() {
	bash -c '
		. "$1"
		. "$2"
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		f=$(complete -p "$(basename "$1")" | sed "s/.*-F \([^ ]*\) .*/\1/")
		"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$BC" "$@" | grep . | sort -u
}
# missing WANTED OFFERED: words of WANTED (one per line) not in OFFERED
missing() {
	printf '%s\n' "$1" | grep . | sort -u | comm -23 - "$2" | paste -sd' ' -
}
T=$(mktemp -d /tmp/tw-completion.XXXXXX)
tw_at_exit 'rm -rf "$T"'

# thermwatchctl: the commands are those of --help
"$CTL" --help >"$T/help"
cmds=$(sed -n '/^commands:/,/^[^ ]/s/^  \([a-z][a-z-]*\).*/\1/p' "$T/help" | sort -u)
comp "$C/thermwatchctl" "$CTL" "" >"$T/got"
check_eq "thermwatchctl: commands of --help" "$(paste -sd' ' "$T/got")" \
	"$(echo "$cmds" | paste -sd' ' -)"
comp "$C/thermwatchctl" "$CTL" -- >"$T/got"
check_eq "thermwatchctl: global options" "$(missing \
	"$(printf '%s\n' --socket --config --json --help --version)" "$T/got")" ""
# each command's options, from its --help line and the continuation lines
# (indented 8) below it: "cmd [sub] --opt --opt ..."
awk '
	function flush() { if (line != "") print line; line = "" }
	/^commands:/ { on = 1; next }
	/^[^ ]/ { flush(); on = 0 }
	!on { next }
	/^  [a-z]/ {
		flush()
		line = $1
		if ($2 ~ /^[a-z]+$/) line = line " " $2
		line = line " :"
	}
	{ while (match($0, /--[a-z][a-z-]*/)) {
		line = line " " substr($0, RSTART, RLENGTH)
		$0 = substr($0, RSTART + RLENGTH) } }
	END { flush() }' "$T/help" >"$T/cmdopts"
while read -r words; do
	cmdline=${words%% :*}
	want=$(printf '%s\n' ${words#*:})
	[ -n "$want" ] || continue
	comp "$C/thermwatchctl" "$CTL" $cmdline -- >"$T/got"
	check_eq "thermwatchctl $cmdline: options of --help" \
		"$(missing "$want" "$T/got")" ""
done <"$T/cmdopts"
comp "$C/thermwatchctl" "$CTL" override set cpu.mi >"$T/got"
check_eq "override set: keys" "$(paste -sd' ' "$T/got")" \
	"cpu.migrate.lead_s cpu.migrate.margin_c"
comp "$C/thermwatchctl" "$CTL" -s /run/x.sock override clear q >"$T/got"
check_eq "override clear after -s: keys" "$(paste -sd' ' "$T/got")" quiet
comp "$C/thermwatchctl" "$CTL" console --privilege "" >"$T/got"
check_eq "console --privilege: levels" "$(paste -sd' ' "$T/got")" \
	"admin operator user"
comp "$C/thermwatchctl" "$CTL" watch --broker "" >"$T/got"
check_eq "watch --broker: no guess" "$(paste -sd' ' "$T/got")" ""

# thermwatchd: every long option of --help
"$TWD" --help >"$T/help"
comp "$C/thermwatchd" "$TWD" -- >"$T/got"
check_eq "thermwatchd: options of --help" "$(missing \
	"$(grep -o -- '--[a-z][a-z-]*' "$T/help")" "$T/got")" ""

# thermwatch-sim: options of --help and the scenario names of --list
"$SIM" --help >"$T/help" 2>&1
comp "$C/thermwatch-sim" "$SIM" -- >"$T/got"
check_eq "thermwatch-sim: options of --help" "$(missing \
	"$(grep -o -- '--[a-z][a-z-]*' "$T/help")" "$T/got")" ""
comp "$C/thermwatch-sim" "$SIM" "" >"$T/got"
check_eq "thermwatch-sim: scenarios of --list" "$(missing \
	"$("$SIM" --list | awk '/^[a-z]/ { print $1 }')" "$T/got")" ""
comp "$C/thermwatch-sim" "$SIM" --policy "" >"$T/got"
check_eq "thermwatch-sim --policy" "$(paste -sd' ' "$T/got")" \
	"none static thermwatch"
tw_done
