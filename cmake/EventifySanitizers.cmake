# Sanitized builds, with clang (Debian packages clang and libclang-rt-14-dev). EVENTIFY_SANITIZE
# builds everything (library, server, tests) with AddressSanitizer and UndefinedBehaviorSanitizer;
# EVENTIFY_BUILD_FUZZERS adds libFuzzer's coverage instrumentation on top and builds the targets of
# tests/fuzz/. sanitizer-ignorelist.txt lists the third-party code left uninstrumented, and why.
#
# UBSan's vptr check is off: it needs the type information of every polymorphic class it sees, and
# Debian's SOCI libraries are built without it (the link fails). Every finding stops the program
# (-fno-sanitize-recover=all), so undefined behaviour fails a test instead of printing a line.
option(EVENTIFY_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(EVENTIFY_BUILD_FUZZERS "Build the libFuzzer targets of tests/fuzz (implies EVENTIFY_SANITIZE)" OFF)

if((EVENTIFY_SANITIZE OR EVENTIFY_BUILD_FUZZERS) AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR
    "EVENTIFY_SANITIZE and EVENTIFY_BUILD_FUZZERS need clang, which provides libFuzzer and the "
    "sanitizers' ignore list: configure with -DCMAKE_CXX_COMPILER=clang++")
endif()

if(EVENTIFY_SANITIZE OR EVENTIFY_BUILD_FUZZERS)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all
                      -fno-omit-frame-pointer
                      -fsanitize-ignorelist=${CMAKE_CURRENT_LIST_DIR}/sanitizer-ignorelist.txt)
  add_link_options(-fsanitize=address,undefined -fno-sanitize=vptr)
endif()
if(EVENTIFY_BUILD_FUZZERS)
  # Coverage feedback for every object file; the fuzzer's main() is linked into the targets only.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
