# oddstap_add_test(<name> SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s])
# Registers a QTest executable with CTest on the offscreen platform.
function(oddstap_add_test name)
    cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 60)
    endif()
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE Qt::Test oddstap_warnings ${T_LIBS})
    target_compile_definitions(${name} PRIVATE ODDSTAP_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;QT_LOGGING_RULES=oddstap.*.debug=false"
        LABELS "${T_LABELS}")
endfunction()
