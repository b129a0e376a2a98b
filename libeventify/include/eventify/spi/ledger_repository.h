// LedgerRepository: the rows behind eventify::Ledger — accounts with cached balances, transfers
// and their immutable entries. Reached through spi::Transaction::ledger() inside Storage::Run;
// the transaction guarantees of spi/storage.h apply (rows read with kForUpdate stay locked).
//
// Sign convention: an account's balance is credits minus debits. A posted transfer of amount A
// from X to Y writes two entries: (X, -A) and (Y, +A), each with the account's posted balance
// after it. Entries are never updated or deleted; implementations should make the database
// refuse it (a trigger), so that not even a bug can rewrite history.
//
// Thread-safety: as spi::Transaction — owned by the thread running the body.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventify/export.h"
#include "eventify/ledger.h"
#include "eventify/spi/keyset.h"
#include "eventify/spi/store_area.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

enum class LockMode;

struct LedgerAccountRecord {
  std::string id;
  AccountKind kind = AccountKind::kUserWallet;
  std::string owner_id;  // empty for platform-wide accounts
  std::string currency;
  std::int64_t posted = 0;  // cache of the sum of this account's entries
  std::int64_t pending_debits = 0;
  std::int64_t pending_credits = 0;
  Timestamp created_at;
  Timestamp updated_at;
};

struct TransferRecord {
  std::string id;
  std::string idempotency_key;  // unique
  std::string request_hash;     // digest of the request, to tell a retry from a key reuse
  TransferKind kind = TransferKind::kDebit;
  std::string from_account_id;
  std::string to_account_id;
  std::int64_t amount = 0;  // > 0
  std::string currency;
  TransferStatus status = TransferStatus::kPending;
  std::string reference;
  VoidCause void_cause = VoidCause::kNone;  // kNone unless voided
  std::string void_note;
  Timestamp created_at;
  std::optional<Timestamp> expires_at;
  std::optional<Timestamp> resolved_at;
};

struct EntryRecord {
  std::string transfer_id;
  std::string account_id;
  std::int64_t amount = 0;  // signed: negative on the debited account
  std::int64_t balance_after = 0;
  Timestamp created_at;
};

// A transfer with both accounts resolved to their refs, and (for history) the entry of the
// account the history is about.
struct TransferRow {
  TransferRecord transfer;
  AccountRef from;
  AccountRef to;
  std::optional<std::int64_t> balance_after;
};

// Keyset position: rows strictly older than (created_at, id) in (created_at DESC, id DESC) order.
using TransferCursor = Keyset;

struct HistoryFilter {
  std::string account_id;  // transfers debiting or crediting this account
  std::optional<TransferKind> kind;
  std::optional<TransferStatus> status;
  // When set, a pending transfer whose expires_at <= as_of is voided for the status filter: the
  // ledger's reading of a hold the expiry sweep has not reached yet.
  std::optional<Timestamp> as_of;
  std::optional<Timestamp> from;   // created_at >= from
  std::optional<Timestamp> until;  // created_at < until
  std::optional<TransferCursor> before;
  int limit = 20;
};

struct TransferFilter {
  std::optional<TransferKind> kind;
  std::optional<TransferStatus> status;
  std::optional<Timestamp> as_of;        // as in HistoryFilter
  std::optional<TransferCursor> before;  // newest first, like history
  int limit = 20;
};

// What the pending transfers of one account that have reached their expiry still hold.
struct ExpiredHolds {
  std::int64_t debits = 0;   // out of the account
  std::int64_t credits = 0;  // into the account
};

// Balances of one account recomputed from the source of truth: its entries and the pending
// transfers touching it.
struct AccountTotals {
  std::string account_id;
  std::int64_t entries_sum = 0;
  std::int64_t pending_debits = 0;
  std::int64_t pending_credits = 0;
};

class EVENTIFY_EXPORT LedgerRepository {
 public:
  static constexpr StoreArea kArea{"ledger"};

  virtual ~LedgerRepository() = default;

  // Errors: kNotFound account_not_found.
  virtual Result<LedgerAccountRecord> FindAccount(const AccountRef& ref, LockMode lock) = 0;
  virtual Result<LedgerAccountRecord> FindAccountById(std::string_view id, LockMode lock) = 0;
  // The accounts of those of `refs` that exist, unlocked, each once, in no particular order (a
  // ref without an account adds nothing): a page of an organizer's events reads its escrow
  // accounts at once. The default calls FindAccount for each; a store reads them in one query.
  virtual Result<std::vector<LedgerAccountRecord>> FindAccounts(std::span<const AccountRef> refs) {
    std::vector<LedgerAccountRecord> found;
    for (const AccountRef& ref : refs) {
      Result<LedgerAccountRecord> account = FindAccount(ref, LockMode::kNone);
      if (!account.ok()) {
        if (account.status().code() != StatusCode::kNotFound) return account.status();
        continue;
      }
      const bool seen = std::any_of(found.begin(), found.end(),
                                    [&](const auto& other) { return other.id == account->id; });
      if (!seen) found.push_back(std::move(account).value());
    }
    return found;
  }
  // Writes posted, pending_debits, pending_credits and updated_at. Errors: kNotFound.
  virtual Status UpdateAccountBalances(const LedgerAccountRecord& account) = 0;

  // Errors: kNotFound transfer_not_found.
  virtual Result<TransferRecord> FindTransfer(std::string_view id, LockMode lock) = 0;
  // Writes status, void_cause, void_note and resolved_at. Errors: kNotFound transfer_not_found.
  virtual Status UpdateTransferStatus(const TransferRecord& transfer) = 0;
  // Inserts entries in one statement where the backend allows.
  virtual Status InsertEntries(const std::vector<EntryRecord>& entries) = 0;

  // Ids of pending transfers with expires_at <= now, soonest expiry first.
  virtual Result<std::vector<std::string>> ListExpiredPending(Timestamp now, int limit) = 0;
  // The sums of the pending transfers debiting and crediting the account with expires_at <= now.
  virtual Result<ExpiredHolds> SumExpiredHolds(std::string_view account_id, Timestamp now) = 0;
  // Transfers touching filter.account_id, newest first, with that account's balance_after.
  virtual Result<std::vector<TransferRow>> ListHistory(const HistoryFilter& filter) = 0;
  // Transfers by kind and status across all accounts, newest first (e.g. pending withdrawals).
  virtual Result<std::vector<TransferRow>> ListTransfers(const TransferFilter& filter) = 0;

  // ---- Batched forms: how accounts and transfers are created (the commit pipeline's path; a
  // single row is a batch of one) ------------------------------------------------------------

  // The transfers whose idempotency keys are among `keys` (any order; missing keys are absent).
  virtual Result<std::vector<TransferRecord>> FindTransfersByKeys(
      const std::vector<std::string>& keys) = 0;
  // Ensures an account exists for each proposed (kind, owner_id, currency) — inserting the
  // missing ones — and returns the stored row of every distinct ref, locked when asked, sorted by
  // id (existing rows are locked in id order, so that concurrent batches over existing accounts
  // cannot deadlock; two batches creating the same new account may, which the database detects
  // and the storage retries as kAborted).
  virtual Result<std::vector<LedgerAccountRecord>> EnsureAccounts(
      const std::vector<LedgerAccountRecord>& proposed, LockMode lock) = 0;
  // Inserts many transfers. Errors: kAlreadyExists idempotency_key_taken when any key is taken
  // (another node won a race); the caller then rolls the whole batch back and retries.
  virtual Status InsertTransfers(const std::vector<TransferRecord>& transfers) = 0;
  // Writes posted, pending_debits, pending_credits and updated_at of many accounts.
  virtual Status UpdateAccountsBalances(const std::vector<LedgerAccountRecord>& accounts) = 0;

  // For the audit: every account, its recomputed totals, and the ids (at most `limit`, sorted) of
  // unsound transfers: posted ones whose entries are not exactly one debit and one credit of the
  // transfer's amount, non-posted ones that have entries, ones naming an account that does not
  // exist, and ids named by entries that have no transfer. (Writes do not check references: the
  // ledger writes a transfer, its accounts and its entries in one transaction.)
  virtual Result<std::vector<LedgerAccountRecord>> ListAccounts() = 0;
  virtual Result<std::vector<AccountTotals>> RecomputeTotals() = 0;
  virtual Result<std::vector<std::string>> FindUnbalancedTransfers(int limit) = 0;
  virtual Result<std::int64_t> CountTransfers() = 0;
};

}  // namespace eventify::spi
