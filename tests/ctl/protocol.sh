#!/bin/sh
# The control socket protocol on the raw socket: every request validated,
# malformed and oversized ones answered with an error, never a crash.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ctl_lib.sh"
tw_need_cmd jq
ct_conf
ct_start
check "daemon started" kill -0 "$TWD_PID"

mode=$(stat -c %a "$SOCK")
check_eq "socket mode from control.mode" "$mode" 600
check "parent dir was created" test -d "$CT/run"

r=$(raw '{"v":1,"cmd":"status","id":"a1"}')
check_eq "status ok" "$(echo "$r" | jq -c '[.v, .ok, .cmd, .id]')" \
	'[1,true,"status","a1"]'
check_eq "status fields" "$(echo "$r" | jq -c '.result |
	[.host, .site, .zone, .tier, .state, .dry_run, .accepting_load,
	 .zone_alarm, (.uptime_s >= 0), has("eta_s"), has("since"),
	 has("reason"), has("hold")]')" \
	'["t1","lab","z1",3,"degraded",false,true,false,true,true,true,true,true]'

# one answer per line, in order, on one connection
r=$(raw '{"v":1,"cmd":"sensors","id":1}' '{"v":1,"cmd":"overrides","id":2}' \
	'{"v":1,"cmd":"status","id":3}')
check_eq "three answers in order" "$(echo "$r" | jq -c .id | tr '\n' ,)" \
	"1,2,3,"
check_eq "no sensors" "$(echo "$r" | jq -c 'select(.id == 1) | .result')" "[]"

err() { # the error of the one answer to LINE
	raw "$1" | jq -r 'select(.ok == false) | .error'
}
check_eq "not JSON" "$(err 'hello')" \
	"malformed request: not valid JSON (one JSON object per line)"
check_eq "not an object" "$(err '[1,2]')" \
	"malformed request: not a JSON object"
check_eq "no version" "$(err '{"cmd":"status"}')" \
	'missing protocol version "v" (this daemon speaks 1)'
check_eq "wrong version" "$(err '{"v":2,"cmd":"status"}')" \
	"unsupported protocol version (this daemon speaks 1)"
check_eq "no cmd" "$(err '{"v":1}')" 'missing "cmd" (a string)'
check "unknown command" sh -c "echo '$(err '{"v":1,"cmd":"reboot"}')' |
	grep -q '^unknown command \"reboot\" (known: status, sensors'"
check_eq "unknown field" "$(err '{"v":1,"cmd":"status","verbose":true}')" \
	'unknown field "verbose" for status'
check_eq "value as a string" "$(err '{"v":1,"cmd":"override-set","key":"quiet","value":"1","ttl_s":60,"reason":"r"}')" \
	'"value" must be a finite number'
check_eq "missing ttl" "$(err '{"v":1,"cmd":"override-set","key":"quiet","value":1,"reason":"r"}')" \
	'missing "ttl_s"'
check_eq "missing reason" "$(err '{"v":1,"cmd":"override-set","key":"quiet","value":1,"ttl_s":60}')" \
	'missing "reason"'
check_eq "empty reason" "$(err '{"v":1,"cmd":"override-set","key":"quiet","value":1,"ttl_s":60,"reason":""}')" \
	'"reason" must not be empty'
check_eq "control characters" "$(err '{"v":1,"cmd":"override-set","key":"quiet","value":1,"ttl_s":60,"reason":"a\u001bb"}')" \
	'"reason" contains control characters'
long=$(head -c 300 /dev/zero | tr '\0' x)
check_eq "reason too long" "$(err "{\"v\":1,\"cmd\":\"override-set\",\"key\":\"quiet\",\"value\":1,\"ttl_s\":60,\"reason\":\"$long\"}")" \
	'"reason" is too long (max 127 bytes)'
check_eq "negative ttl" "$(err '{"v":1,"cmd":"override-set","key":"quiet","value":1,"ttl_s":-5,"reason":"r"}')" \
	'quiet: ttl -5 s is out of range (more than 0, at most 14400 s = policy.max_override_ttl_s)'
check_eq "clear without key" "$(err '{"v":1,"cmd":"override-clear"}')" \
	'missing "key"'
check_eq "deep nesting refused, not a crash" \
	"$(err "$(head -c 2000 /dev/zero | tr '\0' '[')")" \
	"malformed request: not valid JSON (one JSON object per line)"

# a request longer than the limit: error, then the daemon closes
head -c 10000 /dev/zero | tr '\0' a >"$CT/big"
r=$("$RAW" "$SOCK" <"$CT/big")
check_eq "oversized request refused" "$(echo "$r" | jq -r .error)" \
	"request too long (max 4096 bytes per line)"
check_eq "one answer, then closed" "$(echo "$r" | wc -l)" 1
# exactly at the limit (4095 bytes + newline) is fine
pad=$(head -c 4066 /dev/zero | tr '\0' ' ')
line="{\"v\":1,\"cmd\":\"status\",\"id\":9$pad}"
check_eq "a request of 4095 bytes + newline" "${#line}" 4095
check_eq "is answered" "$(raw "$line" | jq -c '[.ok, .id]')" '[true,9]'
# a last request without its newline is answered too
r=$(printf '{"v":1,"cmd":"status"}' | "$RAW" "$SOCK" | jq .ok)
check_eq "request without newline at EOF" "$r" true
# empty lines are skipped
r=$(printf '\n\n{"v":1,"cmd":"status"}\n' | "$RAW" "$SOCK" | wc -l)
check_eq "blank lines ignored" "$r" 1
# binary garbage
head -c 3000 /dev/urandom | tr -d '\n' >"$CT/junk"
printf '\n' >>"$CT/junk"
"$RAW" "$SOCK" <"$CT/junk" >"$CT/junk.out"
check "binary junk gets an error" grep -q '"ok":false' "$CT/junk.out"

# more clients than allowed: the extra ones are told, the daemon lives
i=0
idle=
while [ $i -lt 20 ]; do
	sleep 2 | "$RAW" "$SOCK" >"$CT/idle.$i" 2>&1 &
	idle="$idle $!"
	i=$((i + 1))
done
for p in $idle; do
	wait "$p"
done
# (refused, or the idlest closed to make room: each is told)
check_eq "4 extra clients are refused with a message" \
	"$(grep -l -e "too many control clients (max 16)" \
	    -e "to make room for another client (max 16)" "$CT"/idle.* | wc -l)" 4
check_eq "answers once they are gone" "$(raw '{"v":1,"cmd":"status"}' |
	jq .ok)" true

# a client that sends and never reads: the daemon stops reading it and
# serves the others
tw_need_cmd socat
yes '{"v":1,"cmd":"status"}' | head -n 20000 >"$CT/flood"
socat -u "OPEN:$CT/flood" "UNIX-CONNECT:$SOCK" 2>/dev/null &
FLOOD=$!
tw_track $FLOOD
sleep 1
check "the flooding client is stuck, not the daemon" kill -0 "$FLOOD"
t0=$(date +%s%N)
check_eq "others served during a flood" "$(raw '{"v":1,"cmd":"status"}' |
	jq .ok)" true
ms=$((($(date +%s%N) - t0) / 1000000))
check "answered within 1 s ($ms ms)" test "$ms" -lt 1000
stop_pid "$FLOOD"

check "daemon still running" kill -0 "$TWD_PID"
check "nothing crashed" sh -c "! grep -qi 'sanitizer\|segmentation' '$CT/log'"
ct_stop
check "socket removed on exit" test ! -e "$SOCK"
tw_done
