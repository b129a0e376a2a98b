# The Conan 2 recipe of libeventify, in the shape of the public Conan package index
# (conan-center-index): options shared, fPIC and one per bundled backend, the CMake build with
# tests, examples and the server off, and package_info with one component per library target
# (eventify::eventify, eventify::soci, eventify::redis, eventify::smtp), so that CMakeDeps gives a
# consumer the same targets as the package config file cmake --install writes.
#
# This recipe builds the tree it sits in (export_sources): from the repository's root,
#   conan create conan --build=missing
# runs test_package/ against the package. Conan cannot be installed on the project's CI machines;
# CI builds test_package/'s consumer against an installed copy instead (tests/consumer/,
# docs/packaging.md).
import os

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir
from conan.tools.gnu import PkgConfigDeps

required_conan_version = ">=2.0"


class EventifyConan(ConanFile):
    name = "eventify"
    description = ("Embeddable C++20 library for running tech events: accounts, a double-entry "
                   "wallet ledger, events, bookings and chat, with pluggable storage, mail and bus")
    topics = ("events", "ticketing", "ledger", "chat", "embedded-library")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "shared": [True, False],
        "fPIC": [True, False],
        "with_soci": [True, False],
        "with_redis": [True, False],
        "with_smtp": [True, False],
    }
    default_options = {
        "shared": False,
        "fPIC": True,
        "with_soci": True,
        "with_redis": True,
        "with_smtp": True,
        "soci/*:with_sqlite3": True,
        "soci/*:with_postgresql": True,
    }

    @property
    def _root(self):
        return os.path.join(self.recipe_folder, "..")

    def set_version(self):
        # The version is written once, in eventify/version.h (the top-level CMakeLists.txt reads it
        # too).
        header = load(self, os.path.join(self._root, "libeventify", "include", "eventify",
                                         "version.h"))
        for line in header.splitlines():
            if line.startswith("#define EVENTIFY_VERSION_STRING "):
                self.version = line.split('"')[1]

    def export_sources(self):
        for pattern in ("CMakeLists.txt", "cmake/*", "libeventify/*"):
            copy(self, pattern, self._root, self.export_sources_folder)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self, src_folder=".")

    def requirements(self):
        # Third-party headers never appear in eventify's public headers: every requirement is
        # linked privately (visible only for a static link).
        self.requires("fmt/[>=9 <11]", visible=False)
        self.requires("libsodium/[>=1.0.18 <2]", visible=False)
        self.requires("rapidjson/cci.20230929", visible=False)
        if self.options.with_soci:
            self.requires("soci/4.0.3", visible=False)
        if self.options.with_redis:
            self.requires("hiredis/[>=1.0 <2]", visible=False)
        if self.options.with_smtp:
            self.requires("libcurl/[>=7.78 <9]", visible=False)

    def validate(self):
        check_min_cppstd(self, 20)
        if self.settings.os == "Windows" and self.options.shared:
            # eventify/export.h has one macro for four libraries: no dllexport/dllimport.
            raise ConanInvalidConfiguration("eventify: shared libraries are not supported on "
                                            "Windows")

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["EVENTIFY_BUILD_TESTS"] = False
        tc.cache_variables["EVENTIFY_BUILD_CONFORMANCE"] = False
        tc.cache_variables["EVENTIFY_BUILD_EXAMPLES"] = False
        tc.cache_variables["EVENTIFY_BUILD_SERVER"] = False
        tc.cache_variables["EVENTIFY_INSTALL"] = True
        tc.cache_variables["EVENTIFY_WITH_SOCI"] = bool(self.options.with_soci)
        tc.cache_variables["EVENTIFY_WITH_REDIS"] = bool(self.options.with_redis)
        tc.cache_variables["EVENTIFY_WITH_SMTP"] = bool(self.options.with_smtp)
        tc.generate()
        CMakeDeps(self).generate()
        # libsodium and hiredis are found through pkg-config (cmake/EventifyDependencies.cmake).
        PkgConfigDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        cmake = CMake(self)
        cmake.install()
        # Conan's CMakeDeps writes the consumer's config files from package_info.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "eventify")

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "eventify::eventify")
        core.libs = ["eventify"]
        core.requires = ["fmt::fmt", "libsodium::libsodium", "rapidjson::rapidjson"]
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread", "m"]

        if self.options.with_soci:
            soci = self.cpp_info.components["soci"]
            soci.set_property("cmake_target_name", "eventify::soci")
            soci.libs = ["eventify_soci"]
            soci.requires = ["core", "fmt::fmt", "soci::soci_core", "soci::soci_sqlite3",
                             "soci::soci_postgresql"]
            if self.settings.os in ("Linux", "FreeBSD"):
                soci.system_libs = ["dl"]
        if self.options.with_redis:
            redis = self.cpp_info.components["redis"]
            redis.set_property("cmake_target_name", "eventify::redis")
            redis.libs = ["eventify_redis"]
            redis.requires = ["core", "hiredis::hiredis"]
        if self.options.with_smtp:
            smtp = self.cpp_info.components["smtp"]
            smtp.set_property("cmake_target_name", "eventify::smtp")
            smtp.libs = ["eventify_smtp"]
            smtp.requires = ["core", "fmt::fmt", "libcurl::libcurl"]
