# deb-stage.cmake - CPack pre-build script: turns the staged install into
# what Debian expects of a binary package (gzip -9n man pages, copyright,
# changelog.gz, lintian overrides) after checking that the build was
# configured for prefix /usr, the only one a Debian package may use.
if(NOT CPACK_TW_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR "The Debian package needs a build configured for "
    "/usr (this one is for ${CPACK_TW_PREFIX}): cmake -S . -B build "
    "-DCMAKE_INSTALL_PREFIX=/usr")
endif()

# CPACK_TEMPORARY_DIRECTORY is the staged root (DESTDIR) of the package.
set(root ${CPACK_TEMPORARY_DIRECTORY})
if(NOT EXISTS ${root}/usr/sbin/thermwatchd)
  message(FATAL_ERROR "deb-stage: no usr/sbin/thermwatchd under ${root}")
endif()

function(gzip_n file)
  execute_process(COMMAND gzip -9nf ${file} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "deb-stage: gzip ${file} failed")
  endif()
endfunction()

file(GLOB pages ${root}/usr/share/man/man*/*.[1-8])
foreach(p ${pages})
  gzip_n(${p})
endforeach()

# The changelog's newest entry must be this version: a new version needs
# an entry saying what changed.
file(STRINGS ${CPACK_TW_DIST}/debian/changelog top LIMIT_COUNT 1)
if(NOT top MATCHES "^thermwatch \\(${CPACK_PACKAGE_VERSION}\\) ")
  message(FATAL_ERROR "deb-stage: agent/dist/debian/changelog starts with "
    "\"${top}\", not version ${CPACK_PACKAGE_VERSION}: add an entry")
endif()
set(doc ${root}/usr/share/doc/thermwatch)
file(MAKE_DIRECTORY ${doc})
file(COPY ${CPACK_TW_DIST}/debian/copyright DESTINATION ${doc}
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
configure_file(${CPACK_TW_DIST}/debian/changelog ${doc}/changelog COPYONLY)
gzip_n(${doc}/changelog)
if(EXISTS ${CPACK_TW_DIST}/debian/lintian-overrides)
  configure_file(${CPACK_TW_DIST}/debian/lintian-overrides
                 ${root}/usr/share/lintian/overrides/thermwatch COPYONLY)
endif()

# What dh_strip removes besides the symbols (CPACK_STRIP_FILES did those).
find_program(OBJCOPY NAMES objcopy REQUIRED)
file(GLOB programs ${root}/usr/bin/* ${root}/usr/sbin/*
     ${root}/usr/libexec/thermwatch/*)
foreach(p ${programs})
  execute_process(COMMAND ${OBJCOPY} --remove-section=.comment
                  --remove-section=.note ${p} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "deb-stage: objcopy ${p} failed")
  endif()
endforeach()
