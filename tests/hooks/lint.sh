#!/bin/sh
# The example hooks are shellcheck-clean (and so are the fakes the tests
# use), executable, and every option of their --help is described in
# thermwatchd(8).
. "$(dirname "$0")/hooks_lib.sh"
tw_need_cmd shellcheck
cd "$HOOKS" || exit 1
shellcheck -x -P SCRIPTDIR ./*.sh "$FAKES"/* >"$T/sc" 2>&1
check_eq "shellcheck: no finding in the hooks and fakes" "$(cat "$T/sc")" ""
for h in libvirt-migrate.sh cloudstack-maintenance.sh k8s-drain.sh; do
	check "$h is executable" test -x "$h"
	check_eq "$h runs under bash" "$(head -1 "$h")" "#!/bin/bash"
	"./$h" --help >"$T/help" 2>&1
	check_eq "$h --help exits 0" "$?" 0
	missing=""
	for o in $(grep -oE -- '--[a-z][a-z-]+' "$T/help" | sort -u); do
		grep -qE -- "Fl (.* )?-${o#--}( |$)" "$TW_SRC/man/thermwatchd.8" ||
			missing="$missing $o"
	done
	check_eq "every option of $h is in thermwatchd.8" "$missing" ""
done
tw_done
