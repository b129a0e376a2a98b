# The steps of the installed-consumer tests (CMakeLists.txt here), run with cmake -P:
#   -DSTEP=install        cmake --install BUILD_DIR into PREFIX (a fresh folder)
#   -DSTEP=build_shared   configure SOURCE_DIR as a shared build in BUILD_DIR (tests and examples
#                         off; SHARED_CXX_FLAGS the flags of the build type), build it, then as
#                         STEP=install
#   -DSTEP=consume        configure the project CONSUMER_DIR in CONSUMER_BUILD_DIR against PREFIX
#                         with find_package(eventify CONFIG), build it and run its own tests
# GENERATOR, BUILD_TYPE, CXX_COMPILER and (optionally) C_COMPILER are those of the enclosing build.
# After an install, the installed eventify-server must answer --version with VERSION.
cmake_minimum_required(VERSION 3.25)

function(run)
  message(STATUS "run: ${ARGN}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}")
  endif()
endfunction()

function(install_into_prefix)
  file(REMOVE_RECURSE ${PREFIX})
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})
  if(NOT EXISTS ${PREFIX}/bin/eventify-server)
    return()
  endif()
  execute_process(COMMAND ${PREFIX}/bin/eventify-server --version
                  OUTPUT_VARIABLE answer RESULT_VARIABLE result)
  if(NOT result EQUAL 0 OR NOT answer STREQUAL "eventify-server ${VERSION}\n")
    message(FATAL_ERROR "installed eventify-server --version: ${result} \"${answer}\", "
                        "expected \"eventify-server ${VERSION}\"")
  endif()
endfunction()

set(_compilers -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
if(C_COMPILER)
  list(APPEND _compilers -DCMAKE_C_COMPILER=${C_COMPILER})
endif()

if(STEP STREQUAL "install")
  install_into_prefix()
elseif(STEP STREQUAL "build_shared")
  string(TOUPPER "${BUILD_TYPE}" _config)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -G ${GENERATOR}
      -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
      -DBUILD_SHARED_LIBS=ON -DEVENTIFY_INSTALL=ON -DEVENTIFY_BUILD_SERVER=ON
      -DEVENTIFY_BUILD_TESTS=OFF -DEVENTIFY_BUILD_EXAMPLES=OFF
      "-DCMAKE_CXX_FLAGS_${_config}=${SHARED_CXX_FLAGS}")
  run(${CMAKE_COMMAND} --build ${BUILD_DIR} --parallel 2)
  install_into_prefix()
elseif(STEP STREQUAL "consume")
  file(REMOVE_RECURSE ${CONSUMER_BUILD_DIR})
  run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${CONSUMER_BUILD_DIR} -G ${GENERATOR}
      -DCMAKE_BUILD_TYPE=${BUILD_TYPE} ${_compilers} -DCMAKE_PREFIX_PATH=${PREFIX}
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
  run(${CMAKE_COMMAND} --build ${CONSUMER_BUILD_DIR})
  run(${CMAKE_CTEST_COMMAND} --test-dir ${CONSUMER_BUILD_DIR} --output-on-failure)
else()
  message(FATAL_ERROR "STEP must be install, build_shared or consume, not \"${STEP}\"")
endif()
