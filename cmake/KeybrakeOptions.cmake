# One INTERFACE target carries the language standard, warnings and Qt safety defines for every
# target of the project.
add_library(keybrake_options INTERFACE)
target_compile_features(keybrake_options INTERFACE cxx_std_20)
target_compile_definitions(keybrake_options INTERFACE
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER
    QT_STRICT_ITERATORS
    QT_DISABLE_DEPRECATED_BEFORE=0x060400
    QT_NO_KEYWORDS
    # Beast and Asio are compiled once, in server/net/boost_separate.cpp, not in every file.
    BOOST_ASIO_SEPARATE_COMPILATION
    BOOST_BEAST_SEPARATE_COMPILATION
    BOOST_ASIO_NO_DEPRECATED
    BOOST_ALLOW_DEPRECATED_HEADERS
    $<$<NOT:$<CONFIG:Debug>>:QT_NO_DEBUG_OUTPUT>)
target_compile_options(keybrake_options INTERFACE
    $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Woverloaded-virtual
        -Wcast-qual -Wno-missing-field-initializers>
    # GCC 12 reports Asio's coroutine frames (aligned_alloc, then its own sized delete) as a
    # mismatched new/delete after inlining: a false positive inside Boost, not in our code.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>
    $<$<AND:$<CXX_COMPILER_ID:GNU,Clang>,$<BOOL:${KEYBRAKE_WARNINGS_AS_ERRORS}>>:-Werror>
    $<$<CXX_COMPILER_ID:MSVC>:/W4 /permissive- /utf-8 /Zc:__cplusplus>)
if(KEYBRAKE_ENABLE_SANITIZERS)
    target_compile_options(keybrake_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(keybrake_options INTERFACE -fsanitize=address,undefined)
endif()
