#!/bin/sh
# The shipped Prometheus rules: `promtool check rules`, then `promtool test
# rules` with tests/fleet/rules_test.yml (each alert fires on the series
# that mean it, with its labels and text, and not on their neighbours).
. "$(dirname "$0")/../lib.sh"
tw_need_cmd promtool
T=$(mktemp -d /tmp/tw-rules.XXXXXX)
tw_at_exit 'rm -rf "$T"'
cp "$TW_SRC/agent/dist/prometheus/thermwatch.rules.yml" \
    "$TW_SRC/tests/fleet/rules_test.yml" "$T/"
promtool check rules "$T/thermwatch.rules.yml" > "$T/check.out" 2>&1
check_eq "promtool check rules" "$?" 0
check "it counted the rules" grep -q "SUCCESS: [0-9]* rules found" "$T/check.out"
(cd "$T" && promtool test rules rules_test.yml) > "$T/test.out" 2>&1
rc=$?
check_eq "promtool test rules" "$rc" 0
[ "$rc" = 0 ] || cat "$T/test.out"
# a broken rule is caught: the check is not a rubber stamp
sed 's/thermwatch_host_state{state="critical"} == 1/thermwatch_host_state{state=="critical"}/' \
    "$T/thermwatch.rules.yml" > "$T/broken.yml"
check "a broken expression fails the check" \
    sh -c "! promtool check rules '$T/broken.yml' >/dev/null 2>&1"
tw_done
