#!/bin/sh
# thermwatchctl top in a real terminal: tmux (its own server), 80x24.
# A private mosquitto (127.0.0.1, tw_ports); top starts first, then
# thermwatch-sim --mqtt plays the AC failure into the broker (60 hosts in
# zones A and B, 7h20m into the incident: critical, hot, warn and ok hosts
# and a zone cooling alarm), a real thermwatchd without sensors (t1,
# degraded) runs beside it and another one (t2) is stopped (its status
# goes offline). capture-pane must show, for every host, the state the
# broker holds for it, each row in its state's colour, the zone alarm on
# top, rows sorted by eta; keys change the sort and scroll, a narrow
# terminal drops columns, q quits with 0. Then top --local on t1's
# control socket, and top without a terminal.
. "$(dirname "$0")/../lib.sh"
tw_need_cmd mosquitto mosquitto_sub tmux jq awk
. "$(dirname "$0")/ctl_lib.sh"
SIM=$TW_BUILD/thermwatch-sim
tw_ports 1
PORT=$TW_PORT
chmod 755 "$CT"	# a root-started mosquitto drops to user mosquitto

cat >"$CT/broker.conf" <<CONF
per_listener_settings false
persistence false
allow_anonymous true
max_queued_messages 200000
log_dest stderr
listener $PORT 127.0.0.1
CONF
chmod 644 "$CT/broker.conf"
mosquitto -c "$CT/broker.conf" >"$CT/broker.log" 2>&1 &
tw_track $!
wait_for 5 mosquitto_pub -h 127.0.0.1 -p $PORT -t tw/ready -n 2>/dev/null
check "broker up" mosquitto_pub -h 127.0.0.1 -p $PORT -t tw/ready -n

# tmux: a server of our own, killed at exit (by its socket, not by name)
TMUX_SOCK=$CT/tmux.sock
tmx() { tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }
tw_at_exit 'tmux -S "$TMUX_SOCK" kill-server 2>/dev/null'
# screen [-e]: the pane as text (with -e: with its colours)
screen() { tmx capture-pane -p "$@" -t top; }
# top_run NAME ARGS...: thermwatchctl ARGS in a new 80x24 session NAME;
# its exit status lands in $CT/NAME.rc
top_run() {
	name=$1
	shift
	rm -f "$CT/$name.rc"
	tmx new-session -d -s "$name" -x 80 -y 24 \
	    "$CTL $* 2>$CT/$name.err; echo \$? >$CT/$name.rc; sleep 600"
}
shows() { screen | grep -q -- "$1"; }

top_run top top --broker 127.0.0.1:$PORT
wait_for 5 shows "thermwatch top"
check "top is up: title line" shows "^ thermwatch top  broker 127.0.0.1:$PORT"
check "key line at the bottom" sh -c \
    "tmux -S '$TMUX_SOCK' capture-pane -p -t top | tail -n 1 | grep -q '^ q quit  sort: e eta'"

# the agents: the simulator's 60, a degraded t1, an offline t2
"$SIM" ac-failure --quiet --duration 440m --mqtt "127.0.0.1:$PORT" \
    >"$CT/sim.log" 2>&1
check_eq "the simulator played the incident" "$?" 0
agent_conf() { # NAME: $CT/NAME.conf, socket $CT/NAME.sock
	cat >"$CT/$1.conf" <<CONF
agent = { host = "$1"; site = "lab"; zone = "z1"; tier = 2;
	interval_s = 0.2; rescan_s = 0; state_dir = "$CT/state-$1"; };
hwmon = { enabled = false; };
control = { socket = "$CT/$1.sock"; mode = "0600"; };
mqtt = { enabled = true; brokers = [ "127.0.0.1:$PORT" ];
	telemetry_interval_s = 0.5; };
CONF
}
agent_start() { # NAME: thermwatchd -f on $CT/NAME.conf; its PID in APID
	agent_conf "$1"
	$TWD -f -c "$CT/$1.conf" >>"$CT/$1.log" 2>&1 &
	APID=$!
	tw_track $APID
}
agent_start t1
PID_t1=$APID
agent_start t2
PID_t2=$APID
retained() { # the retained state of every host: "host state" lines
	mosquitto_sub -h 127.0.0.1 -p $PORT -W 2 -v \
	    -t 'thermwatch/v1/+/+/+/state' 2>/dev/null |
	    awk '{ split($1, t, "/"); sub(/^[^ ]* /, ""); print t[5], $0 }' |
	    while read -r h j; do
		    echo "$h $(echo "$j" | jq -r .state)"
	    done | sort
}
state_of() { # HOST: its retained state (at once: retained)
	mosquitto_sub -h 127.0.0.1 -p $PORT -W 1 -C 1 \
	    -t "thermwatch/v1/lab/z1/$1/state" 2>/dev/null | jq -r .state
}
two_agents() { [ "$(state_of t1)" = degraded ] && [ "$(state_of t2)" = degraded ]; }
wait_for 10 two_agents
check "t1 and t2 published their state" two_agents
tw_stop "$PID_t2"
off() {
	mosquitto_sub -h 127.0.0.1 -p $PORT -W 2 -C 1 \
	    -t thermwatch/v1/lab/z1/t2/status 2>/dev/null | jq -e '.status == "offline"' >/dev/null
}
wait_for 10 off
check "t2's status is offline" off

retained >"$CT/truth"
n=$(wc -l <"$CT/truth")
check_eq "62 hosts in the broker" "$n" 62
states=$(cut -d' ' -f2 "$CT/truth" | sort -u | tr '\n' ' ')
echo "# states in the broker: $states"
for s in critical hot warn ok degraded; do
	check "the broker holds a $s host" grep -q " $s\$" "$CT/truth"
done
wait_for 10 shows " 62 hosts "
check "top counts 62 hosts" shows " 62 hosts "

# --- the first page: zone alarm on top, counts, rows by eta, colours ------
screen >"$CT/p1"
screen -e >"$CT/p1.e"
cat "$CT/p1"
# the artefact: what an operator sees (README "The room in a terminal")
mkdir -p "$TW_BUILD/tests/ctl" && cp "$CT/p1" "$TW_BUILD/tests/ctl/top-80x24.txt"
check "the zone alarm is the second line" sh -c \
    "sed -n 2p '$CT/p1' | grep -q '^ COOLING ALARM  zone A: [0-9]* of 40 hosts, worst eta '"
crit=$(grep -c ' critical$' "$CT/truth")
check "the counts line" grep -q "^ $crit critical  [0-9]* hot .* ok" "$CT/p1"
check "the header" grep -q "^HOST  *ZONE T STATE  *ETA INLET   CPU LOAD SEEN REASON" "$CT/p1"
# rows: "host zone tier state eta ..." between the header and the key line
rows() { awk '/^HOST /{ on = 1; next } /^ q quit/{ on = 0 } on && NF >= 4' "$1"; }
rows "$CT/p1" >"$CT/r1"
check_eq "19 rows fit in 24 lines" "$(wc -l <"$CT/r1")" 19
# eta in seconds, "-" last
eta_s() {
	awk '{ e = $5; s = 0
		if (e == "-" || e == "?") { print 1e12; next }
		if (e ~ /d/) { split(e, a, /[dh]/); s = a[1] * 86400 + a[2] * 3600 }
		else if (e ~ /h/) { split(e, a, /[hm]/); s = a[1] * 3600 + a[2] * 60 }
		else if (e ~ /m/) { split(e, a, /[ms]/); s = a[1] * 60 + a[2] }
		else { s = e + 0 }
		print s }' "$1"
}
check "sorted by eta, soonest first" sh -c "$(command -v awk) 'NR > 1 && \$1 < p { exit 1 } { p = \$1 }' <<EOF
$(eta_s "$CT/r1")
EOF"
check "inlet and cpu from the live telemetry" sh -c \
    "awk '\$6 !~ /^[0-9]+\\.[0-9]\$/ || \$7 !~ /^[0-9]+\\.[0-9]\$/ { exit 1 }' '$CT/r1'"

# colours: the SGR attributes in force at the start of each line
attrs() {
	awk '{
		line = $0; out = ""; first = 1; at = cur
		while (match(line, /\033\[[0-9;]*m/)) {
			pre = substr(line, 1, RSTART - 1)
			if (pre != "" && first) { at = cur; first = 0 }
			out = out pre
			n = split(substr(line, RSTART + 2, RLENGTH - 3), p, ";")
			if (n == 0) { n = 1; p[1] = 0 }
			for (i = 1; i <= n; i++) {
				c = p[i] + 0
				if (c == 0) { fg = "d"; bg = "d"; b = ""; dim = "" }
				else if (c == 1) b = "bold"
				else if (c == 2) dim = "dim"
				else if (c >= 30 && c <= 37) fg = c
				else if (c == 39) fg = "d"
				else if (c >= 40 && c <= 47) bg = c
				else if (c == 49) bg = "d"
				cur = "fg=" fg " bg=" bg " " b dim
			}
			line = substr(line, RSTART + RLENGTH)
		}
		if (first) at = cur
		print at "|" out line
	}' "$1"
}

# --- every host, sorted by host name, page by page ------------------------
tmx send-keys -t top h
wait_for 5 shows "sort host"
check "h: sort by host" shows " sort host "
: >"$CT/all"
: >"$CT/all.e"
for _ in 1 2 3 4; do
	screen >"$CT/pg"
	screen -e >"$CT/pg.e"
	rows "$CT/pg" >>"$CT/all"
	attrs "$CT/pg.e" >>"$CT/all.e"
	tmx send-keys -t top Space
	sleep 0.3
done
awk '{ print $1, $4 }' "$CT/all" | sort -u >"$CT/seen"
# what the broker holds, as top words it: a stopped agent is offline
sed 's/^t2 .*/t2 offline/' "$CT/truth" >"$CT/want"
check_eq "every host with the broker's state" "$(diff "$CT/want" "$CT/seen")" ""
# (the last page may show again rows of the one before: the first time
# each host is seen counts)
check "sorted by host name" sh -c "awk '!seen[\$1]++ { print \$1 }' '$CT/all' | sort -c"

# each state in its colour (tmux's palette: 31 red .. 37 white)
want_colour() { # STATE ATTRS
	h=$(awk -v s="$1" '$2 == s { print $1; exit }' "$CT/want")
	got=$(awk -F'|' -v h="$h" '{ split($2, f, " ") } f[1] == h { print $1; exit }' "$CT/all.e")
	check "$1 row ($h) drawn $2 (got $got)" sh -c "echo '$got' | grep -q -- '$2'"
}
want_colour critical "fg=37 bg=41 bold"
want_colour hot "fg=35 bg=d bold"
want_colour warn "fg=33 bg=d"
want_colour ok "fg=32 bg=d"
want_colour degraded "fg=36 bg=d"
want_colour offline "dim"
alarm=$(attrs "$CT/p1.e" | sed -n 2p | cut -d'|' -f1)
check "the alarm line is white on red ($alarm)" sh -c "echo '$alarm' | grep -q 'fg=37 bg=41'"

# --- other keys ------------------------------------------------------------
tmx send-keys -t top s
wait_for 5 shows "sort state"
screen >"$CT/ps"
first=$(rows "$CT/ps" | head -n 1 | awk '{ print $4 }')
check_eq "s: the worst state first" "$first" critical
tmx send-keys -t top r
wait_for 5 shows "sort state (reversed)"
screen >"$CT/pr"
first=$(rows "$CT/pr" | head -n 1 | awk '{ print $4 }')
check_eq "r: reversed, ok first" "$first" ok

# --- narrow: columns are left out, nothing wraps ----------------------------
tmx resize-window -t top -x 50 -y 24
sleep 0.5
screen >"$CT/narrow"
cat "$CT/narrow"
check "50 columns: no line longer" sh -c "awk 'length > 50 { exit 1 }' '$CT/narrow'"
check "50 columns: host, state and eta stay" grep -q "^HOST  *ZONE T STATE  *ETA INLET$\|^HOST .*STATE .*ETA" "$CT/narrow"
check "50 columns: the reason and the age left out" sh -c "! grep -q 'REASON\|SEEN' '$CT/narrow'"
tmx resize-window -t top -x 20 -y 5
sleep 0.5
check "too small: says so" shows "^too small"
tmx resize-window -t top -x 80 -y 24

# --- q quits with 0 ---------------------------------------------------------
tmx send-keys -t top q
wait_for 5 test -s "$CT/top.rc"
check_eq "q: exit status 0" "$(cat "$CT/top.rc" 2>/dev/null)" 0
check "nothing on stderr" test ! -s "$CT/top.err"

# --- the local control socket: t1 alone --------------------------------------
top_run local -s "$CT/t1.sock" top --local --interval 0.5
wait_for 5 sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t local | grep -q '^t1 '"
tmx capture-pane -p -t local >"$CT/local"
cat "$CT/local"
check "local: the title names the socket" grep -q "^ thermwatch top  local $CT/t1.sock  1 host " "$CT/local"
check "local: t1 degraded, as the control socket says" \
    grep -q "^t1  *z1   *2 degraded .* degraded: no sensors" "$CT/local"
check "local: its sensors section" grep -q "^SENSOR  *CLASS  *VALUE  *USED LEVEL" "$CT/local"
tmx send-keys -t local q
wait_for 5 test -s "$CT/local.rc"
check_eq "local: q exits 0" "$(cat "$CT/local.rc" 2>/dev/null)" 0

# --- no terminal ---------------------------------------------------------------
"$CTL" top --broker 127.0.0.1:$PORT </dev/null >"$CT/nt.out" 2>"$CT/nt.err"
check_eq "no terminal: exit 1" "$?" 1
check "no terminal: says so" grep -q "top needs a terminal" "$CT/nt.err"
"$CTL" top --local --broker 127.0.0.1:$PORT >/dev/null 2>"$CT/bad.err"
check_eq "--local with MQTT options: usage error" "$?" 2

tw_stop "$PID_t1"
tw_done
