// The version of libeventify, for a program to check at compile time what it builds against.
// The top-level CMakeLists.txt reads EVENTIFY_VERSION_MAJOR/MINOR/PATCH from this file for
// project(VERSION), so this is the only place the version is written; the installed package's
// version file (eventifyConfigVersion.cmake) and the shared libraries' SOVERSION follow it.
// Semantic versioning; before 1.0 a minor release may change the API.
#pragma once

#define EVENTIFY_VERSION_MAJOR 0
#define EVENTIFY_VERSION_MINOR 1
#define EVENTIFY_VERSION_PATCH 0

// "MAJOR.MINOR.PATCH"
#define EVENTIFY_VERSION_STRING "0.1.0"

// One number that orders versions: MAJOR * 10000 + MINOR * 100 + PATCH.
#define EVENTIFY_VERSION (EVENTIFY_VERSION_MAJOR * 10000 + EVENTIFY_VERSION_MINOR * 100 + EVENTIFY_VERSION_PATCH)
