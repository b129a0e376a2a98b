// SociLedgerRepository: spi::LedgerRepository over the ledger_accounts, transfers and
// ledger_entries tables (schema version 2).
//
// Expected outcomes (an existing account, a taken idempotency key, a missing row) are detected
// without failing a statement, so they leave the transaction usable; see TransactionContext.
// Queries that read many rows are single set-based statements (one multi-row INSERT for the
// entries, one aggregate for the recomputed totals); the batched forms used by the commit pipeline
// take one statement per method for a whole batch.
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/spi/ledger_repository.h"
#include "eventify/spi/storage.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociLedgerRepository final : public spi::LedgerRepository {
 public:
  explicit SociLedgerRepository(TransactionContext& context) : context_(context) {}

  // A proposed id already used by an account with another ref is kAlreadyExists
  // (ledger_account_exists); that is a caller bug, ids are fresh.
  Result<spi::LedgerAccountRecord> FindAccount(const AccountRef& ref, spi::LockMode lock) override;
  // Errors: kNotFound account_not_found.
  Result<spi::LedgerAccountRecord> FindAccountById(std::string_view id,
                                                   spi::LockMode lock) override;
  // One statement per kind and currency among `refs` (per 500 owners): a page of events is one.
  Result<std::vector<spi::LedgerAccountRecord>> FindAccounts(
      std::span<const AccountRef> refs) override;
  // Errors: kNotFound account_not_found. Negative pending totals break a CHECK (kInternal).
  Status UpdateAccountBalances(const spi::LedgerAccountRecord& account) override;

  // Errors: kAlreadyExists idempotency_key_taken (the transaction stays usable), kAlreadyExists
  // transfer_exists for a reused id, kNotFound account_not_found for an unknown account (that
  // one fails the statement, so the transaction is over).
  Result<spi::TransferRecord> FindTransfer(std::string_view id, spi::LockMode lock) override;
  // Errors: kNotFound transfer_not_found.
  Status UpdateTransferStatus(const spi::TransferRecord& transfer) override;
  // A (transfer, account) pair written twice is
  // kAlreadyExists entry_exists, which ends the transaction.
  Status InsertEntries(const std::vector<spi::EntryRecord>& entries) override;

  // ---- Batched forms (native_statements.h): on SQLite one prepared statement stepped per row,
  // on PostgreSQL one prepared statement with array parameters per method, whatever the batch
  // size. Rows are written in a canonical order (refs, keys, ids sorted) so that two concurrent
  // batches wait for each other's rows in one order on PostgreSQL.

  // Duplicate keys are looked up once.
  Result<std::vector<spi::TransferRecord>> FindTransfersByKeys(
      const std::vector<std::string>& keys) override;
  // The first proposal of each ref is the one inserted. Up to 10,000 distinct refs are read (and
  // locked) by one statement in id order; more are resolved to ids first, then read in id order.
  // Errors: kAlreadyExists ledger_account_exists when a proposed id is used by another ref (a
  // caller bug; the transaction stays usable but the batch must be rolled back).
  Result<std::vector<spi::LedgerAccountRecord>> EnsureAccounts(
      const std::vector<spi::LedgerAccountRecord>& proposed, spi::LockMode lock) override;
  // Errors (the transaction stays usable, but the rows before the conflict are written: roll
  // back): kAlreadyExists idempotency_key_taken when a key is taken or appears twice in
  // `transfers`; kAlreadyExists transfer_exists when an id is reused (a caller bug). kNotFound
  // account_not_found for an unknown account fails the statement (the transaction is over).
  Status InsertTransfers(const std::vector<spi::TransferRecord>& transfers) override;
  // An id listed twice takes its last record. Errors: kNotFound account_not_found when an id
  // has no row (the others are written: roll back). Negative pending totals break a CHECK
  // (kInternal, the transaction is over).
  Status UpdateAccountsBalances(const std::vector<spi::LedgerAccountRecord>& accounts) override;

  // A limit below 1 yields no rows, as in the other list methods.
  Result<std::vector<std::string>> ListExpiredPending(Timestamp now, int limit) override;
  Result<spi::ExpiredHolds> SumExpiredHolds(std::string_view account_id, Timestamp now) override;
  Result<std::vector<spi::TransferRow>> ListHistory(const spi::HistoryFilter& filter) override;
  Result<std::vector<spi::TransferRow>> ListTransfers(const spi::TransferFilter& filter) override;

  // Ordered by id. Reads every row at once: meant for the audit.
  Result<std::vector<spi::LedgerAccountRecord>> ListAccounts() override;
  // Every account, those without entries or pending transfers included, ordered by id.
  Result<std::vector<spi::AccountTotals>> RecomputeTotals() override;
  // Ordered by id.
  Result<std::vector<std::string>> FindUnbalancedTransfers(int limit) override;
  Result<std::int64_t> CountTransfers() override;

 private:
  // The account row where `column` = value.
  Result<spi::LedgerAccountRecord> FindAccountWhere(std::string_view operation,
                                                    std::string_view column, std::string_view value,
                                                    spi::LockMode lock);
  Result<spi::TransferRecord> FindTransferWhere(std::string_view operation, std::string_view column,
                                                std::string_view value, spi::LockMode lock);

  TransactionContext& context_;
};

}  // namespace eventify::storage
