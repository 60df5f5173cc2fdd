#!/bin/sh
# The Debian package builds from the tree (cpack -G DEB in a build for
# /usr), lintian reports no error and no warning, every tag it reports is
# justified in agent/dist/LINTIAN.md, and the control data and the file
# list are what thermwatchd(8) says. Leaves the .deb in $TW_BUILD/pkg for
# the other package tests (fixture pkg_deb).
. "$(dirname "$0")/pkg_lib.sh"
tw_need_cmd cmake cpack dpkg-deb lintian
cache_get() { sed -n "s/^$1:[A-Z]*=//p" "$2/CMakeCache.txt"; }

# A package is made from a build for /usr without the sanitizers; when the
# build under test is another one, make one next to it.
B=$TW_BUILD
if [ "$(cache_get CMAKE_INSTALL_PREFIX "$B")" != /usr ] ||
    [ "$(cache_get WITH_SANITIZERS "$B")" = ON ]; then
	B=$PKG_DIR/build-usr
	echo "building a /usr build in $B"
	mkdir -p "$B"
	cmake -S "$TW_SRC" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF >"$B.log" 2>&1 &&
	    cmake --build "$B" -j2 >>"$B.log" 2>&1
	check_eq "a build for /usr" "$?" 0
fi
mkdir -p "$PKG_DIR"
rm -f "$PKG_DIR"/*.deb
(cd "$B" && cpack -G DEB -B "$PKG_DIR") >"$PKG_DIR/cpack.log" 2>&1
check_eq "cpack -G DEB exits 0" "$?" 0
set -- "$PKG_DIR"/thermwatch_*_*.deb
DEB=$1
check "one package: $DEB" test -f "$DEB"
[ -f "$DEB" ] || { cat "$PKG_DIR/cpack.log"; tw_done; exit 1; }

# lintian: nothing at error or warning level; every tag (info, pedantic,
# experimental too) justified in agent/dist/LINTIAN.md
lintian --pedantic -I -E --show-overrides "$DEB" >"$PKG_DIR/lintian.txt" 2>&1
grep -v '^running with root' "$PKG_DIR/lintian.txt"
check_eq "lintian: no errors" \
	"$(grep -c '^E: ' "$PKG_DIR/lintian.txt")" 0
check_eq "lintian: no warnings" \
	"$(grep -c '^W: ' "$PKG_DIR/lintian.txt")" 0
unjustified=
for t in $(sed -n 's/^[A-Z]: thermwatch[^:]*: \([a-z0-9.+-]*\).*/\1/p' \
    "$PKG_DIR/lintian.txt" | sort -u); do
	grep -q "^## $t\$" "$TW_SRC/agent/dist/LINTIAN.md" ||
	    unjustified="$unjustified $t"
done
check_eq "every lintian tag is justified in agent/dist/LINTIAN.md" \
	"$unjustified" ""

# control data
f() { dpkg-deb -f "$DEB" "$1"; }
check_eq "package name" "$(f Package)" thermwatch
check_eq "section" "$(f Section)" admin
deps=$(f Depends)
for lib in libc6 libmosquitto1 libsensors5 libfreeipmi17 \
    libipmimonitoring6 libipmiconsole2 libconfig9 libcjson1 libsystemd0; do
	case ", $deps" in
	*", $lib "* | *", $lib,"* | *", $lib") ok "Depends: $lib (shlibdeps)" ;;
	*) not_ok "Depends: $lib missing from: $deps" ;;
	esac
done
# Libraries loaded with dlopen (agent/lib/dlload.c) are not seen by
# shlibdeps: each must be in Depends by hand, as its package names it.
for so in $(sed -n 's/.*dll_load([^"]*"\(lib[^"]*\)".*/\1/p' \
    "$TW_SRC"/agent/*/*.c); do
	pkg=$(dpkg -S "*/$so" 2>/dev/null | head -n 1 | cut -d: -f1)
	if [ -z "$pkg" ]; then
		not_ok "no installed package has $so (dlopen)"
		continue
	fi
	case ", $deps" in
	*", $pkg "* | *", $pkg,"* | *", $pkg") ok "Depends: $pkg ($so, dlopen)" ;;
	*) not_ok "Depends: $pkg missing ($so, dlopen) from: $deps" ;;
	esac
done
X=$(mktemp -d /tmp/tw-deb.XXXXXX)
tw_at_exit 'rm -rf "$X"'
dpkg-deb -e "$DEB" "$X/DEBIAN"
check_eq "conffiles" "$(cat "$X/DEBIAN/conffiles")" \
	/etc/thermwatch/thermwatch.conf
for s in postinst prerm postrm; do
	check "$s is executable" test -x "$X/DEBIAN/$s"
	check "$s is valid sh" sh -n "$X/DEBIAN/$s"
done

# files where thermwatchd(8) says they are
dpkg-deb -x "$DEB" "$X/root"
for p in usr/sbin/thermwatchd usr/bin/thermwatchctl usr/bin/thermwatch-sim \
    usr/libexec/thermwatch/thermwatch-privd \
    usr/libexec/thermwatch/thermwatch-ipmi; do
	check "$p" test -x "$X/root/$p"
done
for p in lib/systemd/system/thermwatchd.service \
    lib/systemd/system/thermwatch-priv.socket \
    lib/systemd/system/thermwatch-priv@.service \
    lib/udev/rules.d/60-thermwatch-ipmi.rules \
    lib/udev/rules.d/61-thermwatch-hwmon.rules \
    usr/lib/sysusers.d/thermwatch.conf usr/lib/tmpfiles.d/thermwatch.conf \
    usr/share/bash-completion/completions/thermwatchctl \
    usr/share/bash-completion/completions/thermwatchd \
    usr/share/thermwatch/thermwatch.conf \
    usr/share/doc/thermwatch/copyright usr/share/doc/thermwatch/changelog.gz \
    usr/share/man/man8/thermwatchd.8.gz usr/share/man/man5/thermwatch.conf.5.gz; do
	check "$p" test -f "$X/root/$p"
done
check "example hooks are executable" \
	test -x "$X/root/usr/share/thermwatch/hooks/libvirt-migrate.sh"
check "the conffile is the example" \
	cmp -s "$X/root/etc/thermwatch/thermwatch.conf" \
	"$X/root/usr/share/thermwatch/thermwatch.conf"
check "the conffile starts in dry run" \
	grep -q '^  dry_run = true;' "$X/root/etc/thermwatch/thermwatch.conf"
check "the conffile says how to go live" \
	grep -q 'dry_run = false' "$X/root/etc/thermwatch/thermwatch.conf"
check "the unit runs /usr/sbin/thermwatchd with the privileged part" grep -q \
	'^ExecStart=/usr/sbin/thermwatchd --priv-socket /run/thermwatch-priv.sock$' \
	"$X/root/lib/systemd/system/thermwatchd.service"
check "the privileged part runs /usr/libexec/thermwatch/thermwatch-privd" \
	grep -q '^ExecStart=/usr/libexec/thermwatch/thermwatch-privd ' \
	"$X/root/lib/systemd/system/thermwatch-priv@.service"
check "the unit runs as thermwatch" grep -q '^User=thermwatch$' \
	"$X/root/lib/systemd/system/thermwatchd.service"
check "the daemon reads /etc/thermwatch/thermwatch.conf" sh -c \
	"'$X/root/usr/sbin/thermwatchd' --help | grep -q '(default /etc/thermwatch/thermwatch.conf)'"
check "nothing outside /etc, /lib and /usr" test -z \
	"$(dpkg-deb -c "$DEB" | awk '{ print $6 }' |
	grep -v -e '^\./$' -e '^\./etc/' -e '^\./lib/' -e '^\./usr/')"
tw_done
