# npm_ci.cmake - tw_npm_ci(TARGET SRCDIR OUTDIR): install the packages that
# SRCDIR/package-lock.json pins (versions and integrity hashes) into
# OUTDIR/node_modules with "npm ci --ignore-scripts" (no install scripts,
# nothing downloaded but the locked tarballs), the downloads cached in the
# build tree. Defines TARGET, the stamp file TARGET_STAMP. Used by the
# dashboard and by its browser test.
include_guard(GLOBAL)

find_program(NPM_EXECUTABLE npm)
set(TW_NPM_CACHE ${PROJECT_BINARY_DIR}/npm-cache CACHE PATH
    "where npm keeps its downloads for the dashboard and its test")

function(tw_npm_ci target srcdir outdir)
  file(MAKE_DIRECTORY ${outdir})
  set(stamp ${outdir}/node_modules/.package-lock.json)
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -E copy ${srcdir}/package.json
            ${srcdir}/package-lock.json ${outdir}
    COMMAND ${CMAKE_COMMAND} -E env PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
            ${NPM_EXECUTABLE} ci --ignore-scripts --no-audit --no-fund
            --loglevel=warn --cache ${TW_NPM_CACHE}
    DEPENDS ${srcdir}/package.json ${srcdir}/package-lock.json
    WORKING_DIRECTORY ${outdir}
    COMMENT "npm ci (pinned by ${srcdir}/package-lock.json)"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS ${stamp})
  set(${target}_STAMP ${stamp} PARENT_SCOPE)
endfunction()
