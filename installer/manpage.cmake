# Writes one man page with help2man: the program's --help, then (for oddstap-cli) every command's
# --help in a COMMANDS section, then the hand-written sections of INCLUDE. Run with cmake -P.
set(_include ${OUT}.h2m)
# Defaults the programs print are the reader's, not the build machine's: ~ for the home directory.
set(ENV{HOME} "~")
unset(ENV{XDG_DATA_HOME})
unset(ENV{XDG_CONFIG_HOME})
# The GUI prints its help without a display (it picks the offscreen platform for --help).
set(ENV{QT_QPA_PLATFORM} offscreen)
file(READ ${INCLUDE} _text)
if(NAME STREQUAL "oddstap-cli")
    execute_process(COMMAND ${PROGRAM} --help OUTPUT_VARIABLE _help RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "${PROGRAM} --help failed")
    endif()
    string(REGEX MATCHALL "\n  [a-z-]+  " _lines "${_help}")
    set(_commands "")
    foreach(_line ${_lines})
        string(STRIP "${_line}" _command)
        execute_process(COMMAND ${PROGRAM} ${_command} --help OUTPUT_VARIABLE _commandHelp RESULT_VARIABLE _rc)
        if(NOT _rc EQUAL 0)
            message(FATAL_ERROR "${PROGRAM} ${_command} --help failed")
        endif()
        # Backslashes are roff's escapes; a line starting with a dot or a quote would be a request.
        string(REPLACE "\\" "\\e" _commandHelp "${_commandHelp}")
        string(REGEX REPLACE "\n([.'])" "\n\\\\&\\1" _commandHelp "\n${_commandHelp}")
        string(APPEND _commands ".SS ${_command}\n.nf\n${_commandHelp}\n.fi\n")
    endforeach()
    set(_text "[COMMANDS]\nEach command describes itself with \\fBoddstap-cli\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR:\n${_commands}\n${_text}")
endif()
file(WRITE ${_include} "${_text}")
execute_process(
    COMMAND ${HELP2MAN} --no-info --section=1 --source=OddsTap --version-string=${VERSION}
            --include=${_include} --output=${OUT} ${PROGRAM}
    RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "help2man failed for ${PROGRAM}")
endif()
execute_process(COMMAND ${GZIP} -9nf ${OUT} RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "gzip failed for ${OUT}")
endif()
