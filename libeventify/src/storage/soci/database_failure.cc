#include "storage/soci/database_failure.h"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <sqlite3.h>

#include <exception>
#include <string>

namespace eventify::storage {
namespace {

bool PostgresConnectionBroken(soci::session* sql) {
  if (sql == nullptr || sql->get_backend() == nullptr) return false;
  // libsoci_postgresql exports no typeinfo for its backend, so no dynamic_cast: the name check
  // makes the static_cast safe.
  if (sql->get_backend_name() != "postgresql") return false;
  auto* backend = static_cast<soci::postgresql_session_backend*>(sql->get_backend());
  return backend->conn_ == nullptr || PQstatus(backend->conn_) == CONNECTION_BAD;
}

DatabaseFailure ClassifyPostgres(const soci::postgresql_soci_error& error, soci::session* sql) {
  const std::string state = error.sqlstate();
  DatabaseFailure failure{FailureKind::kOther, fmt::format("SQLSTATE {}", state)};
  if (PostgresConnectionBroken(sql) || state.starts_with("08") || state == "57P01" ||
      state == "57P02" || state == "57P03") {
    failure.kind = FailureKind::kConnectionLost;
  } else if (state == "40001" || state == "40P01" || state == "55P03") {
    failure.kind = FailureKind::kConflict;
  } else if (state == "23505") {
    failure.kind = FailureKind::kUniqueViolation;
  } else if (state == "23503") {
    failure.kind = FailureKind::kForeignKeyViolation;
  }
  return failure;
}

DatabaseFailure ClassifySqlite(const soci::sqlite3_soci_error& error) {
  const int code = error.result() & 0xff;  // the primary result code
  // SQLite's messages name the constraint and the columns, never the values.
  const std::string message = error.get_error_message();
  DatabaseFailure failure{FailureKind::kOther, fmt::format("SQLite error {}: {}", code, message)};
  switch (code) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      failure.kind = FailureKind::kConflict;
      break;
    case SQLITE_CONSTRAINT:
      if (message.find("UNIQUE constraint failed") != std::string::npos) {
        failure.kind = FailureKind::kUniqueViolation;
      } else if (message.find("FOREIGN KEY constraint failed") != std::string::npos) {
        failure.kind = FailureKind::kForeignKeyViolation;
      }
      break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_NOTADB:
      failure.kind = FailureKind::kConnectionLost;
      break;
    default:
      break;
  }
  return failure;
}

}  // namespace

DatabaseFailure ClassifyCurrentException(Dialect dialect, soci::session* sql) {
  try {
    throw;
  } catch (const soci::postgresql_soci_error& error) {
    return ClassifyPostgres(error, sql);
  } catch (const soci::sqlite3_soci_error& error) {
    return ClassifySqlite(error);
  } catch (const soci::soci_error& error) {
    // SOCI's own errors (conversions, libpq refusing to send) may quote data: keep the message out.
    if (dialect == Dialect::kPostgresql && PostgresConnectionBroken(sql)) {
      return {FailureKind::kConnectionLost, "connection to PostgreSQL lost"};
    }
    if (dialect == Dialect::kSqlite) {
      const std::string message = error.get_error_message();
      if (message.find("database is locked") != std::string::npos ||
          message.find("database table is locked") != std::string::npos) {
        return {FailureKind::kConflict, "SQLite database is locked"};
      }
    }
    return {FailureKind::kOther, "SOCI error"};
  } catch (const std::exception&) {
    return {FailureKind::kOther, "unexpected exception"};
  } catch (...) {
    return {FailureKind::kOther, "unknown exception"};
  }
}

Status FailureStatus(const DatabaseFailure& failure, std::string_view operation) {
  switch (failure.kind) {
    case FailureKind::kConflict:
      return Aborted("transaction_conflict",
                     fmt::format("{}: the database aborted a conflicting transaction ({})",
                                 operation, failure.diagnostic));
    case FailureKind::kUniqueViolation:
      return AlreadyExists("already_exists",
                           fmt::format("{}: a uniqueness rule would be broken", operation));
    case FailureKind::kConnectionLost:
      return Unavailable(
          "database_unavailable",
          fmt::format("{}: the database connection was lost ({})", operation, failure.diagnostic));
    case FailureKind::kForeignKeyViolation:
      return Internal(
          fmt::format("{}: a referenced row does not exist ({})", operation, failure.diagnostic));
    case FailureKind::kOther:
      break;
  }
  return Internal(fmt::format("{} failed ({})", operation, failure.diagnostic));
}

}  // namespace eventify::storage
