# Desktop integration on Linux: the .desktop entry, icons, AppStream metainfo, the capture file's
# MIME type, man pages generated from --help, and the Debian copyright and changelog. Installed
# under CMAKE_INSTALL_PREFIX (/usr in the .deb).
include(GNUInstallDirs)

set(_linux ${PROJECT_SOURCE_DIR}/resources/linux)
set(_out ${PROJECT_BINARY_DIR}/linux)
file(MAKE_DIRECTORY ${_out})

configure_file(${_linux}/oddstap.desktop.in ${_out}/${ODDSTAP_APP_ID}.desktop @ONLY)
configure_file(${_linux}/oddstap.metainfo.xml.in ${_out}/${ODDSTAP_APP_ID}.metainfo.xml @ONLY)
configure_file(${_linux}/copyright ${_out}/copyright @ONLY)
configure_file(${_linux}/changelog.in ${_out}/changelog @ONLY)

# Debian wants the changelog compressed, and reproducibly (no name, no time stamp in the gzip).
find_program(ODDSTAP_GZIP gzip REQUIRED)
add_custom_command(OUTPUT ${_out}/changelog.gz
    COMMAND ${ODDSTAP_GZIP} -9nc ${_out}/changelog > ${_out}/changelog.gz
    DEPENDS ${_out}/changelog VERBATIM)

# Man pages from the programs' --help, with the sections --help has no room for (.h2m files).
find_program(ODDSTAP_HELP2MAN help2man REQUIRED)
set(_manpages)
foreach(_program oddstap-cli oddstap)
    if(NOT TARGET ${_program})
        continue()
    endif()
    add_custom_command(OUTPUT ${_out}/${_program}.1.gz
        COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${_program}> -DNAME=${_program}
                -DINCLUDE=${_linux}/${_program}.h2m -DOUT=${_out}/${_program}.1 -DHELP2MAN=${ODDSTAP_HELP2MAN}
                -DGZIP=${ODDSTAP_GZIP} -DVERSION=${PROJECT_VERSION}
                -P ${CMAKE_CURRENT_LIST_DIR}/manpage.cmake
        DEPENDS ${_program} ${_linux}/${_program}.h2m ${CMAKE_CURRENT_LIST_DIR}/manpage.cmake VERBATIM)
    list(APPEND _manpages ${_out}/${_program}.1.gz)
endforeach()
add_custom_target(oddstap_linux_files ALL DEPENDS ${_manpages} ${_out}/changelog.gz)

install(FILES ${_manpages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# Debian looks for them under the package's name, not the project's (CMAKE_INSTALL_DOCDIR).
install(FILES ${_out}/copyright ${_out}/changelog.gz DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/oddstap)
if(TARGET oddstap)
    install(FILES ${_out}/${ODDSTAP_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES ${_out}/${ODDSTAP_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
    install(FILES ${_linux}/oddstap-mime.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages
        RENAME ${ODDSTAP_APP_ID}.xml)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/oddstap.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps RENAME ${ODDSTAP_APP_ID}.svg)
    foreach(_size 16 24 32 48 64 128 256)
        install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/hicolor/${_size}x${_size}/oddstap.png
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${_size}x${_size}/apps RENAME ${ODDSTAP_APP_ID}.png)
    endforeach()
endif()
