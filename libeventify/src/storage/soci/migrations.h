// The database schema as an ordered list of migrations compiled into the library, and the code
// that brings a database up to date when the storage opens.
//
// Each migration runs in its own transaction together with the row recording it in
// schema_migrations, so it is applied entirely or not at all, and never twice. Concurrent openers
// are serialised: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by
// BEGIN IMMEDIATE; whoever comes second finds the migration recorded and skips it.
//
// Adding a migration: append to the list in migrations.cc with the next version, never edit or
// reorder a released one. Money columns are BIGINT minor units (never NUMERIC: SOCI reads it as
// double); timestamps BIGINT microseconds since the Unix epoch (UTC); ids TEXT; booleans INTEGER
// 0/1.
//
// Thread-safety: Migrate uses only the session it is given.
#pragma once

#include <string_view>
#include <vector>

#include "eventify/status.h"
#include "storage/soci/database_failure.h"

namespace soci {
class session;
}

namespace eventify::storage {

struct Migration {
  int version;
  std::string_view name;
  // Statements run one at a time: SQLite would silently ignore all but the first of a string.
  std::vector<std::string_view> sqlite;
  std::vector<std::string_view> postgresql;
};

// Every migration this build knows, in ascending version order.
const std::vector<Migration>& AllMigrations();
// The version of the last one.
int NewestSchemaVersion();

// The newest migration recorded in the database; 0 when none is (schema_migrations may not even
// exist). Creates and changes nothing.
// Errors: kUnavailable (database_unavailable), kInternal.
Result<int> RecordedSchemaVersion(soci::session& sql, Dialect dialect);

// Creates schema_migrations when missing and applies each unrecorded migration up to version
// `up_to` (all of them unless a test wants an older schema). Returns the schema version
// afterwards.
// Errors: kFailedPrecondition (schema_too_new), kInternal (a migration failed; it left nothing),
// kUnavailable (database_unavailable), kAborted (transaction_conflict, e.g. SQLite stayed busy).
Result<int> Migrate(soci::session& sql, Dialect dialect, int up_to = NewestSchemaVersion());

}  // namespace eventify::storage
