// Test support for suites that need a database: a fresh, empty one per call, on the backend the
// test run selects with EVENTIFY_TEST_BACKEND ("sqlite", the default, or "postgresql").
//
// For "postgresql" the server comes from EVENTIFY_TEST_PG_URL (support/with-postgres.sh sets it);
// when it is missing every test that asks for a database fails, so a PostgreSQL run can never
// pass without PostgreSQL. Every call creates a new database (a SQLite file in a new temporary
// directory, removed at exit; or a CREATE DATABASE with a unique name on the test server).
//
// Thread-safety: every function may be called from any thread. Failures are reported through
// Boost.Test (BOOST_FAIL / BOOST_REQUIRE), so call them from inside a test case or fixture.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "eventify/backends/soci.h"
#include "eventify/spi/storage.h"

namespace eventify::testing {

// "sqlite" or "postgresql".
std::string_view TestBackend();

// The URL of a new, empty database for SociStorageOptions::url.
std::string FreshDatabaseUrl();

// A new, empty directory under the system's temporary one, removed when the test program exits.
std::filesystem::path FreshTempDirectory();

// Opens (and so migrates) a new, empty database with default options.
std::shared_ptr<spi::Storage> OpenFreshStorage();

// Opens `options.url`, failing the test with the status when that does not work.
std::shared_ptr<spi::Storage> OpenStorageOrFail(const spi::SociStorageOptions& options);

}  // namespace eventify::testing
