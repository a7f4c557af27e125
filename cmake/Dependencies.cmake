# Every find_package of the project in one place. All of them come from Debian packages
# (scripts/install-deps names them for Debian 12 and Debian 13). Minimum versions, not pins:
# tested with Debian 12's (Qt 6.4, Boost 1.81) and Debian 13's (Qt 6.8, Boost 1.83).
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
# Debian 12's libboost1.81-dev (not its libboost-dev, which is 1.74 and lacks Boost.JSON and
# Boost.URL), or Debian 13's libboost1.83-dev.
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
# No PostgreSQL here: nothing links libpq until a PostgreSQL store exists (SQLite only today).
# libcsv (Debian's libcsv-dev) quotes the fields of the audit CSV export; it ships no CMake or
# pkg-config file.
find_path(CSV_INCLUDE_DIR csv.h REQUIRED)
find_library(CSV_LIBRARY NAMES csv REQUIRED)
add_library(Csv::Csv UNKNOWN IMPORTED)
set_target_properties(Csv::Csv PROPERTIES
    IMPORTED_LOCATION "${CSV_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${CSV_INCLUDE_DIR}")
# Howard Hinnant's date/tz (the C++20 <chrono> time-zone support that libstdc++ 12 lacks).
find_package(date REQUIRED)

if(KEYBRAKE_BUILD_CONSOLE OR KEYBRAKE_BUILD_TESTS)
    set(_qt_components Core Network Concurrent)
    if(KEYBRAKE_BUILD_CONSOLE)
        list(APPEND _qt_components Gui Widgets Charts Svg LinguistTools)
        if(UNIX AND NOT APPLE)
            # The console follows the desktop's colour scheme through the XDG portal.
            list(APPEND _qt_components DBus)
        endif()
    endif()
    if(KEYBRAKE_BUILD_TESTS)
        list(APPEND _qt_components Test)
    endif()
    find_package(Qt6 6.4 REQUIRED COMPONENTS ${_qt_components})
    qt_standard_project_setup()
endif()
if(KEYBRAKE_BUILD_CONSOLE)
    find_package(Qt6Keychain 0.13 REQUIRED)
endif()
