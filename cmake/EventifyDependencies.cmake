# Finds every third-party dependency once, so that each CMakeLists links plain targets.
# On Debian 12 all of them come from apt (see docs/dependencies.md and .ci/install-deps).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(fmt CONFIG REQUIRED)
if(EVENTIFY_WITH_SOCI)
  find_package(SOCI REQUIRED COMPONENTS sqlite3 postgresql)
endif()
if(EVENTIFY_WITH_REDIS)
  # hiredis 0.14: Debian's CMake package file breaks without a version and sets variables only;
  # pkg-config gives an imported target.
  pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis>=0.14)
endif()
if(EVENTIFY_WITH_SMTP)
  find_package(CURL REQUIRED)
endif()
if(EVENTIFY_WITH_REPORTS)
  # Reports and tickets (eventify::reports): PDF through cairo, QR codes, XLSX.
  pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo cairo-pdf)
  pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
  pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)
endif()
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# libcrypto only (no TLS): the signatures of OpenID Connect ID tokens (docs/dependencies.md).
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
find_path(RAPIDJSON_INCLUDE_DIR rapidjson/document.h REQUIRED)
if(NOT TARGET RapidJSON::RapidJSON)
  add_library(RapidJSON::RapidJSON INTERFACE IMPORTED)
  set_target_properties(RapidJSON::RapidJSON PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIR}")
endif()
if(EVENTIFY_BUILD_SERVER)
  # The server's own HTTP/1.1 layer runs on standalone Asio (cmake/FindAsio.cmake).
  find_package(Asio 1.18 REQUIRED)
  # The WebSocket endpoint (server/ws_transport.cc). Debian's config file accepts no version but
  # exactly 0.8.2 ("0.8" is rejected).
  find_package(websocketpp CONFIG REQUIRED)
endif()
if(EVENTIFY_BUILD_SERVER AND EVENTIFY_BUILD_TESTS)
  # The end-to-end tests' HTTP client. Debian ships cpp-httplib compiled: its pkg-config Cflags
  # must be used or layouts differ.
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
endif()
if(EVENTIFY_BUILD_TESTS OR EVENTIFY_BUILD_CONFORMANCE)
  find_package(Boost 1.74 CONFIG REQUIRED COMPONENTS unit_test_framework)
endif()
