#!/bin/sh
# Persist before acknowledging: with state_dir full (a 64 KiB tmpfs in a
# private mount namespace, filled up), "override set" and "override
# clear" fail with the reason and change nothing; once there is room they
# work, and what was acknowledged is back after a restart.
. "$(dirname "$0")/../lib.sh"
tw_need_root
tw_need_cmd unshare mount jq dd
if [ -z "${TW_IN_NS:-}" ]; then
	TW_IN_NS=1 exec unshare -m "$0" "$@"
fi
. "$TW_SRC/tests/ctl/ctl_lib.sh"

mkdir -p "$CT/state"
mount -t tmpfs -o size=64k,mode=0755 none "$CT/state" ||
	tw_skip "cannot mount a tmpfs"
tw_at_exit 'umount "$CT/state" 2>/dev/null'
ct_conf
ct_start

ctl override set cpu.warn.margin_c 20 --ttl 1h --reason "kept" >/dev/null
check_eq "set with room on the disk" "$?" 0
fill() { dd if=/dev/zero of="$CT/state/fill" bs=4k 2>/dev/null; }
fill
check "state_dir is full" sh -c "! dd if=/dev/zero of='$CT/state/more' bs=4k count=1 2>/dev/null"
rm -f "$CT/state/more"

out=$(ctl override set quiet on --ttl 10m --reason "not kept" 2>&1)
check_eq "set refused (exit 1)" "$?" 1
case $out in
*"quiet: cannot save $CT/state/overrides.json: No space left on device; not applied"*)
	ok "set: the reason is given" ;;
*) not_ok "set: the reason is given: got [$out]" ;;
esac
check_eq "not in force" "$(ctl --json overrides | jq -c '[.[].key]')" \
	'["cpu.warn.margin_c"]'
check "the daemon logged it" grep -q "override quiet by .* refused: quiet: cannot save" "$CT/log"

out=$(ctl override clear cpu.warn.margin_c 2>&1)
check_eq "clear refused (exit 1)" "$?" 1
case $out in
*"cannot save"*"No space left on device; not cleared"*)
	ok "clear: the reason is given" ;;
*) not_ok "clear: the reason is given: got [$out]" ;;
esac
check_eq "still in force" "$(ctl --json overrides | jq -c '[.[].key]')" \
	'["cpu.warn.margin_c"]'
check "the file still holds it" \
	jq -e '[.overrides[].key] == ["cpu.warn.margin_c"]' "$CT/state/overrides.json"

rm -f "$CT/state/fill"
ctl override set quiet on --ttl 10m --reason "kept now" >/dev/null
check_eq "set once there is room" "$?" 0
ct_stop
ct_start
check_eq "both acknowledged overrides back after a restart" \
	"$(ctl --json overrides | jq -c '[.[].key] | sort')" \
	'["cpu.warn.margin_c","quiet"]'
ct_stop
tw_done
