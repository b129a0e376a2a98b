# Conan's test of the package (conan create runs it): builds test_package.cc against the package
# through CMakeDeps and runs it. CI builds the same CMake project against an installed copy
# instead (tests/consumer/, docs/packaging.md), since Conan cannot be installed there.
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, cmake_layout


class TestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "CMakeToolchain"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            program = os.path.join(self.cpp.build.bindir, "test_package")
            self.run(program, env="conanrun")
