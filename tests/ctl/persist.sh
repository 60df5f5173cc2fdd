#!/bin/sh
# Overrides survive a restart (re-applied with the time they have left),
# expire on time (also while the daemon is down), and a corrupt
# overrides.json is set aside without stopping the daemon.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ctl_lib.sh"
tw_need_cmd jq
F=$CT/state/overrides.json
ct_conf
ct_start

# The short one must outlive a stop and a start of the daemon even on a
# loaded machine under ASan (4 s did not), and still expire in the test.
ctl override set quiet on --ttl 15s --reason "short one" >/dev/null
check_eq "short override set" "$?" 0
ctl override set cpu.shutdown.margin_c 8 --ttl 1h --reason "AC work" \
	--by alice >/dev/null
check_eq "long override set" "$?" 0
check "file written" test -f "$F"
check_eq "file holds both" "$(jq -c '[.v, [.overrides[].key]]' "$F")" \
	'[1,["quiet","cpu.shutdown.margin_c"]]'
wall() { jq -e '.overrides[1].expires_unix > now + 3500' "$F" >/dev/null; }
check "expiry stored as wall-clock time" wall
check_eq "file mode" "$(stat -c %a "$F")" 640
check "no temp file left" test ! -e "$F.tmp"

ct_stop
ct_start
o=$(ctl --json overrides)
check_eq "both back after a restart" "$(echo "$o" | jq -c '[.[].key]')" \
	'["quiet","cpu.shutdown.margin_c"]'
check_eq "author and reason kept" \
	"$(echo "$o" | jq -c '.[1] | [.author, .reason, .value]')" \
	"[\"alice ($ME)\",\"AC work\",8]"
check "with the time they had left" \
	sh -c "echo '$o' | jq -e '.[1].expires_in_s > 3500 and .[1].expires_in_s <= 3600' >/dev/null"
check "restore logged" grep -q "override cpu.shutdown.margin_c = 8 restored" \
	"$CT/log"

# the short one expires by the engine's clock, and the file follows
gone() { ! ctl overrides | grep -q '^quiet '; }
wait_for 20 gone
check "short override expired" gone
expired_in_file() { [ "$(jq -c '[.overrides[].key]' "$F")" = '["cpu.shutdown.margin_c"]' ]; }
wait_for 3 expired_in_file
check "file rewritten after expiry" expired_in_file
check "expiry logged" grep -q "override quiet expired" "$CT/log"

# expired while the daemon was down: not restored
ct_stop
jq '.overrides[0].expires_unix = (now - 5)' "$F" >"$F.new" && mv "$F.new" "$F"
ct_start
check_eq "expired while down: not restored" "$(ctl overrides)" \
	"no overrides in force"
check "logged as expired while down" \
	grep -q "cpu.shutdown.margin_c expired while the daemon was down" \
	"$CT/log"

# a corrupt file is set aside; the daemon starts anyway
ct_stop
printf '{"v":1,"overrides":[{"key":' >"$F"
ct_start
check "daemon runs with a corrupt file" kill -0 "$TWD_PID"
check "corrupt file set aside" test -f "$F.corrupt"
check "corrupt file logged" grep -q "not valid JSON; moved aside" "$CT/log"
check_eq "no overrides from it" "$(ctl overrides)" "no overrides in force"
ctl override set inlet.warn.margin_c 3 --ttl 10m --reason after >/dev/null
check_eq "a new file is written after that" \
	"$(jq -c '[.overrides[].key]' "$F")" '["inlet.warn.margin_c"]'

# cleared overrides leave the file too
ctl override clear inlet.warn.margin_c >/dev/null
check_eq "cleared: file empty" "$(jq -c '.overrides' "$F")" '[]'

# a reload moves the socket and the file, keeping the overrides
ctl override set exhaust.warn.lead_s 120 --ttl 20m --reason reload >/dev/null
OLD=$SOCK
SOCK=$CT/run2/ctl.sock
sed -e "s|$CT/run/ctl.sock|$SOCK|" -e "s|$CT/state|$CT/state2|" \
	"$CT/tw.conf" >"$CT/tw2.conf" && mv "$CT/tw2.conf" "$CT/tw.conf"
kill -HUP "$TWD_PID"
wait_for 5 test -S "$SOCK"
check "socket moved on reload" test -S "$SOCK"
check "old socket removed" test ! -e "$OLD"
check_eq "overrides kept across the reload" \
	"$(ctl --json overrides | jq -c '[.[].key]')" '["exhaust.warn.lead_s"]'
check_eq "file follows state_dir" \
	"$(jq -c '[.overrides[].key]' "$CT/state2/overrides.json")" \
	'["exhaust.warn.lead_s"]'
ct_stop
tw_done
