// What a failed database call means to the storage layer. SOCI reports every failure as an
// exception; the storage code catches it where the call was made and classifies it here, so that
// deadlocks become kAborted, uniqueness violations kAlreadyExists, a lost connection kUnavailable
// (and a replaced session), and everything else kInternal.
//
// Thread-safety: free functions over values; call ClassifyCurrentException only from a catch block.
#pragma once

#include <string>
#include <string_view>

#include "eventify/status.h"

namespace soci {
class session;
}

namespace eventify::storage {

enum class Dialect { kSqlite, kPostgresql };

enum class FailureKind {
  kConflict,             // deadlock, serialization failure, busy or locked: retry the transaction
  kUniqueViolation,      // a UNIQUE or PRIMARY KEY constraint
  kForeignKeyViolation,  // a row referenced something that does not exist
  kConnectionLost,       // the session is unusable: it must be replaced, not returned to the pool
  kOther,
};

struct DatabaseFailure {
  FailureKind kind = FailureKind::kOther;
  // Safe to put in a Status message: the SQLSTATE on PostgreSQL, the result code and SQLite's own
  // message on SQLite. Never the SQL text or a bound value (SOCI's what() contains both, and
  // PostgreSQL's messages may quote row values).
  std::string diagnostic;
};

// Classifies the exception being handled. `sql` is the session the failed call used, or nullptr;
// on PostgreSQL it is asked whether its connection is still alive.
DatabaseFailure ClassifyCurrentException(Dialect dialect, soci::session* sql);

// The generic Status for `failure` during `operation` (e.g. "FindUserById"):
// kAborted (conflict), kAlreadyExists, kUnavailable (database_unavailable), kInternal otherwise.
Status FailureStatus(const DatabaseFailure& failure, std::string_view operation);

}  // namespace eventify::storage
