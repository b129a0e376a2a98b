#include "storage/soci/native_statements.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <charconv>
#include <cstdlib>

namespace eventify::storage {

using namespace sqlite_api;  // where soci-sqlite3.h declares the SQLite API

namespace {

long long ParseInt(const char* text, std::size_t size) {
  long long value = 0;
  std::from_chars(text, text + size, value);
  return value;
}

[[noreturn]] void FailPostgres(PGconn* conn, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  if (state == nullptr) state = PQstatus(conn) == CONNECTION_BAD ? "08006" : "XX000";
  throw soci::postgresql_soci_error(message, state);
}

}  // namespace

// ---- SqliteStatement ----------------------------------------------------------------------------

SqliteStatement::~SqliteStatement() {
  Reset();
  if (in_use_ != nullptr) {
    *in_use_ = false;
  } else {
    sqlite3_finalize(statement_);
  }
}

void SqliteStatement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  next_parameter_ = 1;
}

void SqliteStatement::Fail(int code) const {
  throw soci::sqlite3_soci_error(sqlite3_errmsg(db_), code);
}

SqliteStatement& SqliteStatement::Bind(std::string_view text) {
  // A null data() (a default string_view) would bind NULL; an empty text is "".
  const int rc =
      sqlite3_bind_text(statement_, next_parameter_++, text.data() != nullptr ? text.data() : "",
                        static_cast<int>(text.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) Fail(sqlite3_extended_errcode(db_));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(long long value) {
  const int rc = sqlite3_bind_int64(statement_, next_parameter_++, value);
  if (rc != SQLITE_OK) Fail(sqlite3_extended_errcode(db_));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(const std::optional<long long>& value) {
  if (value) return Bind(*value);
  const int rc = sqlite3_bind_null(statement_, next_parameter_++);
  if (rc != SQLITE_OK) Fail(sqlite3_extended_errcode(db_));
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(std::string_view bytes) {
  // An empty BLOB is a zero-length BLOB, not NULL: sqlite3_bind_zeroblob says so explicitly.
  const int rc = bytes.empty()
                     ? sqlite3_bind_zeroblob(statement_, next_parameter_++, 0)
                     : sqlite3_bind_blob64(statement_, next_parameter_++, bytes.data(),
                                           static_cast<sqlite3_uint64>(bytes.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) Fail(sqlite3_extended_errcode(db_));
  return *this;
}

bool SqliteStatement::Step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail(sqlite3_extended_errcode(db_));
}

long long SqliteStatement::Run() {
  while (Step()) {
  }
  const long long changes = sqlite3_changes(db_);
  Reset();
  return changes;
}

std::string_view SqliteStatement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

std::string_view SqliteStatement::Blob(int column) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement_, column));
  if (bytes == nullptr) return {};  // NULL or a zero-length BLOB
  return {bytes, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

long long SqliteStatement::Int(int column) const {
  return sqlite3_column_int64(statement_, column);
}

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

// ---- PgArray ------------------------------------------------------------------------------------

void PgArray::Separate() {
  if (text_.size() > 1) text_ += ',';
}

void PgArray::Add(std::string_view text) {
  Separate();
  // Every element quoted, so that empty strings, commas, braces, blanks and the word NULL stay
  // text; inside the quotes only '"' and '\' need a backslash.
  text_ += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

void PgArray::Add(long long value) {
  Separate();
  char buffer[24];
  text_.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
}

void PgArray::Add(const std::optional<long long>& value) {
  if (value) return Add(*value);
  Separate();
  text_ += "NULL";
}

std::string PgArray::Finish() {
  text_ += '}';
  return std::move(text_);
}

// ---- PgResult -----------------------------------------------------------------------------------

long long PgResult::affected_rows() const {
  const char* tuples = PQcmdTuples(result_.get());
  return std::atoll(tuples);
}

std::string_view PgResult::Text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

long long PgResult::Int(int row, int column) const {
  return ParseInt(PQgetvalue(result_.get(), row, column),
                  static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

// ---- NativeStatements ---------------------------------------------------------------------------

NativeStatements::NativeStatements(soci::session& sql, Dialect dialect) : dialect_(dialect) {
  if (dialect == Dialect::kSqlite) {
    sqlite_ = static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
  } else {
    postgres_ = static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
  }
}

NativeStatements::~NativeStatements() {
  for (auto& [text, cached] : sqlite_statements_) sqlite3_finalize(cached.statement);
  // PostgreSQL's prepared statements end with the connection (or stay for its next lease).
}

SqliteStatement NativeStatements::Sqlite(const std::string& text) {
  auto prepare = [&](unsigned flags) {
    sqlite3_stmt* statement = nullptr;
    const int rc = sqlite3_prepare_v3(sqlite_, text.c_str(), static_cast<int>(text.size()) + 1,
                                      flags, &statement, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(statement);
      throw soci::sqlite3_soci_error(sqlite3_errmsg(sqlite_), sqlite3_extended_errcode(sqlite_));
    }
    return statement;
  };
  auto found = sqlite_statements_.find(text);
  if (found == sqlite_statements_.end()) {
    found =
        sqlite_statements_.emplace(text, CachedSqlite{prepare(SQLITE_PREPARE_PERSISTENT)}).first;
  }
  CachedSqlite& cached = found->second;
  if (cached.in_use) return SqliteStatement(sqlite_, prepare(0), nullptr);
  cached.in_use = true;
  return SqliteStatement(sqlite_, cached.statement, &cached.in_use);
}

// The commit path's statements (and the few reads by key that share them, such as FindBookings)
// only ever touch rows by key, and a batch is small next to the tables: an index probe per row
// is always the right plan. PostgreSQL plans a prepared statement
// once for all later runs, from the table statistics of that moment; planned while the tables
// were still small (a new database, before the first autoanalyze), the plan scans whole tables
// and keeps scanning them as they grow. So, for this transaction only, sequential scans and
// hash or merge joins are priced out, and the one generic plan is built at once. The settings
// last until the transaction ends, so other statements of it (say, the UPDATE of a posting that
// follows a batched read) are planned the same way: fine for the look-ups by key they are.
void NativeStatements::PinPlanner() {
  PgResult pinned(PQexec(postgres_,
                         "SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; "
                         "SET LOCAL enable_mergejoin = off; "
                         "SET LOCAL plan_cache_mode = force_generic_plan"));
  if (PQresultStatus(pinned.raw()) != PGRES_COMMAND_OK) FailPostgres(postgres_, pinned.raw());
  planner_pinned_ = true;
}

PgResult NativeStatements::Postgres(const std::string& text,
                                    const std::vector<std::string>& parameters) {
  if (!planner_pinned_) PinPlanner();
  // The server no longer has what the names stand for: forget them all (new names are never
  // reused, so nothing left on the server can clash), then fail this call like any statement.
  auto fail = [&](const PGresult* result) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string_view code = state != nullptr ? state : "";
    if (code == "26000" || code == "42P05" || code == "0A000") postgres_names_.clear();
    FailPostgres(postgres_, result);
  };
  auto found = postgres_names_.find(text);
  if (found == postgres_names_.end()) {
    std::string name = "eventify_native_" + std::to_string(++postgres_prepared_);
    PgResult prepared(PQprepare(postgres_, name.c_str(), text.c_str(),
                                static_cast<int>(parameters.size()), nullptr));
    // A failed PREPARE inside a transaction aborts it, like any failed statement.
    if (PQresultStatus(prepared.raw()) != PGRES_COMMAND_OK) fail(prepared.raw());
    found = postgres_names_.emplace(text, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const std::string& parameter : parameters) values.push_back(parameter.c_str());
  PgResult result(PQexecPrepared(postgres_, found->second.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0));
  const ExecStatusType status = PQresultStatus(result.raw());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(result.raw());
  return result;
}

PgResult NativeStatements::PostgresBinary(const std::string& text,
                                          const std::vector<std::string_view>& parameters) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats(parameters.size(), 1);
  values.reserve(parameters.size());
  lengths.reserve(parameters.size());
  for (std::string_view parameter : parameters) {
    // libpq reads a binary parameter by its length; a null pointer would mean SQL NULL.
    values.push_back(parameter.data() != nullptr ? parameter.data() : "");
    lengths.push_back(static_cast<int>(parameter.size()));
  }
  PgResult result(PQexecParams(postgres_, text.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), lengths.data(), formats.data(), /*resultFormat=*/1));
  const ExecStatusType status = PQresultStatus(result.raw());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    FailPostgres(postgres_, result.raw());
  }
  return result;
}

}  // namespace eventify::storage
