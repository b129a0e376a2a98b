// NativeStatements: the commit path's statements, prepared once per connection and reused.
//
// The commit pipeline's writer runs the same few statements for every batch. Building and
// preparing them anew each time (SQLite parses and compiles a multi-row VALUES list; PostgreSQL
// parses and plans it) was most of the writer's work. Here each statement text is prepared on its
// first use and kept as long as the connection lives:
//   - SQLite: a persistent sqlite3_stmt, stepped once per row (an in-process library has no
//     round trip to save by sending many rows in one statement).
//   - PostgreSQL: a named server-side prepared statement whose parameters are arrays
//     ("... FROM unnest($1::text[], ...)"), so that one plan serves every batch size and a batch
//     is one round trip per statement.
// Values are bound natively, never spliced into the text. Failures throw the SOCI exceptions the
// rest of the storage layer classifies (sqlite3_soci_error with the result code,
// postgresql_soci_error with the SQLSTATE), so a repository method's Call() treats both alike.
//
// Ownership: the session pool keeps one NativeStatements beside each session and destroys it
// first (SQLite refuses to close a connection with statements still prepared).
// Thread-safety: none; only the thread holding the connection's lease uses it.
#pragma once

#include <libpq-fe.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/database_failure.h"

namespace soci {
class session;
}

namespace eventify::storage {

// One use of a cached SQLite statement: bind the values in placeholder order, step, read the
// columns. Resets the statement (releasing what it holds) when it goes out of scope, and hands it
// back to the cache; a statement used twice at once is a private copy, finalized here.
class SqliteStatement {
 public:
  // `in_use` is the cache's mark (cleared on destruction), or nullptr for a private copy.
  SqliteStatement(sqlite_api::sqlite3* db, sqlite_api::sqlite3_stmt* statement, bool* in_use)
      : db_(db), statement_(statement), in_use_(in_use) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // The next placeholder. The text must stay alive until the statement is stepped.
  SqliteStatement& Bind(std::string_view text);
  SqliteStatement& Bind(long long value);
  SqliteStatement& Bind(const std::optional<long long>& value);  // NULL when empty
  // The next placeholder, as a BLOB (binary, NUL bytes included). Alive until stepped, as text.
  SqliteStatement& BindBlob(std::string_view bytes);

  // Runs to the next row: true with a row to read, false when done.
  bool Step();
  // Steps to completion; returns the rows changed. Then the statement can be bound again.
  long long Run();
  // Makes the statement ready for a new set of values.
  void Reset();

  std::string_view Text(int column) const;
  // A BLOB column's bytes, valid until the statement steps or resets.
  std::string_view Blob(int column) const;
  long long Int(int column) const;
  bool IsNull(int column) const;

 private:
  [[noreturn]] void Fail(int code) const;

  sqlite_api::sqlite3* db_;
  sqlite_api::sqlite3_stmt* statement_;
  bool* in_use_;
  int next_parameter_ = 1;
};

// The text form of a PostgreSQL array parameter: {"a","b\"c",NULL,42}.
class PgArray {
 public:
  void Add(std::string_view text);
  void Add(long long value);
  void Add(const std::optional<long long>& value);  // NULL when empty
  std::string Finish();

 private:
  void Separate();
  std::string text_ = "{";
};

// The outcome of a PostgreSQL statement: rows in text form and the affected row count.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, PQclear) {}

  PGresult* raw() const { return result_.get(); }  // nullptr when libpq could not even answer
  int rows() const { return PQntuples(result_.get()); }
  long long affected_rows() const;
  std::string_view Text(int row, int column) const;
  long long Int(int row, int column) const;
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

// The columns of a PostgreSQL result row, read like a SQLite statement's.
struct PgRow {
  const PgResult& result;
  int row;
  std::string_view Text(int column) const { return result.Text(row, column); }
  long long Int(int column) const { return result.Int(row, column); }
  bool IsNull(int column) const { return result.IsNull(row, column); }
};

class NativeStatements {
 public:
  NativeStatements(soci::session& sql, Dialect dialect);
  ~NativeStatements();
  NativeStatements(const NativeStatements&) = delete;
  NativeStatements& operator=(const NativeStatements&) = delete;

  // SQLite only: the statement for `text`, prepared on first use, ready to bind. While one is in
  // use, asking for the same text again prepares a private copy (never the same statement twice:
  // binding or resetting one would disturb the other).
  SqliteStatement Sqlite(const std::string& text);

  // PostgreSQL only: runs `text` (placeholders $1..$n, typed by casts in the text) with
  // `parameters` in text form, preparing it on this connection on first use. The first call in a
  // transaction pins the planner for the rest of that transaction (see PinPlanner). If the
  // server lost or invalidated the prepared statements (DEALLOCATE, DISCARD, a changed table),
  // the call fails and the names are forgotten, so the next transaction prepares them anew.
  PgResult Postgres(const std::string& text, const std::vector<std::string>& parameters);

  // PostgreSQL only: runs `text` once, unprepared, with every parameter and every result column
  // in binary form, so that bytea travels as raw bytes, neither escaped nor hex-encoded. A text
  // parameter or column is its bytes as they are; the text must cast each placeholder ($1::text,
  // $2::bytea) and select no column whose binary form differs from its text (no numbers).
  // For the few statements that move large binary values (the media objects).
  PgResult PostgresBinary(const std::string& text, const std::vector<std::string_view>& parameters);

  // Called by the storage when a transaction begins on this connection.
  void TransactionBegun() { planner_pinned_ = false; }

 private:
  void PinPlanner();

  const Dialect dialect_;
  bool planner_pinned_ = false;  // PinPlanner ran in the current transaction
  sqlite_api::sqlite3* sqlite_ = nullptr;
  PGconn* postgres_ = nullptr;
  // Statement text -> prepared sqlite3_stmt (SQLite) or its server-side name (PostgreSQL).
  struct CachedSqlite {
    sqlite_api::sqlite3_stmt* statement = nullptr;
    bool in_use = false;
  };
  std::unordered_map<std::string, CachedSqlite> sqlite_statements_;
  std::unordered_map<std::string, std::string> postgres_names_;
  long long postgres_prepared_ = 0;  // names ever used on this connection: never reused
};

// Decodes a native row (SqliteStatement, PgRow) through `Fields` (a row type with Read(row) and
// Get(), e.g. the ledger's AccountFields or the booking store's BookingRow) and appends the
// record; a row that does not decode fails the call with its reason.
template <typename Fields, typename Row, typename Record>
Status AppendNativeRow(const Row& row, std::vector<Record>& records) {
  Fields fields;
  fields.Read(row);
  EV_ASSIGN_OR_RETURN(Record record, fields.Get());
  records.push_back(std::move(record));
  return Status::Ok();
}

// AppendNativeRow for every row of a PostgreSQL result, in order.
template <typename Fields, typename Record>
Status AppendPgRows(const PgResult& found, std::vector<Record>& records) {
  for (int row = 0; row < found.rows(); ++row) {
    EV_RETURN_IF_ERROR((AppendNativeRow<Fields>(PgRow{found, row}, records)));
  }
  return Status::Ok();
}

}  // namespace eventify::storage
