#include "support/test_storage.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace eventify::testing {
namespace {

// Temporary directories of the SQLite databases, removed when the test program exits.
class TempDirectories {
 public:
  ~TempDirectories() {
    std::lock_guard lock(mutex_);
    for (const auto& dir : dirs_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }

  std::filesystem::path Create() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "eventify-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      BOOST_FAIL("cannot create a temporary directory for a test");
    }
    std::lock_guard lock(mutex_);
    dirs_.emplace_back(pattern);
    return dirs_.back();
  }

 private:
  std::mutex mutex_;
  std::vector<std::filesystem::path> dirs_;
};

TempDirectories& Temporaries() {
  static TempDirectories temporaries;
  return temporaries;
}

// `url` with its database name (the URI path) replaced by `database`.
std::string WithDatabase(const std::string& url, const std::string& database) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    BOOST_FAIL("EVENTIFY_TEST_PG_URL is not a postgresql:// URI");
  }
  const std::size_t authority_end = std::min(url.find_first_of("/?", scheme_end + 3), url.size());
  const std::size_t query = url.find('?', scheme_end + 3);
  return url.substr(0, authority_end) + "/" + database +
         (query == std::string::npos ? "" : url.substr(query));
}

std::string FreshPostgresUrl() {
  const char* server = std::getenv("EVENTIFY_TEST_PG_URL");
  if (server == nullptr || *server == '\0') {
    BOOST_FAIL(
        "EVENTIFY_TEST_BACKEND=postgresql but EVENTIFY_TEST_PG_URL is not set: run this test "
        "through tests/support/with-postgres.sh (ctest does) or export the URL of a server");
  }
  static std::mutex mutex;
  static std::unique_ptr<soci::session> admin;
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}();

  const std::string name = "eventify_test_" + std::to_string(::getpid()) + "_" +
                           std::to_string(salt % 100000) + "_" + std::to_string(++counter);
  std::lock_guard lock(mutex);
  try {
    if (admin == nullptr) {
      // SOCI 4.0.3 corrupts a connect string that contains no '=': name the application.
      std::string admin_url = server;
      admin_url += admin_url.find('?') == std::string::npos ? "?" : "&";
      admin_url += "application_name=eventify-test-setup";
      admin = std::make_unique<soci::session>(soci::postgresql, admin_url);
    }
    *admin << ("CREATE DATABASE " + name);
  } catch (const std::exception& error) {
    admin.reset();
    BOOST_FAIL("cannot create test database " << name
                                              << " on EVENTIFY_TEST_PG_URL: " << error.what());
  }
  return WithDatabase(server, name);
}

}  // namespace

std::string_view TestBackend() {
  const char* backend = std::getenv("EVENTIFY_TEST_BACKEND");
  if (backend == nullptr || *backend == '\0' || std::string_view(backend) == "sqlite") {
    return "sqlite";
  }
  if (std::string_view(backend) == "postgresql") return "postgresql";
  BOOST_FAIL("EVENTIFY_TEST_BACKEND must be sqlite or postgresql, not " << backend);
  return {};
}

std::string FreshDatabaseUrl() {
  if (TestBackend() == "postgresql") return FreshPostgresUrl();
  return "sqlite:" + (FreshTempDirectory() / "eventify.db").string();
}

std::filesystem::path FreshTempDirectory() { return Temporaries().Create(); }

std::shared_ptr<spi::Storage> OpenStorageOrFail(const spi::SociStorageOptions& options) {
  Result<std::shared_ptr<spi::Storage>> storage = spi::OpenSociStorage(options);
  BOOST_REQUIRE_MESSAGE(storage.ok(), "OpenSociStorage failed: " << storage.status().ToString());
  return std::move(storage).value();
}

std::shared_ptr<spi::Storage> OpenFreshStorage() {
  spi::SociStorageOptions options;
  options.url = FreshDatabaseUrl();
  return OpenStorageOrFail(options);
}

}  // namespace eventify::testing
