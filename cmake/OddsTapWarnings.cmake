# Interface target carrying the project's warning set and Qt hygiene defines.
add_library(oddstap_warnings INTERFACE)
if(MSVC)
    target_compile_options(oddstap_warnings INTERFACE /W4 /permissive- $<$<BOOL:${ODDSTAP_WERROR}>:/WX>)
else()
    target_compile_options(oddstap_warnings INTERFACE
        -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wimplicit-fallthrough
        $<$<BOOL:${ODDSTAP_WERROR}>:-Werror>)
endif()
target_compile_definitions(oddstap_warnings INTERFACE
    QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING QT_USE_QSTRINGBUILDER
    QT_NO_FOREACH QT_DISABLE_DEPRECATED_BEFORE=0x060400)
