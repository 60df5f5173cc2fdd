#!/bin/sh
# The control socket is fair to its clients: one local user holds at most
# 4 connections; 16 idle connections from four users do not lock the
# operator out (the idlest is closed, and told why, to make room); idle
# clients are dropped after 10 s; a user outside the socket's group cannot
# connect at all.
. "$(dirname "$0")/../lib.sh"
tw_need_root
tw_need_cmd setpriv socat jq
. "$TW_SRC/tests/ctl/ctl_lib.sh"
chmod 755 "$CT"
ct_conf
sed -i 's/mode = "0600"/mode = "0666"/' "$CT/tw.conf"
ct_start
chmod 755 "$CT/run"

# hold USER N: N idle connections as USER, each a socat that prints what
# the daemon says and exits when it closes the connection
held=
hold() {
	i=0
	while [ $i -lt "$2" ]; do
		setpriv --reuid="$(id -u "$1")" --regid="$(id -g "$1")" --clear-groups \
		    socat -u "UNIX-CONNECT:$SOCK" STDOUT > "$CT/hold.$1.$i" 2>&1 &
		held="$held $!"
		tw_track $!
		i=$((i + 1))
	done
}
alive() { n=0; for p in $held; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done; echo $n; }
told() { grep -l -- "$1" "$CT"/hold.* 2>/dev/null | wc -l; }

hold nobody 16
refused() { [ "$(told 'too many connections from nobody (max 4 per user)')" = 12 ]; }
check "one user: 4 connections, 12 refused and told why" wait_for 5 refused
check_eq "4 of nobody's held" "$(alive)" 4
hold daemon 4
hold bin 4
hold sys 4
sleep 1.5
check_eq "16 idle connections from four users" "$(alive)" 16

t0=$(date +%s%N)
out=$(ctl --json status)
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "the operator gets in" "$(echo "$out" | jq -r .host)" t1
check "at once ($ms ms)" test "$ms" -lt 1000
made_room() { [ "$(told 'idle to make room for another client (max 16)')" = 1 ]; }
check "the idlest was closed, and told why" wait_for 3 made_room
check "the daemon logged it" grep -q "closing the idlest client" "$CT/log"

gone() { [ "$(alive)" = 0 ]; }
check "idle clients are dropped after 10 s" wait_for 13 gone
check_eq "answers as before" "$(ctl --json status | jq -r .host)" t1
ct_stop

# a user the socket's mode leaves out cannot connect at all
ct_conf
sed -i 's/mode = "0600"/mode = "0660"/' "$CT/tw.conf"
ct_start
out=$(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" \
	--clear-groups "$CTL" -s "$SOCK" status 2>&1)
check_eq "a user outside the socket's group: refused" "$?" 1
case $out in *"ermission denied"*) ok "by the socket's mode (permission denied)" ;;
*) not_ok "by the socket's mode: got [$out]" ;; esac
ct_stop
tw_done
