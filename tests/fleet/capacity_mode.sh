#!/bin/sh
# capacity_mode.sh FILE - a fleet.capacity_command for test_capacity: each
# run does what FILE says (read anew each time, so the test can change it):
#   ok VMS MEM   print the capacity
#   vms VMS      print only spare_vms
#   fail         exit 3 with a reason on stderr
#   junk         print something that is not the capacity
#   hang         never end (ignores SIGTERM: SIGKILL must come)
read -r mode a b < "$1"
case $mode in
ok) printf '{"spare_vms": %s, "spare_mem_mb": %s}\n' "$a" "$b" ;;
vms) printf '{"spare_vms": %s}\n' "$a" ;;
fail) echo "virsh: cannot connect" >&2; exit 3 ;;
junk) echo "free: 12 VMs" ;;
hang) trap '' TERM; while :; do sleep 1; done ;;
esac
