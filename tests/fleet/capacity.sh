#!/bin/sh
# capacity.sh VMS MEM_MB [FILE] - the test's fleet.capacity_command: prints
# the spare capacity as the agent expects it; with FILE, each run appends
# its environment there (the agent gives a clean one).
[ -n "${3:-}" ] && env | sort >> "$3" && echo --- >> "$3"
printf '{"spare_vms": %s, "spare_mem_mb": %s}\n' "$1" "$2"
