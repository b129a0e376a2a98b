// Database URLs (libeventify/src/storage/soci/database_url.cc): from the configuration
// (--database.url, EVENTIFY_DATABASE_URL) to what SOCI connects with. Input: a URL.
// Property: an accepted PostgreSQL URL names the application, and a SQLite connect string is the
// path itself or db=<path>.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "storage/soci/database_url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view url = eventify::fuzz::AsText(data, size);
  auto target = eventify::storage::ParseDatabaseUrl(url);
  if (!target.ok()) return 0;
  if (target->dialect == eventify::storage::Dialect::kPostgresql) {
    eventify::fuzz::Require(target->connect_string.find("application_name=") != std::string::npos,
                            "a PostgreSQL connect string names the application");
  } else {
    const std::string_view path = url.substr(std::string_view("sqlite:").size());
    eventify::fuzz::Require(
        target->connect_string == path || target->connect_string == "db=" + std::string(path),
        "a SQLite connect string is the path");
  }
  return 0;
}
