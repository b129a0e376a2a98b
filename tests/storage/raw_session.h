// A direct SOCI connection to the database behind a test storage, for tests that inspect or
// disturb it behind the storage's back (schema, on-disk format, refused writes).
//
// Thread-safety: the returned session belongs to the caller's thread.
#pragma once

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>
#include <string>

namespace eventify::testing {

// `url` as given to SociStorageOptions ("sqlite:<path>" or a PostgreSQL URI).
inline std::unique_ptr<soci::session> RawSession(const std::string& url) {
  if (url.starts_with("sqlite:")) {
    return std::make_unique<soci::session>(soci::sqlite3, url.substr(7));
  }
  // SOCI 4.0.3 corrupts a connect string that contains no '=': name the application.
  const std::string named =
      url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=eventify-test";
  return std::make_unique<soci::session>(soci::postgresql, named);
}

}  // namespace eventify::testing
