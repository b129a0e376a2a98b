#include "storage/soci/ledger_repository.h"

#include <soci/soci.h>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/native_statements.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/select_by_keys.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

// The kind and status columns hold the public names of eventify/ledger.h (AccountKindName,
// ParseAccountKind and friends). They are part of the schema (the CHECK constraints of migration
// 2): never change one; add new ones in a migration that widens the constraint.

Status AccountNotFound() { return NotFound("account_not_found", "no such ledger account"); }
Status TransferNotFound() { return NotFound("transfer_not_found", "no such transfer"); }
Status IdempotencyKeyTaken() {
  return AlreadyExists("idempotency_key_taken",
                       "a transfer with this idempotency key already exists", "idempotency_key");
}

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

  // The same columns from a native row (native_statements.h: SqliteStatement, PgRow).
  template <typename Row>
  void Read(const Row& row) {
    record.id = row.Text(0);
    kind = row.Text(1);
    record.owner_id = row.Text(2);
    record.currency = row.Text(3);
    posted = row.Int(4);
    pending_debits = row.Int(5);
    pending_credits = row.Int(6);
    created_at = row.Int(7);
    updated_at = row.Int(8);
  }

  Result<spi::LedgerAccountRecord> Get() const {
    const Result<AccountKind> parsed = ParseAccountKind(kind);
    if (!parsed.ok()) return Internal("a ledger_accounts row holds an unknown kind");
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
    "status, reference, void_cause, void_note, created_at, expires_at, resolved_at";

// The into() targets of kTransferColumns.
struct TransferFields {
  spi::TransferRecord record;
  std::string kind;
  std::string status;
  std::string void_cause;
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
    statement.exchange(soci::into(void_cause));
    statement.exchange(soci::into(record.void_note));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(expires_at, expires_at_indicator));
    statement.exchange(soci::into(resolved_at, resolved_at_indicator));
  }

  // The same columns from a native row (native_statements.h: SqliteStatement, PgRow).
  template <typename Row>
  void Read(const Row& row) {
    record.id = row.Text(0);
    record.idempotency_key = row.Text(1);
    record.request_hash = row.Text(2);
    kind = row.Text(3);
    record.from_account_id = row.Text(4);
    record.to_account_id = row.Text(5);
    amount = row.Int(6);
    record.currency = row.Text(7);
    status = row.Text(8);
    record.reference = row.Text(9);
    void_cause = row.Text(10);
    record.void_note = row.Text(11);
    created_at = row.Int(12);
    expires_at_indicator = row.IsNull(13) ? soci::i_null : soci::i_ok;
    expires_at = row.Int(13);
    resolved_at_indicator = row.IsNull(14) ? soci::i_null : soci::i_ok;
    resolved_at = row.Int(14);
  }

  Result<spi::TransferRecord> Get() const {
    const Result<TransferKind> parsed_kind = ParseTransferKind(kind);
    const Result<TransferStatus> parsed_status = ParseTransferStatus(status);
    const Result<VoidCause> parsed_cause = ParseVoidCause(void_cause);
    if (!parsed_kind.ok() || !parsed_status.ok() || !parsed_cause.ok()) {
      return Internal("a transfers row holds an unknown kind, status or void cause");
    }
    spi::TransferRecord out = record;
    out.kind = *parsed_kind;
    out.status = *parsed_status;
    out.void_cause = *parsed_cause;
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
    const Result<AccountKind> from_parsed = ParseAccountKind(from_kind);
    const Result<AccountKind> to_parsed = ParseAccountKind(to_kind);
    if (!from_parsed.ok() || !to_parsed.ok())
      return Internal("a ledger_accounts row holds an unknown kind");
    row.from = from;
    row.from.kind = *from_parsed;
    row.to = to;
    row.to.kind = *to_parsed;
    if (balance_after_indicator == soci::i_ok) row.balance_after = balance_after;
    return row;
  }
};

// " AND ..." conditions shared by history and transfer lists; `prefix` qualifies the columns.
// The status condition; with `as_of`, a pending transfer expired by then reads as voided.
std::string StatusCondition(Params& p, const std::string& c, TransferStatus status,
                            const std::optional<Timestamp>& as_of) {
  std::string where = " AND ";
  if (as_of && status == TransferStatus::kVoided) where += "(";
  where += c + "status = " + p.Add(TransferStatusName(status));
  if (!as_of || status == TransferStatus::kPosted) return where;
  const long long at = ToMicros(*as_of);
  if (status == TransferStatus::kPending) {
    where += " AND (" + c + "expires_at IS NULL OR " + c + "expires_at > " + p.Add(at) + ")";
    return where;
  }
  where += " OR (" + c + "status = 'pending' AND " + c + "expires_at <= " + p.Add(at) + "))";
  return where;
}

std::string ListConditions(Params& p, std::string_view prefix,
                           const std::optional<TransferKind>& kind,
                           const std::optional<TransferStatus>& status,
                           const std::optional<Timestamp>& as_of,
                           const std::optional<Timestamp>& from,
                           const std::optional<Timestamp>& until,
                           const std::optional<spi::TransferCursor>& before) {
  const std::string c(prefix);
  std::string where;
  if (kind) where += " AND " + c + "kind = " + p.Add(TransferKindName(*kind));
  if (status) where += StatusCondition(p, c, *status, as_of);
  if (from) where += " AND " + c + "created_at >= " + p.Add(ToMicros(*from));
  if (until) where += " AND " + c + "created_at < " + p.Add(ToMicros(*until));
  if (before) where += KeysetBefore(p, c, *before);
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
  std::string where = "kind = " + p.Add(AccountKindName(ref.kind));
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


// An account's (kind, owner_id, currency), compared as a tuple: the canonical order of refs.
std::tuple<std::string_view, std::string_view, std::string_view> RefKey(
    const spi::LedgerAccountRecord& account) {
  return {AccountKindName(account.kind), account.owner_id, account.currency};
}

}  // namespace

// ---- Accounts ---------------------------------------------------------------------------------

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

// One statement per kind and currency among `refs` (and per kChunk owners), along the unique
// index of refs (ledger_accounts_ref_key): kind, then owner_id IN (...), then currency. Each owner
// is listed once, so each account is read once.
Result<std::vector<spi::LedgerAccountRecord>> SociLedgerRepository::FindAccounts(
    std::span<const AccountRef> refs) {
  return context_.Call(
      Access::kRead, "FindAccounts", [&]() -> Result<std::vector<spi::LedgerAccountRecord>> {
        std::map<std::pair<std::string_view, std::string_view>, std::vector<std::string>> owners;
        for (const AccountRef& ref : refs) {
          owners[{AccountKindName(ref.kind), ref.currency}].push_back(ref.owner_id);
        }
        std::vector<spi::LedgerAccountRecord> accounts;
        for (auto& [key, owner_ids] : owners) {
          // Plain names for the lambda below: clang 14 cannot capture structured bindings.
          const std::string_view kind = key.first;
          const std::string_view currency = key.second;
          std::vector<std::string>& ids = owner_ids;
          std::sort(ids.begin(), ids.end());
          ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
          EV_RETURN_IF_ERROR(
              ForChunks(std::span<const std::string>(ids), [&](std::span<const std::string> chunk) {
                Params p(context_.dialect());
                std::string where = "kind = " + p.Add(kind);
                where += " AND owner_id IN " + InList(p, chunk);
                where += " AND currency = " + p.Add(currency);
                return CollectRows<AccountFields>(context_.sql(),
                                                  "SELECT " + std::string(kAccountColumns) +
                                                      " FROM ledger_accounts WHERE " + where,
                                                  p, &accounts);
              }));
        }
        return accounts;
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

Status SociLedgerRepository::UpdateTransferStatus(const spi::TransferRecord& transfer) {
  return context_.Call(Access::kWrite, "UpdateTransferStatus", [&]() -> Status {
    const std::string status(TransferStatusName(transfer.status));
    const std::string void_cause(VoidCauseName(transfer.void_cause));
    const long long resolved_at = transfer.resolved_at ? ToMicros(*transfer.resolved_at) : 0;
    soci::indicator resolved_at_indicator = transfer.resolved_at ? soci::i_ok : soci::i_null;
    const Executed updated =
        Execute(context_.sql(),
                "UPDATE transfers SET status = :status, void_cause = :void_cause, "
                "void_note = :void_note, resolved_at = :resolved_at WHERE id = :id",
                soci::use(status), soci::use(void_cause), soci::use(transfer.void_note),
                soci::use(resolved_at, resolved_at_indicator), soci::use(transfer.id));
    if (updated.affected_rows == 0) return TransferNotFound();
    return Status::Ok();
  });
}

// ---- Batched forms ----------------------------------------------------------------------------
// The commit path: each method runs a fixed statement text kept prepared on the connection
// (native_statements.h). On SQLite the statement is stepped once per row; on PostgreSQL the rows
// travel as array parameters, one round trip per method whatever the batch size.

namespace {

std::string Sql(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (std::string_view part : parts) text += part;
  return text;
}

// One proposal per ref (the first: the sort is stable), in ref order.
std::vector<const spi::LedgerAccountRecord*> DistinctRefs(
    const std::vector<spi::LedgerAccountRecord>& proposed) {
  std::vector<const spi::LedgerAccountRecord*> refs;
  refs.reserve(proposed.size());
  for (const spi::LedgerAccountRecord& account : proposed) refs.push_back(&account);
  std::stable_sort(refs.begin(), refs.end(),
                   [](const auto* a, const auto* b) { return RefKey(*a) < RefKey(*b); });
  refs.erase(std::unique(refs.begin(), refs.end(),
                         [](const auto* a, const auto* b) { return RefKey(*a) == RefKey(*b); }),
             refs.end());
  return refs;
}

std::optional<long long> OptionalMicros(const std::optional<Timestamp>& at) {
  return at ? std::optional<long long>(ToMicros(*at)) : std::nullopt;
}

Status AccountIdTaken() {
  return AlreadyExists("ledger_account_exists",
                       "a ledger account with this id exists for another ref", "id");
}

}  // namespace

Result<std::vector<spi::TransferRecord>> SociLedgerRepository::FindTransfersByKeys(
    const std::vector<std::string>& keys) {
  return context_.Call(
      Access::kRead, "FindTransfersByKeys", [&]() -> Result<std::vector<spi::TransferRecord>> {
        static const std::string kSelect =
            Sql({"SELECT ", kTransferColumns, " FROM transfers WHERE"});
        std::vector<spi::TransferRecord> transfers;
        EV_RETURN_IF_ERROR(SelectByKeys<TransferFields>(context_, kSelect, "idempotency_key",
                                                        keys, transfers));
        return transfers;
      });
}

Result<std::vector<spi::LedgerAccountRecord>> SociLedgerRepository::EnsureAccounts(
    const std::vector<spi::LedgerAccountRecord>& proposed, spi::LockMode lock) {
  return context_.Call(
      Access::kWrite, "EnsureAccounts", [&]() -> Result<std::vector<spi::LedgerAccountRecord>> {
        std::vector<spi::LedgerAccountRecord> stored;
        const std::vector<const spi::LedgerAccountRecord*> refs = DistinctRefs(proposed);
        if (refs.empty()) return stored;
        auto collect = [&](const auto& row) { return AppendNativeRow<AccountFields>(row, stored); };
        static const std::string kInsertColumns =
            Sql({"INSERT INTO ledger_accounts (", kAccountColumns, ") "});

        if (context_.dialect() == Dialect::kSqlite) {
          // Writers are serialised on SQLite: a ref not found now cannot appear before commit.
          static const std::string kSelect =
              Sql({"SELECT ", kAccountColumns,
                   " FROM ledger_accounts WHERE kind = ? AND owner_id = ? AND currency = ?"});
          static const std::string kInsert =
              kInsertColumns + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
          SqliteStatement select = context_.statements().Sqlite(kSelect);
          SqliteStatement insert = context_.statements().Sqlite(kInsert);
          for (const spi::LedgerAccountRecord* account : refs) {
            select.Bind(AccountKindName(account->kind))
                .Bind(account->owner_id)
                .Bind(account->currency);
            const bool found = select.Step();
            if (found) EV_RETURN_IF_ERROR(collect(select));
            select.Reset();
            if (found) continue;
            insert.Bind(account->id)
                .Bind(AccountKindName(account->kind))
                .Bind(account->owner_id)
                .Bind(account->currency)
                .Bind(static_cast<long long>(account->posted))
                .Bind(static_cast<long long>(account->pending_debits))
                .Bind(static_cast<long long>(account->pending_credits))
                .Bind(static_cast<long long>(ToMicros(account->created_at)))
                .Bind(static_cast<long long>(ToMicros(account->updated_at)));
            // No row has the ref, so a skipped insert means the id belongs to another ref.
            if (insert.Run() != 1) return AccountIdTaken();
            stored.push_back(*account);
          }
          std::sort(stored.begin(), stored.end(),
                    [](const auto& a, const auto& b) { return a.id < b.id; });
          return stored;
        }

        // PostgreSQL. Existing refs are the expected case: the rows are read and locked (in id
        // order: the lock is taken above the sort) by one statement, and only when some ref has
        // no row yet are those inserted and everything read again. A new row is then locked by
        // the second read, possibly out of id order with the first: two batches creating the
        // same new account while sharing another may deadlock, which PostgreSQL detects and the
        // storage retries (kAborted). New accounts are rare; the common batch costs one
        // statement.
        PgArray kinds, owners, currencies;
        for (const spi::LedgerAccountRecord* account : refs) {
          kinds.Add(AccountKindName(account->kind));
          owners.Add(account->owner_id);
          currencies.Add(account->currency);
        }
        const std::vector<std::string> ref_lists = {kinds.Finish(), owners.Finish(),
                                                    currencies.Finish()};
        static const std::string kSelectBase =
            "SELECT " + Qualified("a", kAccountColumns) +
            " FROM ledger_accounts a JOIN unnest($1::text[], $2::text[], $3::text[])"
            " AS v (kind, owner_id, currency)"
            " ON a.kind = v.kind AND a.owner_id = v.owner_id AND a.currency = v.currency"
            " ORDER BY a.id";
        static const std::string kSelectLocked = kSelectBase + " FOR UPDATE OF a";
        auto read = [&]() -> Status {
          stored.clear();
          const PgResult found = context_.statements().Postgres(
              context_.LockClause(lock).empty() ? kSelectBase : kSelectLocked, ref_lists);
          return AppendPgRows<AccountFields>(found, stored);
        };
        EV_RETURN_IF_ERROR(read());
        if (stored.size() == refs.size()) return stored;

        // The missing refs, in ref order, so that the inserter of a ref another open
        // transaction has just inserted (and which waits for that one to end) makes two batches
        // wait in one direction. ON CONFLICT DO NOTHING skips a ref inserted meanwhile.
        std::set<std::tuple<std::string_view, std::string_view, std::string_view>> present;
        for (const spi::LedgerAccountRecord& account : stored) present.insert(RefKey(account));
        static const std::string kInsert =
            kInsertColumns +
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], "
            "$6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[]) ON CONFLICT DO NOTHING";
        PgArray ids, new_kinds, new_owners, new_currencies, posted, debits, credits, created,
            updated;
        for (const spi::LedgerAccountRecord* account : refs) {
          if (present.count(RefKey(*account))) continue;
          ids.Add(account->id);
          new_kinds.Add(AccountKindName(account->kind));
          new_owners.Add(account->owner_id);
          new_currencies.Add(account->currency);
          posted.Add(static_cast<long long>(account->posted));
          debits.Add(static_cast<long long>(account->pending_debits));
          credits.Add(static_cast<long long>(account->pending_credits));
          created.Add(static_cast<long long>(ToMicros(account->created_at)));
          updated.Add(static_cast<long long>(ToMicros(account->updated_at)));
        }
        context_.statements().Postgres(
            kInsert, {ids.Finish(), new_kinds.Finish(), new_owners.Finish(),
                      new_currencies.Finish(), posted.Finish(), debits.Finish(), credits.Finish(),
                      created.Finish(), updated.Finish()});
        EV_RETURN_IF_ERROR(read());
        // A proposal was not inserted, yet no row has its ref: its id belongs to another ref.
        if (stored.size() != refs.size()) return AccountIdTaken();
        return stored;
      });
}

Status SociLedgerRepository::InsertTransfers(const std::vector<spi::TransferRecord>& transfers) {
  return context_.Call(
      Access::kWrite, "InsertTransfers",
      [&]() -> Status {
        if (transfers.empty()) return Status::Ok();
        // In key order, for the reason EnsureAccounts inserts in ref order: two batches racing
        // for the same keys on PostgreSQL wait in one direction, and the later one finds the keys
        // taken instead of deadlocking.
        std::vector<const spi::TransferRecord*> rows;
        rows.reserve(transfers.size());
        for (const spi::TransferRecord& transfer : transfers) rows.push_back(&transfer);
        std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
          return a->idempotency_key < b->idempotency_key;
        });
        static const std::string kInsertColumns =
            Sql({"INSERT INTO transfers (", kTransferColumns, ") "});

        // A taken key is an expected outcome (another node won a race, or a caller reused an
        // id): ON CONFLICT DO NOTHING reports it as a short row count without failing the
        // statement. Which it was: a row whose key is now stored under another id lost its key
        // (idempotency_key_taken, which wins); otherwise a row's id was taken (transfer_exists).
        std::map<std::string, std::string, std::less<>> stored_ids;  // key -> id, after the insert
        auto skipped = [&]() -> Status {
          for (const spi::TransferRecord* row : rows) {
            auto found = stored_ids.find(row->idempotency_key);
            if (found != stored_ids.end() && found->second != row->id) {
              return IdempotencyKeyTaken();
            }
          }
          return AlreadyExists("transfer_exists", "a transfer with this id already exists", "id");
        };

        if (context_.dialect() == Dialect::kSqlite) {
          static const std::string kInsert =
              kInsertColumns +
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
          SqliteStatement insert = context_.statements().Sqlite(kInsert);
          long long inserted = 0;
          for (const spi::TransferRecord* transfer : rows) {
            insert.Bind(transfer->id)
                .Bind(transfer->idempotency_key)
                .Bind(transfer->request_hash)
                .Bind(TransferKindName(transfer->kind))
                .Bind(transfer->from_account_id)
                .Bind(transfer->to_account_id)
                .Bind(static_cast<long long>(transfer->amount))
                .Bind(transfer->currency)
                .Bind(TransferStatusName(transfer->status))
                .Bind(transfer->reference)
                .Bind(VoidCauseName(transfer->void_cause))
                .Bind(transfer->void_note)
                .Bind(static_cast<long long>(ToMicros(transfer->created_at)))
                .Bind(OptionalMicros(transfer->expires_at))
                .Bind(OptionalMicros(transfer->resolved_at));
            inserted += insert.Run();
          }
          if (inserted == static_cast<long long>(rows.size())) return Status::Ok();
          static const std::string kStoredId = "SELECT id FROM transfers WHERE idempotency_key = ?";
          SqliteStatement stored = context_.statements().Sqlite(kStoredId);
          for (const spi::TransferRecord* row : rows) {
            stored.Bind(row->idempotency_key);
            if (stored.Step()) stored_ids.emplace(row->idempotency_key, stored.Text(0));
            stored.Reset();
          }
          return skipped();
        }

        static const std::string kInsert =
            kInsertColumns +
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
            "$6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[], "
            "$12::text[], $13::bigint[], $14::bigint[], $15::bigint[]) ON CONFLICT DO NOTHING";
        PgArray ids, keys, hashes, kinds, from, to, amounts, currencies, statuses, references,
            causes, notes, created, expires, resolved;
        for (const spi::TransferRecord* transfer : rows) {
          ids.Add(transfer->id);
          keys.Add(transfer->idempotency_key);
          hashes.Add(transfer->request_hash);
          kinds.Add(TransferKindName(transfer->kind));
          from.Add(transfer->from_account_id);
          to.Add(transfer->to_account_id);
          amounts.Add(static_cast<long long>(transfer->amount));
          currencies.Add(transfer->currency);
          statuses.Add(TransferStatusName(transfer->status));
          references.Add(transfer->reference);
          causes.Add(VoidCauseName(transfer->void_cause));
          notes.Add(transfer->void_note);
          created.Add(static_cast<long long>(ToMicros(transfer->created_at)));
          expires.Add(OptionalMicros(transfer->expires_at));
          resolved.Add(OptionalMicros(transfer->resolved_at));
        }
        std::string key_list = keys.Finish();
        const PgResult inserted = context_.statements().Postgres(
            kInsert, {ids.Finish(), key_list, hashes.Finish(), kinds.Finish(), from.Finish(),
                      to.Finish(), amounts.Finish(), currencies.Finish(), statuses.Finish(),
                      references.Finish(), causes.Finish(), notes.Finish(), created.Finish(),
                      expires.Finish(), resolved.Finish()});
        if (inserted.affected_rows() == static_cast<long long>(rows.size())) return Status::Ok();
        static const std::string kStoredIds =
            "SELECT idempotency_key, id FROM transfers WHERE idempotency_key = ANY($1::text[])";
        const PgResult stored = context_.statements().Postgres(kStoredIds, {std::move(key_list)});
        for (int row = 0; row < stored.rows(); ++row) {
          stored_ids.emplace(stored.Text(row, 0), stored.Text(row, 1));
        }
        return skipped();
      },
      {.unique = IdempotencyKeyTaken()});
}

Status SociLedgerRepository::InsertEntries(const std::vector<spi::EntryRecord>& entries) {
  return context_.Call(
      Access::kWrite, "InsertEntries",
      [&]() -> Status {
        if (entries.empty()) return Status::Ok();
        static const std::string kInsertColumns =
            "INSERT INTO ledger_entries (transfer_id, account_id, amount, balance_after, "
            "created_at) ";
        if (context_.dialect() == Dialect::kSqlite) {
          static const std::string kInsert = kInsertColumns + "VALUES (?, ?, ?, ?, ?)";
          SqliteStatement insert = context_.statements().Sqlite(kInsert);
          for (const spi::EntryRecord& entry : entries) {
            insert.Bind(entry.transfer_id)
                .Bind(entry.account_id)
                .Bind(static_cast<long long>(entry.amount))
                .Bind(static_cast<long long>(entry.balance_after))
                .Bind(static_cast<long long>(ToMicros(entry.created_at)))
                .Run();
          }
          return Status::Ok();
        }
        static const std::string kInsert =
            kInsertColumns +
            "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], "
            "$5::bigint[])";
        PgArray transfer_ids, account_ids, amounts, balances, created;
        for (const spi::EntryRecord& entry : entries) {
          transfer_ids.Add(entry.transfer_id);
          account_ids.Add(entry.account_id);
          amounts.Add(static_cast<long long>(entry.amount));
          balances.Add(static_cast<long long>(entry.balance_after));
          created.Add(static_cast<long long>(ToMicros(entry.created_at)));
        }
        context_.statements().Postgres(
            kInsert, {transfer_ids.Finish(), account_ids.Finish(), amounts.Finish(),
                      balances.Finish(), created.Finish()});
        return Status::Ok();
      },
      {.unique =
           AlreadyExists("entry_exists", "this transfer already has an entry on the account")});
}

Status SociLedgerRepository::UpdateAccountsBalances(
    const std::vector<spi::LedgerAccountRecord>& accounts) {
  return context_.Call(Access::kWrite, "UpdateAccountsBalances", [&]() -> Status {
    // The last record of each id, in id order.
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
    if (rows.empty()) return Status::Ok();

    long long updated = 0;
    if (context_.dialect() == Dialect::kSqlite) {
      static const std::string kUpdate =
          "UPDATE ledger_accounts SET posted = ?, pending_debits = ?, pending_credits = ?, "
          "updated_at = ? WHERE id = ?";
      SqliteStatement update = context_.statements().Sqlite(kUpdate);
      for (const spi::LedgerAccountRecord* account : rows) {
        updated += update.Bind(static_cast<long long>(account->posted))
                       .Bind(static_cast<long long>(account->pending_debits))
                       .Bind(static_cast<long long>(account->pending_credits))
                       .Bind(static_cast<long long>(ToMicros(account->updated_at)))
                       .Bind(account->id)
                       .Run();
      }
    } else {
      static const std::string kUpdate =
          "UPDATE ledger_accounts AS a SET posted = v.posted, pending_debits = v.pending_debits, "
          "pending_credits = v.pending_credits, updated_at = v.updated_at"
          " FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])"
          " AS v (id, posted, pending_debits, pending_credits, updated_at) WHERE a.id = v.id";
      PgArray ids, posted, debits, credits, at;
      for (const spi::LedgerAccountRecord* account : rows) {
        ids.Add(account->id);
        posted.Add(static_cast<long long>(account->posted));
        debits.Add(static_cast<long long>(account->pending_debits));
        credits.Add(static_cast<long long>(account->pending_credits));
        at.Add(static_cast<long long>(ToMicros(account->updated_at)));
      }
      updated = context_.statements()
                    .Postgres(kUpdate, {ids.Finish(), posted.Finish(), debits.Finish(),
                                        credits.Finish(), at.Finish()})
                    .affected_rows();
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

Result<spi::ExpiredHolds> SociLedgerRepository::SumExpiredHolds(std::string_view account_id,
                                                                Timestamp now) {
  return context_.Call(Access::kRead, "SumExpiredHolds", [&]() -> Result<spi::ExpiredHolds> {
    const std::string id(account_id);
    const long long now_micros = ToMicros(now);
    long long debits = 0;
    long long credits = 0;
    // status = 'pending' literally, for the partial expiry index; CAST keeps PostgreSQL's SUM of
    // bigints an integer.
    Execute(context_.sql(),
            "SELECT CAST(COALESCE(SUM(CASE WHEN from_account_id = :from_id THEN amount ELSE 0 "
            "END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN to_account_id = :to_id THEN amount "
            "ELSE 0 END), 0) AS BIGINT) FROM transfers WHERE status = 'pending' AND "
            "expires_at <= :now AND (from_account_id = :either_from OR to_account_id = :either_to)",
            soci::into(debits), soci::into(credits), soci::use(id), soci::use(id),
            soci::use(now_micros), soci::use(id), soci::use(id));
    return spi::ExpiredHolds{debits, credits};
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
          query += ListConditions(p, "", filter.kind, filter.status, filter.as_of, filter.from,
                                  filter.until, filter.before);
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
        query += ListConditions(p, "t.", filter.kind, filter.status, filter.as_of, std::nullopt,
                                std::nullopt, filter.before);
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
        Params none(context_.dialect());
        EV_RETURN_IF_ERROR(CollectRows<AccountFields>(
            context_.sql(),
            "SELECT " + std::string(kAccountColumns) + " FROM ledger_accounts ORDER BY id", none,
            &accounts));
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
        // 1. Per transfer with entries: how many, and how many are the expected debit of the from
        // account and credit of the to account. The primary key allows one entry per account, so
        // a sound posted transfer has n = 2, debits = 1, credits = 1; others have no entries.
        // 2. Transfers naming an account that does not exist, and 3. transfer ids named by
        // entries without a transfer: the schema has no foreign keys (migration 3), the engine
        // writes these rows together, and this is where a broken reference would show.
        ForEachRow(
            context_.sql(),
            "SELECT id FROM ("
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
            "UNION "
            "SELECT t.id FROM transfers t "
            "WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.from_account_id) "
            "OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.to_account_id) "
            "UNION "
            "SELECT e.transfer_id FROM ledger_entries e "
            "WHERE NOT EXISTS (SELECT 1 FROM transfers t WHERE t.id = e.transfer_id)"
            ") u ORDER BY id LIMIT :limit",
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
