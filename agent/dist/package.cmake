# package.cmake - where thermwatch's system files go on a host (systemd unit,
# udev rules, sysusers.d, tmpfiles.d, bash completion, the configuration and
# the example hooks), and the Debian package that `cpack -G DEB` makes of
# that install. Included once from the top-level CMakeLists.txt, before the
# programs are defined (the hardening flags apply to them).
#
# Paths are those of the configured prefix: GNUInstallDirs maps prefix /usr
# to /etc and /var, and then units and udev rules go to Debian's /lib
# (bookworm ships them there). Any other prefix keeps everything under it.
# The programs, the unit and the maintainer scripts are built for those
# paths, so installing into another prefix is refused (stage with DESTDIR).
include_guard(GLOBAL)

# Debian's default hardening (dpkg-buildflags): stack protector, fortified
# libc calls, full RELRO. Not under the sanitizers, which replace them.
if(NOT WITH_SANITIZERS)
  add_compile_options(-fstack-protector-strong)
  add_compile_options($<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
  add_link_options(-Wl,-z,relro -Wl,-z,now)
endif()

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(TW_ROOTLIBDIR /lib)
else()
  set(TW_ROOTLIBDIR ${CMAKE_INSTALL_PREFIX}/lib)
endif()
set(TW_CONF ${CMAKE_INSTALL_FULL_SYSCONFDIR}/thermwatch/thermwatch.conf)
set(TW_EXAMPLE_CONF ${CMAKE_INSTALL_FULL_DATADIR}/thermwatch/thermwatch.conf)
set(TW_DIST ${CMAKE_CURRENT_LIST_DIR})

install(CODE "
  if(NOT CMAKE_INSTALL_PREFIX STREQUAL \"${CMAKE_INSTALL_PREFIX}\")
    message(FATAL_ERROR \"thermwatch was configured for prefix \"
      \"${CMAKE_INSTALL_PREFIX}: its programs read ${TW_CONF} and its \"
      \"unit runs ${CMAKE_INSTALL_FULL_SBINDIR}/thermwatchd. To install into \"
      \"\${CMAKE_INSTALL_PREFIX}, configure the build for it \"
      \"(cmake -DCMAKE_INSTALL_PREFIX=\${CMAKE_INSTALL_PREFIX} BUILD_DIR); \"
      \"to stage a file tree, set DESTDIR instead of --prefix.\")
  endif()")

configure_file(${TW_DIST}/thermwatchd.service.in thermwatchd.service @ONLY)
configure_file(${TW_DIST}/thermwatch-priv@.service.in thermwatch-priv@.service
               @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/thermwatchd.service
              ${PROJECT_BINARY_DIR}/thermwatch-priv@.service
              ${TW_DIST}/thermwatch-priv.socket
        DESTINATION ${TW_ROOTLIBDIR}/systemd/system)
install(FILES udev/60-thermwatch-ipmi.rules udev/61-thermwatch-hwmon.rules
        DESTINATION ${TW_ROOTLIBDIR}/udev/rules.d)
# sysusers.d and tmpfiles.d live in lib/, not in the multiarch libdir
install(FILES ${TW_DIST}/thermwatch.sysusers DESTINATION lib/sysusers.d
        RENAME thermwatch.conf)
install(FILES ${TW_DIST}/thermwatch.tmpfiles DESTINATION lib/tmpfiles.d
        RENAME thermwatch.conf)
install(FILES ${TW_DIST}/bash-completion/thermwatchctl
              ${TW_DIST}/bash-completion/thermwatchd
              ${TW_DIST}/bash-completion/thermwatch-sim
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES agent/thermwatch.conf DESTINATION ${CMAKE_INSTALL_DATADIR}/thermwatch)
# the hooks executable, the library they source (hooklib.sh) not
install(DIRECTORY agent/hooks/ DESTINATION ${CMAKE_INSTALL_DATADIR}/thermwatch/hooks
        USE_SOURCE_PERMISSIONS)
# The configuration itself: installed from the example only where there is
# none yet, so installing again never overwrites an edited file. (In the
# Debian package it is a conffile and dpkg does the same.)
install(CODE "
  set(conf \"\$ENV{DESTDIR}${TW_CONF}\")
  if(EXISTS \"\${conf}\")
    message(STATUS \"Kept: \${conf}\")
  else()
    file(INSTALL \"${PROJECT_SOURCE_DIR}/agent/thermwatch.conf\"
         DESTINATION \"${CMAKE_INSTALL_FULL_SYSCONFDIR}/thermwatch\"
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()")

# ---- the Debian package: cpack -G DEB (in a build configured for /usr) ----
set(CPACK_PACKAGE_NAME thermwatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the thermwatch authors")
set(CPACK_PACKAGE_CONTACT
    "thermwatch maintainers <maintainers@users.noreply.r-seed-56e1b954.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "thermal watchdog for server rooms")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"thermwatchd runs on every hypervisor of a server room. It reads CPU,
inlet and exhaust temperatures (libsensors and the BMC over IPMI),
estimates the time left before the hardware's own thermal trip, and moves
load away or shuts the host down cleanly before that trip cuts the power.
Hosts of one zone hear each other over MQTT and raise a room-wide cooling
alarm minutes after the air conditioning fails.

The agent runs as the unprivileged user thermwatch under a hardened
systemd unit and logs every state change and decision to the journal.
The package also contains thermwatchctl (status, overrides, live MQTT
view, BMC serial console) and thermwatch-sim (replays a room's cooling
failure through the same policy engine).")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libsystemd0 and libsodium23 are loaded with dlopen (agent/lib/sdlib.c,
# sodlib.c), which shlibdeps does not see: named here (pkg/deb.sh checks
# every dll_load against Depends).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "procps, init-system-helpers (>= 1.54~), systemd | systemd-sysusers, systemd | systemd-tmpfiles, libsystemd0, libsodium23 (>= 1.0.14)")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "mosquitto, mosquitto-clients, freeipmi-tools, libvirt-clients")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${TW_DIST}/debian/conffiles ${TW_DIST}/debian/postinst
    ${TW_DIST}/debian/prerm ${TW_DIST}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
# The staged tree is /usr plus absolute /etc and /lib paths: install with
# DESTDIR, so the prefix the programs were built for stays the prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR "")
# Debian's finishing touches on the staged tree (compressed man pages,
# copyright, changelog, lintian overrides), and a check that the build is
# one for /usr.
set(CPACK_TW_DIST ${TW_DIST})
set(CPACK_TW_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PRE_BUILD_SCRIPTS ${TW_DIST}/deb-stage.cmake)
include(CPack)
