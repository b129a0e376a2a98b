// Parsing of SociStorageOptions::url into what SOCI needs to connect.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <string_view>

#include "eventify/status.h"
#include "storage/soci/database_failure.h"

namespace eventify::storage {

struct DatabaseTarget {
  Dialect dialect = Dialect::kSqlite;
  // The SOCI connect string: the file path for SQLite; for PostgreSQL the URL itself (libpq
  // accepts "postgresql://" and "postgres://" URIs), with application_name=eventify added when
  // the URL does not name the application.
  std::string connect_string;
  std::string sqlite_path;  // SQLite: the database file; empty for PostgreSQL
};

// Accepts "sqlite:<path>" and "postgresql://..." / "postgres://..." (without whitespace).
// Errors: kInvalidArgument (invalid_database_url). The message never repeats the URL, which may
// hold a password.
Result<DatabaseTarget> ParseDatabaseUrl(std::string_view url);

}  // namespace eventify::storage
