# Standalone Asio (Debian: libasio-dev) ships no CMake package: this finds the header and
# provides Asio::Asio, header-only with ASIO_STANDALONE, and its version as Asio_VERSION.
find_path(ASIO_INCLUDE_DIR asio.hpp)
if(ASIO_INCLUDE_DIR)
  file(STRINGS "${ASIO_INCLUDE_DIR}/asio/version.hpp" _v REGEX "#define ASIO_VERSION ")
  string(REGEX MATCH "[0-9]+" _n "${_v}")
  math(EXPR _maj "${_n} / 100000")
  math(EXPR _min "${_n} / 100 % 1000")
  math(EXPR _pat "${_n} % 100")
  set(Asio_VERSION "${_maj}.${_min}.${_pat}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Asio REQUIRED_VARS ASIO_INCLUDE_DIR VERSION_VAR Asio_VERSION)
if(Asio_FOUND AND NOT TARGET Asio::Asio)
  find_package(Threads REQUIRED)
  add_library(Asio::Asio INTERFACE IMPORTED)
  # ASIO_DISABLE_STD_ALIGNED_ALLOC: Asio picks aligned_alloc/free or operator new/delete for its
  # handler memory from a libstdc++ macro that is defined only once a standard header was
  # included, so two files including Asio first and last made its inline aligned_new and
  # aligned_delete differ, and the linker paired one of each (ASan: alloc-dealloc-mismatch).
  # One choice for every file.
  set_target_properties(Asio::Asio PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${ASIO_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_DISABLE_STD_ALIGNED_ALLOC")
  target_link_libraries(Asio::Asio INTERFACE Threads::Threads)
endif()
