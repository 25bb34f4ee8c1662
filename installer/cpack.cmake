# Packaging: DEB and TGZ on Linux (NSIS / DragNDrop where those platforms build; docs/packaging.md).
if(UNIX AND NOT APPLE)
    include(${CMAKE_CURRENT_LIST_DIR}/linux.cmake)
endif()

set(CPACK_PACKAGE_NAME "oddstap")
set(CPACK_PACKAGE_VENDOR "OddsTap")
set(CPACK_PACKAGE_CONTACT "${ODDSTAP_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${ODDSTAP_HOMEPAGE}")
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")
set(CPACK_STRIP_FILES ON)
if(WIN32)
    set(CPACK_GENERATOR "NSIS;ZIP")
elseif(APPLE)
    set(CPACK_GENERATOR "DragNDrop")
else()
    set(CPACK_GENERATOR "DEB;TGZ")
    set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
    set(CPACK_DEBIAN_PACKAGE_SECTION "net")
    set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
    set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
    # The shared libraries the programs link, found by dpkg-shlibdeps; and what Qt loads at run
    # time, which shlibdeps cannot see: the SQL drivers (the xcb platform plugin is in libqt6gui6,
    # which the GUI links).
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite, libqt6sql6-psql")
    # The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the extended description, its
    # lines kept under 80 columns (CPack does not wrap them).
    string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
        "OddsTap keeps a connection to a sportsbook or exchange feed alive, checks\n"
        "every message, stores the history in SQLite or PostgreSQL and shows live\n"
        "fixtures, markets, odds charts, bets and an error log. It records sessions\n"
        "and replays them, reads Betfair Exchange Stream files and streams, and\n"
        "exports CSV.\n"
        "\n"
        "This package holds the desktop application (oddstap) and the headless\n"
        "command-line tool (oddstap-cli).")
endif()
include(CPack)
