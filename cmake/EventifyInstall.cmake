# The install rules (cmake --install; docs/packaging.md):
#   include/eventify/         the public headers (backends/ only for the backends built)
#   lib/                      libeventify and one library per backend built (static or shared)
#   lib/cmake/eventify/       eventifyConfig.cmake, eventifyConfigVersion.cmake, one targets file
#                             for the core (eventify::eventify) and one per backend
#                             (eventify::soci, eventify::redis, eventify::smtp, eventify::reports, eventify::curl_fetcher),
#                             FindSOCI.cmake
#   bin/eventify-server       when the server is built
# A program finds it with find_package(eventify CONFIG REQUIRED [COMPONENTS soci redis smtp reports curl_fetcher]).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(EVENTIFY_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/eventify CACHE STRING
    "Where the package's CMake files are installed, below the prefix")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/libeventify/include/eventify
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        PATTERN backends EXCLUDE)
install(TARGETS eventify EXPORT eventifyTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Development
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT eventifyTargets NAMESPACE eventify::
        FILE eventifyTargets.cmake DESTINATION ${EVENTIFY_INSTALL_CMAKEDIR})

# A backend: its library, its header and its own targets file, which the package config file
# includes when the backend is asked for (or when no component is named).
set(_eventify_header_soci soci.h)
set(_eventify_header_redis redis_bus.h redis_rate_limiter.h)
set(_eventify_header_smtp smtp_mailer.h)
set(_eventify_header_reports "")  # eventify/reports.h, installed with the core's headers
set(_eventify_header_curl_fetcher curl_http_fetcher.h)
set(EVENTIFY_INSTALLED_BACKENDS "")
foreach(_backend soci redis smtp reports curl_fetcher)
  if(NOT TARGET eventify_${_backend})
    continue()
  endif()
  list(APPEND EVENTIFY_INSTALLED_BACKENDS ${_backend})
  foreach(_header IN LISTS _eventify_header_${_backend})
    install(FILES ${PROJECT_SOURCE_DIR}/libeventify/include/eventify/backends/${_header}
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/eventify/backends)
  endforeach()
  install(TARGETS eventify_${_backend} EXPORT eventify-${_backend}Targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Development
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT eventify-${_backend}Targets NAMESPACE eventify::
          FILE eventify-${_backend}Targets.cmake DESTINATION ${EVENTIFY_INSTALL_CMAKEDIR})
endforeach()
if(TARGET eventify_soci)
  # SOCI on Debian has no CMake package of its own; a static eventify::soci needs it found.
  install(FILES ${PROJECT_SOURCE_DIR}/cmake/FindSOCI.cmake DESTINATION ${EVENTIFY_INSTALL_CMAKEDIR})
endif()

# The server finds the shared libraries next to it, in ../lib, wherever the prefix is.
if(TARGET eventify-server AND BUILD_SHARED_LIBS)
  file(RELATIVE_PATH _eventify_bin_to_lib
       ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
  set_target_properties(eventify-server PROPERTIES INSTALL_RPATH "$ORIGIN/${_eventify_bin_to_lib}")
endif()

set(EVENTIFY_SHARED_LIBRARIES OFF)
if(BUILD_SHARED_LIBS)
  set(EVENTIFY_SHARED_LIBRARIES ON)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/eventifyConfig.cmake.in
  ${PROJECT_BINARY_DIR}/eventifyConfig.cmake
  INSTALL_DESTINATION ${EVENTIFY_INSTALL_CMAKEDIR})
# Before 1.0 a minor release may break the API: only the same MAJOR.MINOR is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/eventifyConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/eventifyConfig.cmake
              ${PROJECT_BINARY_DIR}/eventifyConfigVersion.cmake
        DESTINATION ${EVENTIFY_INSTALL_CMAKEDIR})
