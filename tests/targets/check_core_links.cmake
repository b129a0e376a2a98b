# Fails when the core library names a database, Redis, curl or HTTP library among its link
# libraries, or when a program linked against the core alone loads one (issue 14: such libraries
# belong to backend targets like eventify::soci, never to eventify::eventify).
#
#   cmake -DLINK_LIBRARIES_FILE=<file> -DPROGRAM=<executable> [-DLDD=<ldd>] -P check_core_links.cmake
#
# LINK_LIBRARIES_FILE holds the core's LINK_LIBRARIES and INTERFACE_LINK_LIBRARIES as CMake wrote
# them at generate time (tests/targets/CMakeLists.txt); PROGRAM is that core-only program, whose
# shared libraries are listed with LDD where there is one (Linux).
cmake_minimum_required(VERSION 3.25)

set(forbidden "soci|sqlite|postgres|libpq|redis|curl|httplib|asio|websocketpp")
set(failures "")

function(check_lines what text)
  string(REPLACE "\n" ";" lines "${text}")
  foreach(line IN LISTS lines)
    string(TOLOWER "${line}" lowered)
    if(lowered MATCHES "(${forbidden})")
      string(APPEND failures "  ${what}: '${CMAKE_MATCH_1}' in: ${line}\n")
    endif()
  endforeach()
  set(failures "${failures}" PARENT_SCOPE)
endfunction()

file(READ "${LINK_LIBRARIES_FILE}" link_libraries)
message(STATUS "eventify::eventify links:\n${link_libraries}")
check_lines("link libraries of eventify::eventify" "${link_libraries}")

if(LDD)
  execute_process(COMMAND "${LDD}" "${PROGRAM}" OUTPUT_VARIABLE loaded RESULT_VARIABLE ldd_result)
  if(NOT ldd_result EQUAL 0)
    message(FATAL_ERROR "${LDD} ${PROGRAM} failed (${ldd_result})")
  endif()
  message(STATUS "a program linked against eventify::eventify alone loads:\n${loaded}")
  check_lines("shared library of ${PROGRAM}" "${loaded}")
endif()

if(failures)
  message(FATAL_ERROR "the core must link no database, Redis, curl or HTTP library:\n${failures}")
endif()
