#!/bin/sh
# Signed remote overrides: with mqtt.override_keys set, a broker login
# alone changes nothing. Unsigned requests (the issue's one-message
# shutdown among them), requests signed by an unknown key, forged,
# altered, moved to another topic, replayed (also after a restart),
# expired, from the future, without "ts" or naming another author are
# refused with the reason; thermwatchctl keygen + override --broker --key
# are applied; the issue's message, even signed, moves no shutdown level
# and its event says why. Port: tw_ports.
. "$(dirname "$0")/../lib.sh"
. "$TW_SRC/tests/mqtt/mqtt_lib.sh"
mq_need_agent
tw_ports 1
PORT=$TW_PORT
S=thermwatch/v1/dc1
P=$S/r101/hv01
CTL=$TW_BUILD/thermwatchctl
SIGN=$TW_BUILD/tests/security/sign_req
K=$MQ_T/keys
mkdir -p "$K" "$K/other"

mq_etc
mq_plain_conf "$MQ_T/b.conf" $PORT
check "broker up" mq_broker b "$MQ_T/b.conf" $PORT

# keys: alice (configured), bob (not), and a second "alice" (a forgery)
"$CTL" keygen alice --out "$K/alice.key" > "$K/alice.pub" 2>"$K/keygen.err"
check_eq "keygen: exit 0" "$?" 0
check_eq "keygen: secret key mode 0600" "$(stat -c %a "$K/alice.key")" 600
check "keygen: prints the config entry" \
	grep -qE '^\{ name = "alice"; key = "[A-Za-z0-9+/]{43}="; \}$' "$K/alice.pub"
"$CTL" keygen alice --out "$K/alice.key" 2>/dev/null
check "keygen never overwrites a key" test $? -ne 0
"$CTL" keygen bob --out "$K/bob.key" >/dev/null 2>&1
"$CTL" keygen alice --out "$K/other/alice.key" >/dev/null 2>&1
"$CTL" keygen "bad name" --out "$K/x.key" 2>/dev/null
check "keygen refuses a bad name" test $? -ne 0
cp "$K/bob.key" "$K/open.key" && chmod 644 "$K/open.key"

mq_sub ev $PORT "$P/event"
mq_sub set $PORT "$P/override/set"
mq_agent_conf "$MQ_T/hv01.conf" hv01 r101 $PORT \
	"override_keys = ( $(cat "$K/alice.pub" | sed 's/^{/{/') ); override_max_age_s = 60;"
mq_agent hv01 "$MQ_T/hv01.conf" 45000 24000
check "agent connected" wait_for 10 grep -q "mqtt: connected" "$MQ_T/hv01.log"
check "agent says it takes signed requests only" \
	grep -q "remote overrides must be signed by one of 1 keys" "$MQ_T/hv01.log"
sleep 0.5

nev() { wc -l < "$MQ_T/ev.sub"; }
more() { [ "$(nev)" -gt "$1" ]; }
last=none
pub() {	# user topic payload: publish raw, wait for the next event
	before=$(nev)
	mosquitto_pub -h 127.0.0.1 -p $PORT -u "$1" -P "${1}pw" -q 1 \
	    -t "$2" -m "$3"
	if wait_for 5 more "$before"; then
		last=$(tail -n +$((before + 1)) "$MQ_T/ev.sub" | head -1 | cut -d" " -f2-)
	else
		last=none
	fi
}
refused() {	# description reason-substring
	if [ "$(echo "$last" | jq -r .type)" = override_rejected ] &&
	    echo "$last" | jq -r .message | grep -q -- "$2"; then
		ok "$1"
	else
		not_ok "$1: got $last"
	fi
}
now() { date +%s%3N; }
req() {	# key value author ts
	printf '{"v":1,"key":"%s","value":%s,"ttl_s":600,"reason":"test","author":"%s","ts":%s}' \
	    "$1" "$2" "$3" "$4"
}

# --- a broker login alone: unsigned requests ---------------------------
ISSUE='{"v":1,"key":"cpu.trip_c","value":5,"ttl_s":60,"reason":"r","author":"a"}'
pub operator "$S/r101/_all/override/set" "$ISSUE"
refused "the issue's message, unsigned, for the zone" "unsigned request refused"
pub operator "$P/override/set" "$ISSUE"
refused "the issue's message, unsigned, for the host" "unsigned request refused"
pub operator "$P/override/set" "$(req inlet.warn.margin_c 12 alice "$(now)")"
refused "a harmless one, unsigned" "unsigned request refused"

# --- thermwatchctl override --broker --key ------------------------------
R() {	# thermwatchctl override ... against our broker as operator
	"$CTL" override "$@" --broker "127.0.0.1:$PORT" --user operator \
	    --password-file "$MQ_T/oppw" --wait 5
}
printf 'operatorpw\n' > "$MQ_T/oppw"
out=$(R set inlet.warn.margin_c 12 --ttl 10m --reason "signed" \
	--key "$K/alice.key" --to dc1/r101/hv01 --id good1 2>&1)
check_eq "signed by alice: exit 0" "$?" 0
case $out in *"dc1/r101/hv01: applied"*) ok "signed: applied" ;;
*) not_ok "signed: applied: got [$out]" ;; esac
check "signed: the agent logged the key" \
	grep -q "request inlet.warn.margin_c signed by key alice" "$MQ_T/hv01.log"
good=$(mq_payloads "$MQ_T/set.sub" set | tail -1)
check "the envelope carries the request, the key and a signature" \
	sh -c "echo '$good' | jq -e '.v == 1 and .key_id == \"alice\" and (.sig | length) == 88 and (.signed | fromjson | .author == \"alice\")' >/dev/null"

out=$(R set inlet.warn.margin_c 13 --ttl 10m --reason "bob" \
	--key "$K/bob.key" --to dc1/r101/hv01 2>&1)
check_eq "signed by bob (not configured): exit 1" "$?" 1
case $out in *"refused: signed with key \"bob\", which is not in mqtt.override_keys"*)
	ok "unknown key: the reason" ;;
*) not_ok "unknown key: the reason: got [$out]" ;; esac
out=$(R set inlet.warn.margin_c 13 --ttl 10m --reason "forged" \
	--key "$K/other/alice.key" --to dc1/r101/hv01 2>&1)
case $out in *"refused: bad signature for key \"alice\""*)
	ok "forged (another key named alice): bad signature" ;;
*) not_ok "forged: got [$out]" ;; esac
out=$(R set inlet.warn.margin_c 13 --ttl 10m --reason x --key "$K/open.key" \
	--to dc1/r101/hv01 2>&1)
case $out in *"group or others may read it"*) ok "a readable key file is not used" ;;
*) not_ok "readable key file: got [$out]" ;; esac

# --- altered, moved, replayed --------------------------------------------
altered=$(echo "$good" | jq -c '.signed |= sub("\"value\":12"; "\"value\":30")')
pub operator "$P/override/set" "$altered"
refused "altered value: bad signature" "bad signature for key \"alice\""
pub operator "$S/r101/_all/override/set" "$good"
refused "moved to the zone topic: bad signature" "signed for another topic"
pub operator "$P/override/set" "$good"
refused "replayed" "replayed: time stamp"
mq_agent_stop hv01
mq_agent hv01 "$MQ_T/hv01.conf" 45000 24000
check "agent reconnected" wait_for 10 sh -c "[ \$(grep -c 'mqtt: connected' '$MQ_T/hv01.log') -ge 2 ]"
sleep 0.5
pub operator "$P/override/set" "$good"
refused "replayed after a restart" "replayed: time stamp"
check "the replay record is in state_dir" \
	jq -e '.keys.alice > 0' "$MQ_T/state-hv01/override-replay.json"

# --- time stamp and author -------------------------------------------------
pub operator "$P/override/set" \
	"$("$SIGN" "$K/alice.key" "$P/override/set" "$(req inlet.warn.margin_c 11 alice $(($(now) - 120000)))")"
# the age in the message is when the agent read it: 120 s or a little more
refused "expired (2 min old, max 60 s)" "expired: signed 1[2-9][0-9] s ago, more than mqtt.override_max_age_s (60 s)"
pub operator "$P/override/set" \
	"$("$SIGN" "$K/alice.key" "$P/override/set" "$(req inlet.warn.margin_c 11 alice $(($(now) + 120000)))")"
refused "from the future" "in the future"
pub operator "$P/override/set" \
	"$("$SIGN" "$K/alice.key" "$P/override/set" '{"v":1,"key":"quiet","value":1,"ttl_s":60,"reason":"r","author":"alice"}')"
refused "no ts" 'a signed request needs "ts"'
pub operator "$P/override/set" \
	"$("$SIGN" "$K/alice.key" "$P/override/set" "$(req quiet 1 bob "$(now)")")"
refused "author not the key" 'author "bob" is not the signing key "alice"'
pub operator "$P/override/set" '{"v":1,"signed":"{}","key_id":"alice","sig":"AAAA","extra":1}'
refused "an envelope with an unknown member" 'unknown member "extra"'

# --- the issue's message, signed by a real key ----------------------------
pub operator "$S/r101/_all/override/set" \
	"$("$SIGN" "$K/alice.key" "$S/r101/_all/override/set" "$(req cpu.trip_c 5 alice "$(now)")")"
refused "signed cpu.trip_c 5 for the zone: refused, says why" \
	"moves the shutdown level or lead, which only a request for this one host may do, not one for the whole zone"
pub operator "$P/override/set" \
	"$("$SIGN" "$K/alice.key" "$P/override/set" "$(req cpu.trip_c 5 alice "$(now)")")"
refused "signed cpu.trip_c 5 for the host: refused, says why" \
	"value out of bounds, not applied (cpu.trip_c: 5 clamped to 95"
o=$("$CTL" -s "$MQ_T/hv01.sock" --json overrides | jq -c '[.[].key]')
check_eq "only the good request is in force" "$o" '["inlet.warn.margin_c"]'
check_eq "the agent stayed ok" \
	"$("$CTL" -s "$MQ_T/hv01.sock" --json status | jq -r .state)" ok

# --- a signed clear ----------------------------------------------------------
out=$(R clear inlet.warn.margin_c --reason "done" --key "$K/alice.key" \
	--to dc1/r101/hv01 2>&1)
check_eq "signed clear: exit 0" "$?" 0
case $out in *"dc1/r101/hv01: cleared"*) ok "signed clear: cleared" ;;
*) not_ok "signed clear: got [$out]" ;; esac
mq_sub_stop ev
mq_sub_stop set
"$TW_BUILD/tests/mqtt/mq_check" -q < "$MQ_T/ev.sub" > "$MQ_T/check.out"
check "events match the schema" test $? = 0
grep ERROR "$MQ_T/check.out" | head -5
mq_done
