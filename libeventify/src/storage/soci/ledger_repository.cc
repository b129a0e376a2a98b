#include "storage/soci/ledger_repository.h"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

// ---- Words stored in the kind and status columns -----------------------------------------------
// They are the public names of eventify/ledger.h (AccountKindName and friends) and part of the
// schema (the CHECK constraints of migration 2): never change one; add new ones in a migration
// that widens the constraint.
std::string_view AccountKindText(AccountKind kind) { return AccountKindName(kind); }
std::optional<AccountKind> AccountKindFromText(std::string_view text) {
  auto kind = ParseAccountKind(text);
  return kind.ok() ? std::optional<AccountKind>(*kind) : std::nullopt;
}
std::string_view TransferKindText(TransferKind kind) { return TransferKindName(kind); }
std::optional<TransferKind> TransferKindFromText(std::string_view text) {
  auto kind = ParseTransferKind(text);
  return kind.ok() ? std::optional<TransferKind>(*kind) : std::nullopt;
}
std::string_view StatusText(TransferStatus status) { return TransferStatusName(status); }
std::optional<TransferStatus> StatusFromText(std::string_view text) {
  auto status = ParseTransferStatus(text);
  return status.ok() ? std::optional<TransferStatus>(*status) : std::nullopt;
}

Status AccountNotFound() { return NotFound("account_not_found", "no such ledger account"); }
Status TransferNotFound() { return NotFound("transfer_not_found", "no such transfer"); }
Status IdempotencyKeyTaken() {
  return AlreadyExists("idempotency_key_taken",
                       "a transfer with this idempotency key already exists", "idempotency_key");
}

// Rows per multi-row INSERT: 5 values each stays far below the placeholder limits of SQLite
// (32766) and PostgreSQL (65535).
constexpr std::size_t kEntriesPerInsert = 1000;

// Placeholders per statement of the batched methods, below both limits: a chunk holds as many rows
// as fit, so that a commit-pipeline batch (up to ~2,000 transfers, ~4,000 accounts) takes one
// statement per method.
constexpr std::size_t kMaxParamsPerStatement = 30000;

// Rows of `columns` values each that one batched statement carries.
constexpr std::size_t RowsPerStatement(std::size_t columns) {
  return kMaxParamsPerStatement / columns;
}

// The values of a statement assembled at run time (optional filters, multi-row VALUES lists).
// Add() keeps a copy of the value and returns a fresh placeholder for it, so a query written in
// the order of its Add() calls binds correctly (placeholders bind by position). Call Add() at most
// once per full expression: the operands of `a + b` are evaluated in no fixed order. The copies
// keep their addresses (deque) until the statement has run.
class Params {
 public:
  // SQLite gets anonymous "?" placeholders: it looks a named one up in a list of the names seen so
  // far, which makes preparing a statement of thousands of values quadratic (seconds for a batch).
  // PostgreSQL gets named ones, which SOCI numbers ($1, $2, ...).
  explicit Params(Dialect dialect) : anonymous_(dialect == Dialect::kSqlite) {}

  // For statements run with Run() only (never Bind()): on PostgreSQL the placeholders are libpq's
  // own $1, $2, ... since Run() hands the text to libpq unchanged.
  struct ForRun {};
  Params(Dialect dialect, ForRun) : anonymous_(dialect == Dialect::kSqlite), numbered_(true) {}

  std::string Add(long long value) {
    ints_.push_back(value);
    order_.emplace_back(&ints_.back());
    return Placeholder();
  }
  std::string Add(std::string_view value) {
    texts_.emplace_back(value);
    order_.emplace_back(&texts_.back());
    return Placeholder();
  }
  // NULL when empty.
  std::string Add(const std::optional<long long>& value) {
    nullable_ints_.push_back({value.value_or(0), value ? soci::i_ok : soci::i_null});
    order_.emplace_back(&nullable_ints_.back());
    return Placeholder();
  }

  // Runs a statement without into() elements (an INSERT or UPDATE of a batch). The values are
  // bound natively (sqlite3_bind_*; on PostgreSQL, with ForRun, the parameters of one
  // PQexecParams) rather than through one SOCI use() object each, which for statements of
  // hundreds of values cost more than the statement itself; still bound, never spliced into the
  // text. Failures throw sqlite3_soci_error / postgresql_soci_error as SOCI would, with the same
  // result code or SQLSTATE and message, so that callers classify them alike.
  Executed Run(soci::session& sql, const std::string& query) {
    if (!anonymous_) {
      if (numbered_) return RunPostgres(sql, query);
      return ExecuteBound(sql, query, [&](soci::statement& statement) { Bind(statement); });
    }
    using namespace sqlite_api;  // where soci-sqlite3.h declares the SQLite API
    sqlite3* db = static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
    sqlite3_stmt* raw = nullptr;
    auto fail = [&](int code) {
      throw soci::sqlite3_soci_error(sqlite3_errmsg(db), code);
    };
    int rc = sqlite3_prepare_v2(db, query.c_str(), static_cast<int>(query.size()) + 1, &raw,
                                nullptr);
    if (rc != SQLITE_OK) fail(sqlite3_extended_errcode(db));
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw, sqlite3_finalize);
    int index = 0;
    for (const auto& value : order_) {
      ++index;
      std::visit(
          [&](auto* bound) {
            using T = std::remove_pointer_t<decltype(bound)>;
            if constexpr (std::is_same_v<T, NullableInt>) {
              rc = bound->indicator == soci::i_null
                       ? sqlite3_bind_null(raw, index)
                       : sqlite3_bind_int64(raw, index, bound->value);
            } else if constexpr (std::is_same_v<T, std::string>) {
              rc = sqlite3_bind_text(raw, index, bound->data(), static_cast<int>(bound->size()),
                                     SQLITE_STATIC);
            } else {
              rc = sqlite3_bind_int64(raw, index, *bound);
            }
          },
          value);
      if (rc != SQLITE_OK) fail(sqlite3_extended_errcode(db));
    }
    Executed executed;
    rc = sqlite3_step(raw);
    while (rc == SQLITE_ROW) {
      executed.got_row = true;
      rc = sqlite3_step(raw);
    }
    if (rc != SQLITE_DONE) fail(sqlite3_extended_errcode(db));
    executed.affected_rows = sqlite3_changes(db);
    return executed;
  }

  void Bind(soci::statement& statement) {
    for (const auto& value : order_) {
      std::visit(
          [&](auto* bound) {
            if constexpr (std::is_same_v<decltype(bound), NullableInt*>) {
              statement.exchange(soci::use(bound->value, bound->indicator));
            } else {
              statement.exchange(soci::use(*bound));
            }
          },
          value);
    }
  }

 private:
  struct NullableInt {
    long long value = 0;
    soci::indicator indicator = soci::i_null;
  };

  std::string Placeholder() const {
    if (anonymous_) return "?";
    return (numbered_ ? "$" : ":p") + std::to_string(order_.size());
  }

  // Run() on PostgreSQL: one PQexecParams, the values sent as text with types left to the server
  // (as SOCI sends them), without a SOCI use() object and string conversion per value.
  Executed RunPostgres(soci::session& sql, const std::string& query) {
    PGconn* conn = static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
    // The ints as text, one after another, each ended by a NUL; `where` holds each value's offset
    // in `digits`, or kText / kNull.
    constexpr std::size_t kText = std::string::npos;
    constexpr std::size_t kNull = std::string::npos - 1;
    std::string digits;
    digits.reserve(order_.size() * 21);
    std::vector<std::size_t> where;
    where.reserve(order_.size());
    for (const auto& value : order_) {
      std::visit(
          [&](auto* bound) {
            using T = std::remove_pointer_t<decltype(bound)>;
            long long number = 0;
            if constexpr (std::is_same_v<T, std::string>) {
              where.push_back(kText);
              return;
            } else if constexpr (std::is_same_v<T, NullableInt>) {
              if (bound->indicator == soci::i_null) {
                where.push_back(kNull);
                return;
              }
              number = bound->value;
            } else {
              number = *bound;
            }
            where.push_back(digits.size());
            char buffer[24];
            digits.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, number).ptr);
            digits.push_back('\0');
          },
          value);
    }
    // Pointers into `digits` only now that it no longer grows.
    std::vector<const char*> values;
    values.reserve(order_.size());
    for (std::size_t i = 0; i < order_.size(); ++i) {
      if (where[i] == kText) {
        values.push_back(std::get<std::string*>(order_[i])->c_str());
      } else if (where[i] == kNull) {
        values.push_back(nullptr);
      } else {
        values.push_back(digits.data() + where[i]);
      }
    }
    const std::unique_ptr<PGresult, void (*)(PGresult*)> result(
        PQexecParams(conn, query.c_str(), static_cast<int>(values.size()), nullptr,
                     values.data(), nullptr, nullptr, 0),
        PQclear);
    const ExecStatusType status =
        result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const char* state =
          result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
      const char* message = result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn);
      if (state == nullptr) state = PQstatus(conn) == CONNECTION_BAD ? "08006" : "XX000";
      throw soci::postgresql_soci_error(message, state);
    }
    Executed executed;
    executed.got_row = PQntuples(result.get()) > 0;
    executed.affected_rows = std::atoll(PQcmdTuples(result.get()));
    return executed;
  }

  const bool anonymous_;
  const bool numbered_ = false;

  std::deque<long long> ints_;
  std::deque<std::string> texts_;
  std::deque<NullableInt> nullable_ints_;
  std::vector<std::variant<long long*, std::string*, NullableInt*>> order_;
};

// "a.x, a.y" from "x, y".
std::string Qualified(std::string_view alias, std::string_view columns) {
  std::string out;
  std::size_t start = 0;
  while (start <= columns.size()) {
    std::size_t end = columns.find(", ", start);
    if (end == std::string_view::npos) end = columns.size();
    if (!out.empty()) out += ", ";
    out.append(alias).append(".").append(columns.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

// ---- Row mapping
// ----------------------------------------------------------------------------------

constexpr std::string_view kAccountColumns =
    "id, kind, owner_id, currency, posted, pending_debits, pending_credits, created_at, "
    "updated_at";

// The into() targets of kAccountColumns.
struct AccountFields {
  spi::LedgerAccountRecord record;
  std::string kind;
  long long posted = 0;
  long long pending_debits = 0;
  long long pending_credits = 0;
  long long created_at = 0;
  long long updated_at = 0;

  void Into(soci::statement& statement) {
    statement.exchange(soci::into(record.id));
    statement.exchange(soci::into(kind));
    statement.exchange(soci::into(record.owner_id));
    statement.exchange(soci::into(record.currency));
    statement.exchange(soci::into(posted));
    statement.exchange(soci::into(pending_debits));
    statement.exchange(soci::into(pending_credits));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(updated_at));
  }

  Result<spi::LedgerAccountRecord> Get() const {
    const std::optional<AccountKind> parsed = AccountKindFromText(kind);
    if (!parsed) return Internal("a ledger_accounts row holds an unknown kind");
    spi::LedgerAccountRecord out = record;
    out.kind = *parsed;
    out.posted = posted;
    out.pending_debits = pending_debits;
    out.pending_credits = pending_credits;
    out.created_at = FromMicros(created_at);
    out.updated_at = FromMicros(updated_at);
    return out;
  }
};

constexpr std::string_view kTransferColumns =
    "id, idempotency_key, request_hash, kind, from_account_id, to_account_id, amount, currency, "
    "status, reference, void_reason, created_at, expires_at, resolved_at";

// The into() targets of kTransferColumns.
struct TransferFields {
  spi::TransferRecord record;
  std::string kind;
  std::string status;
  long long amount = 0;
  long long created_at = 0;
  long long expires_at = 0;
  soci::indicator expires_at_indicator = soci::i_null;
  long long resolved_at = 0;
  soci::indicator resolved_at_indicator = soci::i_null;

  void Into(soci::statement& statement) {
    statement.exchange(soci::into(record.id));
    statement.exchange(soci::into(record.idempotency_key));
    statement.exchange(soci::into(record.request_hash));
    statement.exchange(soci::into(kind));
    statement.exchange(soci::into(record.from_account_id));
    statement.exchange(soci::into(record.to_account_id));
    statement.exchange(soci::into(amount));
    statement.exchange(soci::into(record.currency));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(record.reference));
    statement.exchange(soci::into(record.void_reason));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(expires_at, expires_at_indicator));
    statement.exchange(soci::into(resolved_at, resolved_at_indicator));
  }

  Result<spi::TransferRecord> Get() const {
    const std::optional<TransferKind> parsed_kind = TransferKindFromText(kind);
    const std::optional<TransferStatus> parsed_status = StatusFromText(status);
    if (!parsed_kind || !parsed_status) {
      return Internal("a transfers row holds an unknown kind or status");
    }
    spi::TransferRecord out = record;
    out.kind = *parsed_kind;
    out.status = *parsed_status;
    out.amount = amount;
    out.created_at = FromMicros(created_at);
    out.expires_at = expires_at_indicator == soci::i_ok
                         ? std::optional<Timestamp>(FromMicros(expires_at))
                         : std::nullopt;
    out.resolved_at = resolved_at_indicator == soci::i_ok
                          ? std::optional<Timestamp>(FromMicros(resolved_at))
                          : std::nullopt;
    return out;
  }
};

// The refs of both accounts of a transfer row, selected after kTransferColumns.
constexpr std::string_view kRefColumns =
    "fa.kind, fa.owner_id, fa.currency, ta.kind, ta.owner_id, ta.currency";
constexpr std::string_view kRefJoins =
    " JOIN ledger_accounts fa ON fa.id = t.from_account_id"
    " JOIN ledger_accounts ta ON ta.id = t.to_account_id";

// The into() targets of a TransferRow: kTransferColumns, kRefColumns, and with_balance the
// nullable balance_after.
struct TransferRowFields {
  TransferFields transfer;
  std::string from_kind;
  AccountRef from;
  std::string to_kind;
  AccountRef to;
  long long balance_after = 0;
  soci::indicator balance_after_indicator = soci::i_null;

  void Into(soci::statement& statement, bool with_balance) {
    transfer.Into(statement);
    statement.exchange(soci::into(from_kind));
    statement.exchange(soci::into(from.owner_id));
    statement.exchange(soci::into(from.currency));
    statement.exchange(soci::into(to_kind));
    statement.exchange(soci::into(to.owner_id));
    statement.exchange(soci::into(to.currency));
    if (with_balance) statement.exchange(soci::into(balance_after, balance_after_indicator));
  }

  Result<spi::TransferRow> Get() const {
    spi::TransferRow row;
    Result<spi::TransferRecord> record = transfer.Get();
    if (!record.ok()) return record.status();
    row.transfer = std::move(record).value();
    const std::optional<AccountKind> from_parsed = AccountKindFromText(from_kind);
    const std::optional<AccountKind> to_parsed = AccountKindFromText(to_kind);
    if (!from_parsed || !to_parsed) return Internal("a ledger_accounts row holds an unknown kind");
    row.from = from;
    row.from.kind = *from_parsed;
    row.to = to;
    row.to.kind = *to_parsed;
    if (balance_after_indicator == soci::i_ok) row.balance_after = balance_after;
    return row;
  }
};

// " AND ..." conditions shared by history and transfer lists; `prefix` qualifies the columns.
std::string ListConditions(Params& p, std::string_view prefix,
                           const std::optional<TransferKind>& kind,
                           const std::optional<TransferStatus>& status,
                           const std::optional<Timestamp>& from,
                           const std::optional<Timestamp>& until,
                           const std::optional<spi::TransferCursor>& before) {
  const std::string c(prefix);
  std::string where;
  if (kind) where += " AND " + c + "kind = " + p.Add(TransferKindText(*kind));
  if (status) where += " AND " + c + "status = " + p.Add(StatusText(*status));
  if (from) where += " AND " + c + "created_at >= " + p.Add(ToMicros(*from));
  if (until) where += " AND " + c + "created_at < " + p.Add(ToMicros(*until));
  if (before) {
    // Rows strictly older than the cursor in (created_at DESC, id DESC) order. The redundant
    // "created_at <= c" gives both databases a range on the index column to start the scan from.
    const long long at = ToMicros(before->created_at);
    where += " AND " + c + "created_at <= " + p.Add(at);
    where += " AND (" + c + "created_at < " + p.Add(at);
    where += " OR (" + c + "created_at = " + p.Add(at);
    where += " AND " + c + "id < " + p.Add(before->id) + "))";
  }
  return where;
}

// Runs a query yielding TransferRowFields columns and collects the rows.
Result<std::vector<spi::TransferRow>> CollectTransferRows(soci::session& sql,
                                                          const std::string& query, Params& p,
                                                          bool with_balance) {
  std::vector<spi::TransferRow> rows;
  TransferRowFields fields;
  Status bad_row;
  ForEachRow(
      sql, query,
      [&](soci::statement& statement) {
        fields.Into(statement, with_balance);
        p.Bind(statement);
      },
      [&] {
        Result<spi::TransferRow> row = fields.Get();
        if (!row.ok()) {
          if (bad_row.ok()) bad_row = row.status();
          return;
        }
        rows.push_back(std::move(row).value());
        fields.balance_after_indicator = soci::i_null;
      });
  if (!bad_row.ok()) return bad_row;
  return rows;
}

// The account row matching `where` (its placeholders bound by `p`), or account_not_found.
Result<spi::LedgerAccountRecord> SelectAccount(TransactionContext& context,
                                               const std::string& where, Params& p,
                                               spi::LockMode lock) {
  AccountFields fields;
  const std::string query = "SELECT " + std::string(kAccountColumns) +
                            " FROM ledger_accounts WHERE " + where +
                            std::string(context.LockClause(lock));
  const Executed found = ExecuteBound(context.sql(), query, [&](soci::statement& statement) {
    fields.Into(statement);
    p.Bind(statement);
  });
  if (!found.got_row) return AccountNotFound();
  return fields.Get();
}

Result<spi::LedgerAccountRecord> SelectAccountByRef(TransactionContext& context,
                                                    const AccountRef& ref, spi::LockMode lock) {
  Params p(context.dialect());
  std::string where = "kind = " + p.Add(AccountKindText(ref.kind));
  where += " AND owner_id = " + p.Add(ref.owner_id);
  where += " AND currency = " + p.Add(ref.currency);
  return SelectAccount(context, where, p, lock);
}

// Runs a query yielding the columns `Fields` reads (kAccountColumns for AccountFields,
// kTransferColumns for TransferFields) and appends the rows to `records`; a row that does not
// decode makes the whole call fail with its reason.
template <typename Fields, typename Record>
Status CollectRows(soci::session& sql, const std::string& query, Params& p,
                   std::vector<Record>* records) {
  Fields fields;
  Status bad_row;
  ForEachRow(
      sql, query,
      [&](soci::statement& statement) {
        fields.Into(statement);
        p.Bind(statement);
      },
      [&] {
        Result<Record> record = fields.Get();
        if (record.ok()) {
          records->push_back(std::move(record).value());
        } else if (bad_row.ok()) {
          bad_row = record.status();
        }
      });
  return bad_row;
}

Status CollectAccounts(soci::session& sql, const std::string& query, Params& p,
                       std::vector<spi::LedgerAccountRecord>* accounts) {
  return CollectRows<AccountFields>(sql, query, p, accounts);
}

Status CollectTransfers(soci::session& sql, const std::string& query, Params& p,
                        std::vector<spi::TransferRecord>* transfers) {
  return CollectRows<TransferFields>(sql, query, p, transfers);
}

// The distinct values of `values`, sorted.
std::vector<std::string_view> DistinctSorted(const std::vector<std::string>& values) {
  std::vector<std::string_view> distinct(values.begin(), values.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  return distinct;
}

// "(?, ?, ...)": a parenthesised list of placeholders for values[first, last).
std::string InList(Params& p, const std::vector<std::string_view>& values, std::size_t first,
                   std::size_t last) {
  std::string list = "(";
  for (std::size_t i = first; i < last; ++i) {
    if (i > first) list += ", ";
    list += p.Add(values[i]);
  }
  return list + ")";
}

// An account's (kind, owner_id, currency), compared as a tuple: the canonical order of refs.
std::tuple<std::string_view, std::string_view, std::string_view> RefKey(
    const spi::LedgerAccountRecord& account) {
  return {AccountKindText(account.kind), account.owner_id, account.currency};
}

// "WITH v (kind, owner_id, currency) AS (VALUES ...)" holding refs[first, last), for kRefsJoin.
// A join rather than a row-value IN: SQLite answers `(kind, owner_id, currency) IN (VALUES ...)`
// by scanning the whole table, the join by probing the ref index once per listed ref.
std::string RefsValues(Params& p, const std::vector<const spi::LedgerAccountRecord*>& refs,
                       std::size_t first, std::size_t last) {
  std::string values = "WITH v (kind, owner_id, currency) AS (VALUES ";
  for (std::size_t i = first; i < last; ++i) {
    if (i > first) values += ", ";
    values += "(" + p.Add(AccountKindText(refs[i]->kind));
    values += ", " + p.Add(refs[i]->owner_id);
    values += ", " + p.Add(refs[i]->currency) + ")";
  }
  return values + ")";
}
constexpr std::string_view kRefsJoin =
    " FROM ledger_accounts a JOIN v"
    " ON a.kind = v.kind AND a.owner_id = v.owner_id AND a.currency = v.currency";

}  // namespace

// ---- Accounts ---------------------------------------------------------------------------------

Result<spi::LedgerAccountRecord> SociLedgerRepository::EnsureAccount(
    const spi::LedgerAccountRecord& proposed, spi::LockMode lock) {
  return context_.Call(Access::kWrite, "EnsureAccount", [&]() -> Result<spi::LedgerAccountRecord> {
    const std::string kind(AccountKindText(proposed.kind));
    const long long posted = proposed.posted;
    const long long pending_debits = proposed.pending_debits;
    const long long pending_credits = proposed.pending_credits;
    const long long created_at = ToMicros(proposed.created_at);
    const long long updated_at = ToMicros(proposed.updated_at);
    // An existing ref is the expected case: ON CONFLICT DO NOTHING keeps the statement from
    // failing. On PostgreSQL a concurrent inserter of the same ref waits here until the first
    // one commits, then finds its row below (READ COMMITTED reads it).
    Execute(context_.sql(),
            "INSERT INTO ledger_accounts (id, kind, owner_id, currency, posted, pending_debits, "
            "pending_credits, created_at, updated_at) VALUES (:id, :kind, :owner_id, :currency, "
            ":posted, :pending_debits, :pending_credits, :created_at, :updated_at) "
            "ON CONFLICT DO NOTHING",
            soci::use(proposed.id), soci::use(kind), soci::use(proposed.owner_id),
            soci::use(proposed.currency), soci::use(posted), soci::use(pending_debits),
            soci::use(pending_credits), soci::use(created_at), soci::use(updated_at));
    const AccountRef ref{proposed.kind, proposed.owner_id, proposed.currency};
    Result<spi::LedgerAccountRecord> stored = SelectAccountByRef(context_, ref, lock);
    if (stored.status().code() == StatusCode::kNotFound) {
      // Nothing was inserted and no row has this ref: the id belongs to another account.
      return AlreadyExists("ledger_account_exists",
                           "a ledger account with this id exists for another ref", "id");
    }
    return stored;
  });
}

Result<spi::LedgerAccountRecord> SociLedgerRepository::FindAccount(const AccountRef& ref,
                                                                   spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindAccount",
                       [&]() { return SelectAccountByRef(context_, ref, lock); });
}

Result<spi::LedgerAccountRecord> SociLedgerRepository::FindAccountById(std::string_view id,
                                                                       spi::LockMode lock) {
  return FindAccountWhere("FindAccountById", "id", id, lock);
}

Result<spi::LedgerAccountRecord> SociLedgerRepository::FindAccountWhere(std::string_view operation,
                                                                        std::string_view column,
                                                                        std::string_view value,
                                                                        spi::LockMode lock) {
  return context_.Call(Access::kRead, operation, [&]() {
    Params p(context_.dialect());
    const std::string where = std::string(column) + " = " + p.Add(value);
    return SelectAccount(context_, where, p, lock);
  });
}

Status SociLedgerRepository::UpdateAccountBalances(const spi::LedgerAccountRecord& account) {
  return context_.Call(Access::kWrite, "UpdateAccountBalances", [&]() -> Status {
    const long long posted = account.posted;
    const long long pending_debits = account.pending_debits;
    const long long pending_credits = account.pending_credits;
    const long long updated_at = ToMicros(account.updated_at);
    const Executed updated =
        Execute(context_.sql(),
                "UPDATE ledger_accounts SET posted = :posted, pending_debits = :pending_debits, "
                "pending_credits = :pending_credits, updated_at = :updated_at WHERE id = :id",
                soci::use(posted), soci::use(pending_debits), soci::use(pending_credits),
                soci::use(updated_at), soci::use(account.id));
    if (updated.affected_rows == 0) return AccountNotFound();
    return Status::Ok();
  });
}

// ---- Transfers --------------------------------------------------------------------------------

Status SociLedgerRepository::InsertTransfer(const spi::TransferRecord& transfer) {
  return context_.Call(
      Access::kWrite, "InsertTransfer",
      [&]() -> Status {
        const std::string kind(TransferKindText(transfer.kind));
        const std::string status(StatusText(transfer.status));
        const long long amount = transfer.amount;
        const long long created_at = ToMicros(transfer.created_at);
        const long long expires_at = transfer.expires_at ? ToMicros(*transfer.expires_at) : 0;
        soci::indicator expires_at_indicator = transfer.expires_at ? soci::i_ok : soci::i_null;
        const long long resolved_at = transfer.resolved_at ? ToMicros(*transfer.resolved_at) : 0;
        soci::indicator resolved_at_indicator = transfer.resolved_at ? soci::i_ok : soci::i_null;
        // A taken key is an expected outcome (a retried request): ON CONFLICT DO NOTHING reports
        // it without failing the statement, which on PostgreSQL would abort the transaction.
        const Executed inserted = Execute(
            context_.sql(),
            "INSERT INTO transfers (id, idempotency_key, request_hash, kind, from_account_id, "
            "to_account_id, amount, currency, status, reference, void_reason, created_at, "
            "expires_at, resolved_at) VALUES (:id, :idempotency_key, :request_hash, :kind, "
            ":from_account_id, :to_account_id, :amount, :currency, :status, :reference, "
            ":void_reason, :created_at, :expires_at, :resolved_at) ON CONFLICT DO NOTHING",
            soci::use(transfer.id), soci::use(transfer.idempotency_key),
            soci::use(transfer.request_hash), soci::use(kind), soci::use(transfer.from_account_id),
            soci::use(transfer.to_account_id), soci::use(amount), soci::use(transfer.currency),
            soci::use(status), soci::use(transfer.reference), soci::use(transfer.void_reason),
            soci::use(created_at), soci::use(expires_at, expires_at_indicator),
            soci::use(resolved_at, resolved_at_indicator));
        if (inserted.affected_rows == 1) return Status::Ok();
        long long same_key = 0;
        Execute(context_.sql(), "SELECT COUNT(*) FROM transfers WHERE idempotency_key = :key",
                soci::into(same_key), soci::use(transfer.idempotency_key));
        if (same_key > 0) return IdempotencyKeyTaken();
        return AlreadyExists("transfer_exists", "a transfer with this id already exists", "id");
      },
      {.unique = IdempotencyKeyTaken(), .foreign_key = AccountNotFound()});
}

Result<spi::TransferRecord> SociLedgerRepository::FindTransferWhere(std::string_view operation,
                                                                    std::string_view column,
                                                                    std::string_view value,
                                                                    spi::LockMode lock) {
  return context_.Call(Access::kRead, operation, [&]() -> Result<spi::TransferRecord> {
    const std::string key(value);
    TransferFields fields;
    const std::string query = "SELECT " + std::string(kTransferColumns) + " FROM transfers WHERE " +
                              std::string(column) + " = :key" +
                              std::string(context_.LockClause(lock));
    const Executed found = ExecuteBound(context_.sql(), query, [&](soci::statement& statement) {
      fields.Into(statement);
      statement.exchange(soci::use(key));
    });
    if (!found.got_row) return TransferNotFound();
    return fields.Get();
  });
}

Result<spi::TransferRecord> SociLedgerRepository::FindTransfer(std::string_view id,
                                                               spi::LockMode lock) {
  return FindTransferWhere("FindTransfer", "id", id, lock);
}

Result<spi::TransferRecord> SociLedgerRepository::FindTransferByKey(
    std::string_view idempotency_key, spi::LockMode lock) {
  return FindTransferWhere("FindTransferByKey", "idempotency_key", idempotency_key, lock);
}

Status SociLedgerRepository::UpdateTransferStatus(const spi::TransferRecord& transfer) {
  return context_.Call(Access::kWrite, "UpdateTransferStatus", [&]() -> Status {
    const std::string status(StatusText(transfer.status));
    const long long resolved_at = transfer.resolved_at ? ToMicros(*transfer.resolved_at) : 0;
    soci::indicator resolved_at_indicator = transfer.resolved_at ? soci::i_ok : soci::i_null;
    const Executed updated =
        Execute(context_.sql(),
                "UPDATE transfers SET status = :status, void_reason = :void_reason, "
                "resolved_at = :resolved_at WHERE id = :id",
                soci::use(status), soci::use(transfer.void_reason),
                soci::use(resolved_at, resolved_at_indicator), soci::use(transfer.id));
    if (updated.affected_rows == 0) return TransferNotFound();
    return Status::Ok();
  });
}

Status SociLedgerRepository::InsertEntries(const std::vector<spi::EntryRecord>& entries) {
  return context_.Call(
      Access::kWrite, "InsertEntries",
      [&]() -> Status {
        for (std::size_t first = 0; first < entries.size(); first += kEntriesPerInsert) {
          const std::size_t last = std::min(entries.size(), first + kEntriesPerInsert);
          Params p(context_.dialect(), Params::ForRun{});
          std::string query =
              "INSERT INTO ledger_entries (transfer_id, account_id, amount, balance_after, "
              "created_at) VALUES ";
          query.reserve(query.size() + (last - first) * 40);
          for (std::size_t i = first; i < last; ++i) {
            const spi::EntryRecord& entry = entries[i];
            if (i > first) query += ", ";
            query += "(" + p.Add(entry.transfer_id);
            query += ", " + p.Add(entry.account_id);
            query += ", " + p.Add(static_cast<long long>(entry.amount));
            query += ", " + p.Add(static_cast<long long>(entry.balance_after));
            query += ", " + p.Add(static_cast<long long>(ToMicros(entry.created_at))) + ")";
          }
          p.Run(context_.sql(), query);
        }
        return Status::Ok();
      },
      {.unique =
           AlreadyExists("entry_exists", "this transfer already has an entry on the account")});
}

// ---- Batched forms ----------------------------------------------------------------------------

Result<std::vector<spi::TransferRecord>> SociLedgerRepository::FindTransfersByKeys(
    const std::vector<std::string>& keys) {
  return context_.Call(
      Access::kRead, "FindTransfersByKeys", [&]() -> Result<std::vector<spi::TransferRecord>> {
        std::vector<spi::TransferRecord> transfers;
        const std::vector<std::string_view> distinct = DistinctSorted(keys);
        const std::size_t per_statement = RowsPerStatement(1);
        for (std::size_t first = 0; first < distinct.size(); first += per_statement) {
          const std::size_t last = std::min(distinct.size(), first + per_statement);
          Params p(context_.dialect());
          const std::string query = "SELECT " + std::string(kTransferColumns) +
                                    " FROM transfers WHERE idempotency_key IN " +
                                    InList(p, distinct, first, last);
          const Status collected = CollectTransfers(context_.sql(), query, p, &transfers);
          if (!collected.ok()) return collected;
        }
        return transfers;
      });
}

Result<std::vector<spi::LedgerAccountRecord>> SociLedgerRepository::EnsureAccounts(
    const std::vector<spi::LedgerAccountRecord>& proposed, spi::LockMode lock) {
  return context_.Call(
      Access::kWrite, "EnsureAccounts", [&]() -> Result<std::vector<spi::LedgerAccountRecord>> {
        std::vector<spi::LedgerAccountRecord> stored;
        // One proposal per ref (the first: the sort is stable), in ref order. On PostgreSQL the
        // inserter of a ref that another open transaction has just inserted waits for that one to
        // end; inserting in one order makes two batches wait in one direction, never for each
        // other.
        std::vector<const spi::LedgerAccountRecord*> refs;
        refs.reserve(proposed.size());
        for (const spi::LedgerAccountRecord& account : proposed) refs.push_back(&account);
        std::stable_sort(refs.begin(), refs.end(),
                         [](const auto* a, const auto* b) { return RefKey(*a) < RefKey(*b); });
        refs.erase(
            std::unique(refs.begin(), refs.end(),
                        [](const auto* a, const auto* b) { return RefKey(*a) == RefKey(*b); }),
            refs.end());
        if (refs.empty()) return stored;

        // Existing refs are the expected case: ON CONFLICT DO NOTHING skips them without failing
        // the statement.
        const std::size_t per_insert = RowsPerStatement(9);
        for (std::size_t first = 0; first < refs.size(); first += per_insert) {
          const std::size_t last = std::min(refs.size(), first + per_insert);
          Params p(context_.dialect(), Params::ForRun{});
          std::string query =
              "INSERT INTO ledger_accounts (" + std::string(kAccountColumns) + ") VALUES ";
          query.reserve(query.size() + (last - first) * 80);
          for (std::size_t i = first; i < last; ++i) {
            const spi::LedgerAccountRecord& account = *refs[i];
            if (i > first) query += ", ";
            query += "(" + p.Add(account.id);
            query += ", " + p.Add(AccountKindText(account.kind));
            query += ", " + p.Add(account.owner_id);
            query += ", " + p.Add(account.currency);
            query += ", " + p.Add(static_cast<long long>(account.posted));
            query += ", " + p.Add(static_cast<long long>(account.pending_debits));
            query += ", " + p.Add(static_cast<long long>(account.pending_credits));
            query += ", " + p.Add(static_cast<long long>(ToMicros(account.created_at)));
            query += ", " + p.Add(static_cast<long long>(ToMicros(account.updated_at))) + ")";
          }
          query += " ON CONFLICT DO NOTHING";
          p.Run(context_.sql(), query);
        }

        const std::string lock_clause(context_.LockClause(lock));
        if (refs.size() <= RowsPerStatement(3)) {
          // One statement. PostgreSQL takes the row locks above the sort, so in id order.
          Params p(context_.dialect());
          std::string query = RefsValues(p, refs, 0, refs.size());
          query += " SELECT " + Qualified("a", kAccountColumns) + std::string(kRefsJoin) +
                   " ORDER BY a.id" + lock_clause;
          const Status collected = CollectAccounts(context_.sql(), query, p, &stored);
          if (!collected.ok()) return collected;
        } else {
          // Chunks of refs would lock out of id order: resolve the refs to ids without locks, then
          // read (and lock) the rows by id, in id order. A ref's id never changes.
          std::vector<std::string> ids;
          std::string id;
          const std::size_t per_resolve = RowsPerStatement(3);
          for (std::size_t first = 0; first < refs.size(); first += per_resolve) {
            Params p(context_.dialect());
            std::string query =
                RefsValues(p, refs, first, std::min(refs.size(), first + per_resolve));
            query += " SELECT a.id" + std::string(kRefsJoin);
            ForEachRow(
                context_.sql(), query,
                [&](soci::statement& statement) {
                  statement.exchange(soci::into(id));
                  p.Bind(statement);
                },
                [&] { ids.push_back(id); });
          }
          std::sort(ids.begin(), ids.end());
          const std::vector<std::string_view> sorted(ids.begin(), ids.end());
          const std::size_t per_read = RowsPerStatement(1);
          for (std::size_t first = 0; first < sorted.size(); first += per_read) {
            Params p(context_.dialect());
            const std::string query =
                "SELECT " + std::string(kAccountColumns) + " FROM ledger_accounts WHERE id IN " +
                InList(p, sorted, first, std::min(sorted.size(), first + per_read)) +
                " ORDER BY id" + lock_clause;
            const Status collected = CollectAccounts(context_.sql(), query, p, &stored);
            if (!collected.ok()) return collected;
          }
        }
        if (stored.size() != refs.size()) {
          // A proposal was not inserted, yet no row has its ref: its id belongs to another ref.
          return AlreadyExists("ledger_account_exists",
                               "a ledger account with this id exists for another ref", "id");
        }
        return stored;
      });
}

Status SociLedgerRepository::InsertTransfers(const std::vector<spi::TransferRecord>& transfers) {
  return context_.Call(
      Access::kWrite, "InsertTransfers",
      [&]() -> Status {
        // In key order, for the reason EnsureAccounts inserts in ref order: two batches racing
        // for the same keys on PostgreSQL wait in one direction, and the later one finds the keys
        // taken instead of deadlocking.
        std::vector<const spi::TransferRecord*> rows;
        rows.reserve(transfers.size());
        for (const spi::TransferRecord& transfer : transfers) rows.push_back(&transfer);
        std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
          return a->idempotency_key < b->idempotency_key;
        });

        const std::size_t per_insert = RowsPerStatement(14);
        for (std::size_t first = 0; first < rows.size(); first += per_insert) {
          const std::size_t last = std::min(rows.size(), first + per_insert);
          Params p(context_.dialect(), Params::ForRun{});
          std::string query =
              "INSERT INTO transfers (" + std::string(kTransferColumns) + ") VALUES ";
          query.reserve(query.size() + (last - first) * 130);
          for (std::size_t i = first; i < last; ++i) {
            const spi::TransferRecord& transfer = *rows[i];
            const std::optional<long long> expires_at =
                transfer.expires_at ? std::optional<long long>(ToMicros(*transfer.expires_at))
                                    : std::nullopt;
            const std::optional<long long> resolved_at =
                transfer.resolved_at ? std::optional<long long>(ToMicros(*transfer.resolved_at))
                                     : std::nullopt;
            if (i > first) query += ", ";
            query += "(" + p.Add(transfer.id);
            query += ", " + p.Add(transfer.idempotency_key);
            query += ", " + p.Add(transfer.request_hash);
            query += ", " + p.Add(TransferKindText(transfer.kind));
            query += ", " + p.Add(transfer.from_account_id);
            query += ", " + p.Add(transfer.to_account_id);
            query += ", " + p.Add(static_cast<long long>(transfer.amount));
            query += ", " + p.Add(transfer.currency);
            query += ", " + p.Add(StatusText(transfer.status));
            query += ", " + p.Add(transfer.reference);
            query += ", " + p.Add(transfer.void_reason);
            query += ", " + p.Add(static_cast<long long>(ToMicros(transfer.created_at)));
            query += ", " + p.Add(expires_at);
            query += ", " + p.Add(resolved_at) + ")";
          }
          // A taken key is an expected outcome (another node won a race): ON CONFLICT DO NOTHING
          // reports it as a short row count without failing the statement.
          query += " ON CONFLICT DO NOTHING";
          const Executed inserted = p.Run(context_.sql(), query);
          if (inserted.affected_rows == static_cast<long long>(last - first)) continue;

          // A row of this chunk was skipped. Had it lost its key, the key is in the table now;
          // had it reused an id (a caller bug), its key is not.
          std::vector<std::string_view> keys;
          for (std::size_t i = first; i < last; ++i) {
            if (keys.empty() || keys.back() != rows[i]->idempotency_key) {
              keys.push_back(rows[i]->idempotency_key);  // sorted: duplicates are adjacent
            }
          }
          Params q(context_.dialect());
          const std::string count_query =
              "SELECT COUNT(*) FROM transfers WHERE idempotency_key IN " +
              InList(q, keys, 0, keys.size());
          long long present = 0;
          ExecuteBound(context_.sql(), count_query, [&](soci::statement& statement) {
            statement.exchange(soci::into(present));
            q.Bind(statement);
          });
          if (present == static_cast<long long>(keys.size())) return IdempotencyKeyTaken();
          return AlreadyExists("transfer_exists", "a transfer with this id already exists", "id");
        }
        return Status::Ok();
      },
      {.unique = IdempotencyKeyTaken(), .foreign_key = AccountNotFound()});
}

Status SociLedgerRepository::UpdateAccountsBalances(
    const std::vector<spi::LedgerAccountRecord>& accounts) {
  return context_.Call(Access::kWrite, "UpdateAccountsBalances", [&]() -> Status {
    // The last record of each id, in id order (with PostgreSQL's usual plan, a loop over the list
    // probing the primary key, the row locks are then taken in id order too).
    std::vector<const spi::LedgerAccountRecord*> sorted;
    sorted.reserve(accounts.size());
    for (const spi::LedgerAccountRecord& account : accounts) sorted.push_back(&account);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto* a, const auto* b) { return a->id < b->id; });
    std::vector<const spi::LedgerAccountRecord*> rows;
    rows.reserve(sorted.size());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i + 1 == sorted.size() || sorted[i + 1]->id != sorted[i]->id) rows.push_back(sorted[i]);
    }

    long long updated = 0;
    const std::size_t per_update = RowsPerStatement(5);
    for (std::size_t first = 0; first < rows.size(); first += per_update) {
      const std::size_t last = std::min(rows.size(), first + per_update);
      Params p(context_.dialect(), Params::ForRun{});
      std::string query =
          "WITH v (id, posted, pending_debits, pending_credits, updated_at) AS (VALUES ";
      query.reserve(query.size() + (last - first) * 50 + 300);
      for (std::size_t i = first; i < last; ++i) {
        const spi::LedgerAccountRecord& account = *rows[i];
        // PostgreSQL types a VALUES column from all its rows: the casts of the first row make
        // the untyped parameters of the others BIGINT (instead of TEXT).
        const bool typed = i == first;
        auto bigint = [&](std::int64_t value) {
          const std::string placeholder = p.Add(static_cast<long long>(value));
          return typed ? "CAST(" + placeholder + " AS BIGINT)" : placeholder;
        };
        if (i > first) query += ", ";
        query += "(" + p.Add(account.id);
        query += ", " + bigint(account.posted);
        query += ", " + bigint(account.pending_debits);
        query += ", " + bigint(account.pending_credits);
        query += ", " + bigint(ToMicros(account.updated_at)) + ")";
      }
      query +=
          ") UPDATE ledger_accounts AS a SET posted = v.posted, "
          "pending_debits = v.pending_debits, pending_credits = v.pending_credits, "
          "updated_at = v.updated_at FROM v WHERE a.id = v.id";
      updated += p.Run(context_.sql(), query).affected_rows;
    }
    if (updated != static_cast<long long>(rows.size())) return AccountNotFound();
    return Status::Ok();
  });
}

// ---- Lists ------------------------------------------------------------------------------------

Result<std::vector<std::string>> SociLedgerRepository::ListExpiredPending(Timestamp now,
                                                                          int limit) {
  return context_.Call(
      Access::kRead, "ListExpiredPending", [&]() -> Result<std::vector<std::string>> {
        std::vector<std::string> ids;
        if (limit < 1) return ids;
        const long long now_micros = ToMicros(now);
        const long long max_rows = limit;
        std::string id;
        // status = 'pending' is written literally so that the partial index applies.
        ForEachRow(
            context_.sql(),
            "SELECT id FROM transfers WHERE status = 'pending' AND expires_at <= :now "
            "ORDER BY expires_at, id LIMIT :limit",
            [&](soci::statement& statement) {
              statement.exchange(soci::into(id));
              statement.exchange(soci::use(now_micros));
              statement.exchange(soci::use(max_rows));
            },
            [&] { ids.push_back(id); });
        return ids;
      });
}

Result<std::vector<spi::TransferRow>> SociLedgerRepository::ListHistory(
    const spi::HistoryFilter& filter) {
  return context_.Call(
      Access::kRead, "ListHistory", [&]() -> Result<std::vector<spi::TransferRow>> {
        if (filter.limit < 1) return std::vector<spi::TransferRow>();
        const long long limit = filter.limit;
        // Each side is read newest first from its own index (from_account_id or to_account_id,
        // created_at, id) and cut at `limit`; the newest `limit` of both is the page. With an OR
        // of the two sides neither database can read in index order: both would fetch and sort
        // the account's whole history before the LIMIT.
        Params p(context_.dialect());
        auto side = [&](std::string_view column) {
          std::string query = "SELECT * FROM (SELECT " + std::string(kTransferColumns) +
                              " FROM transfers WHERE " + std::string(column) + " = " +
                              p.Add(filter.account_id);
          query += ListConditions(p, "", filter.kind, filter.status, filter.from, filter.until,
                                  filter.before);
          query += " ORDER BY created_at DESC, id DESC LIMIT " + p.Add(limit) + ")";
          return query;
        };
        // One Add() per statement: the query text must follow the order of the values.
        std::string query = "SELECT " + Qualified("t", kTransferColumns) + ", " +
                            std::string(kRefColumns) + ", e.balance_after FROM (";
        query += side("from_account_id");
        query += " AS debits UNION ALL ";
        query += side("to_account_id");
        query += " AS credits) AS t" + std::string(kRefJoins);
        query += " LEFT JOIN ledger_entries e ON e.transfer_id = t.id AND e.account_id = " +
                 p.Add(filter.account_id);
        query += " ORDER BY t.created_at DESC, t.id DESC LIMIT " + p.Add(limit);
        return CollectTransferRows(context_.sql(), query, p, /*with_balance=*/true);
      });
}

Result<std::vector<spi::TransferRow>> SociLedgerRepository::ListTransfers(
    const spi::TransferFilter& filter) {
  return context_.Call(
      Access::kRead, "ListTransfers", [&]() -> Result<std::vector<spi::TransferRow>> {
        if (filter.limit < 1) return std::vector<spi::TransferRow>();
        Params p(context_.dialect());
        std::string query = "SELECT " + Qualified("t", kTransferColumns) + ", " +
                            std::string(kRefColumns) + " FROM transfers t" +
                            std::string(kRefJoins) + " WHERE 1 = 1";
        query += ListConditions(p, "t.", filter.kind, filter.status, std::nullopt, std::nullopt,
                                filter.before);
        query += " ORDER BY t.created_at DESC, t.id DESC LIMIT " +
                 p.Add(static_cast<long long>(filter.limit));
        return CollectTransferRows(context_.sql(), query, p, /*with_balance=*/false);
      });
}

// ---- Audit ------------------------------------------------------------------------------------

Result<std::vector<spi::LedgerAccountRecord>> SociLedgerRepository::ListAccounts() {
  return context_.Call(
      Access::kRead, "ListAccounts", [&]() -> Result<std::vector<spi::LedgerAccountRecord>> {
        std::vector<spi::LedgerAccountRecord> accounts;
        AccountFields fields;
        Status bad_row;
        ForEachRow(
            context_.sql(),
            "SELECT " + std::string(kAccountColumns) + " FROM ledger_accounts ORDER BY id",
            [&](soci::statement& statement) { fields.Into(statement); },
            [&] {
              Result<spi::LedgerAccountRecord> account = fields.Get();
              if (account.ok()) {
                accounts.push_back(std::move(account).value());
              } else if (bad_row.ok()) {
                bad_row = account.status();
              }
            });
        if (!bad_row.ok()) return bad_row;
        return accounts;
      });
}

Result<std::vector<spi::AccountTotals>> SociLedgerRepository::RecomputeTotals() {
  return context_.Call(
      Access::kRead, "RecomputeTotals", [&]() -> Result<std::vector<spi::AccountTotals>> {
        std::vector<spi::AccountTotals> totals;
        spi::AccountTotals row;
        long long entries_sum = 0;
        long long pending_debits = 0;
        long long pending_credits = 0;
        // One pass per source, grouped, then joined to every account (LEFT JOIN: accounts without
        // entries or pending transfers get zeros). CAST keeps PostgreSQL's SUM(bigint), a numeric,
        // an integer.
        ForEachRow(
            context_.sql(),
            "SELECT a.id, COALESCE(e.total, 0), COALESCE(d.total, 0), COALESCE(c.total, 0) "
            "FROM ledger_accounts a "
            "LEFT JOIN (SELECT account_id, CAST(SUM(amount) AS BIGINT) AS total "
            "FROM ledger_entries GROUP BY account_id) e ON e.account_id = a.id "
            "LEFT JOIN (SELECT from_account_id AS account_id, CAST(SUM(amount) AS BIGINT) AS total "
            "FROM transfers WHERE status = 'pending' GROUP BY from_account_id) d "
            "ON d.account_id = a.id "
            "LEFT JOIN (SELECT to_account_id AS account_id, CAST(SUM(amount) AS BIGINT) AS total "
            "FROM transfers WHERE status = 'pending' GROUP BY to_account_id) c "
            "ON c.account_id = a.id "
            "ORDER BY a.id",
            [&](soci::statement& statement) {
              statement.exchange(soci::into(row.account_id));
              statement.exchange(soci::into(entries_sum));
              statement.exchange(soci::into(pending_debits));
              statement.exchange(soci::into(pending_credits));
            },
            [&] {
              row.entries_sum = entries_sum;
              row.pending_debits = pending_debits;
              row.pending_credits = pending_credits;
              totals.push_back(row);
            });
        return totals;
      });
}

Result<std::vector<std::string>> SociLedgerRepository::FindUnbalancedTransfers(int limit) {
  return context_.Call(
      Access::kRead, "FindUnbalancedTransfers", [&]() -> Result<std::vector<std::string>> {
        std::vector<std::string> ids;
        if (limit < 1) return ids;
        const long long max_rows = limit;
        std::string id;
        // Per transfer with entries: how many, and how many are the expected debit of the from
        // account and credit of the to account. The primary key allows one entry per account, so a
        // sound posted transfer has n = 2, debits = 1, credits = 1; others have no entries at all.
        ForEachRow(
            context_.sql(),
            "SELECT t.id FROM transfers t LEFT JOIN ("
            "SELECT e.transfer_id, COUNT(*) AS n, "
            "SUM(CASE WHEN e.account_id = x.from_account_id AND e.amount = -x.amount "
            "THEN 1 ELSE 0 END) AS debits, "
            "SUM(CASE WHEN e.account_id = x.to_account_id AND e.amount = x.amount "
            "THEN 1 ELSE 0 END) AS credits "
            "FROM ledger_entries e JOIN transfers x ON x.id = e.transfer_id "
            "GROUP BY e.transfer_id) s ON s.transfer_id = t.id "
            "WHERE (t.status = 'posted' AND (s.n IS NULL OR s.n <> 2 OR s.debits <> 1 "
            "OR s.credits <> 1)) OR (t.status <> 'posted' AND s.n IS NOT NULL) "
            "ORDER BY t.id LIMIT :limit",
            [&](soci::statement& statement) {
              statement.exchange(soci::into(id));
              statement.exchange(soci::use(max_rows));
            },
            [&] { ids.push_back(id); });
        return ids;
      });
}

Result<std::int64_t> SociLedgerRepository::CountTransfers() {
  return context_.Call(Access::kRead, "CountTransfers", [&]() -> Result<std::int64_t> {
    long long count = 0;
    Execute(context_.sql(), "SELECT COUNT(*) FROM transfers", soci::into(count));
    return static_cast<std::int64_t>(count);
  });
}

}  // namespace eventify::storage
