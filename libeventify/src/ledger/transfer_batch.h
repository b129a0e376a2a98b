// TransferBatch: the ledger's rules for new transfers, as a part of a commit-pipeline batch
// (storage/commit_pipeline.h), so that any area can move money in its own commit.
//
// The ledger's own applier (Ledger::CreateTransfer) and another area's applier (bookings: "hold
// these seats and take the payment") stage transfers in the same TransferBatch of a batch:
//
//   auto& transfers = ledger::TransferBatch::Of(context, tx, rules);
//   EV_RETURN_IF_ERROR(transfers.Load(prepared));          // every transfer the applier may stage
//   for (op : ops) {
//     if (!seats available) { op->outcome = ...; continue; }   // the area's own rule first
//     auto transfer = transfers.Stage(op->payment);             // then the money, in memory
//     if (!transfer.ok()) { op->outcome = transfer.status(); continue; }  // seats not taken
//     take the seats (in memory), remember transfer->id
//   }
//   write the area's rows;   // the pipeline then finishes the context: the transfers are written
//
// Cost: Load runs one look-up of idempotency keys and one insert-and-lock of the accounts for all
// the transfers it is given (a second Load in the same batch fetches only what is new); Stage runs
// the rules in memory against the locked rows as changed by the transfers staged before it; the
// context's finish writes every staged transfer, entry and balance with one statement per table.
// So N transfers cost a fixed number of statements, from however many appliers.
//
// Rules (those of Ledger::CreateTransfer, ledger.h): a key seen before replays the stored transfer
// when the request is the same (the outcome is OK and nothing is written again) and is refused
// with idempotency_key_reused otherwise; an account that may not go negative never has more
// debited (posted plus pending) than it holds; a pending transfer holds the amount on both sides.
// Accounts are locked (spi::LockMode::kForUpdate) from Load until the commit.
//
// Ownership and threads: made by Of inside a pipeline batch and owned by its BatchContext; used
// by the thread running that batch only. TransferClock is shared by every batch of an engine and
// is thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "eventify/ledger.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/spi/storage.h"
#include "storage/commit_pipeline.h"

namespace eventify::ledger {

// A transfer request checked and fingerprinted on the caller's thread, before it is queued, so
// that the pipeline's writer spends no time on either.
struct PreparedTransfer {
  TransferRequest request;
  std::string request_hash;
};

// Errors: those of ValidateRequest (transfer_rules.h).
Result<PreparedTransfer> PrepareTransfer(TransferRequest request);

// The engine's clock for transfers: creation times strictly increasing across every batch, so
// that history lists transfers in the order they were applied even when a batch shares one
// clock reading. One per engine (a ledger and the areas composing with it share it).
class TransferClock {
 public:
  explicit TransferClock(std::shared_ptr<spi::Clock> clock) : clock_(std::move(clock)) {}
  Timestamp Now() const { return clock_->Now(); }
  // A creation time after every one handed out before, and not before `now`.
  Timestamp NextCreatedAt(Timestamp now);

 private:
  const std::shared_ptr<spi::Clock> clock_;
  std::mutex mu_;
  Timestamp last_{};
};

class TransferBatch final : public storage::BatchContext::Part {
 public:
  // The batch's TransferBatch, made on first use; the pipeline writes it when the batch ends.
  static TransferBatch& Of(storage::BatchContext& context, spi::Transaction& tx,
                           TransferClock& clock);

  TransferBatch(spi::LedgerRepository& repo, TransferClock& clock);

  // Fetches what staging `transfers` needs: the transfers already stored under their keys, and
  // their accounts, created when missing and locked for the rest of the transaction. Call it
  // once per applier with every transfer it may stage, before staging any of them.
  // Errors: storage failures only (they roll the batch back).
  Status Load(std::span<const PreparedTransfer* const> transfers);

  // Applies the rules to one transfer given to Load, against the state left by the transfers
  // staged before it, and stages it. Errors (this transfer fails alone, nothing is staged):
  // kAlreadyExists idempotency_key_reused, kFailedPrecondition insufficient_funds or
  // balance_overflow; kInternal when the transfer was not loaded.
  Result<Transfer> Stage(const PreparedTransfer& transfer);

  // Writes the staged transfers, their entries and the changed balances (called by the pipeline).
  Status Finish(spi::Transaction& tx) override;

 private:
  spi::LedgerRepository& repo_;
  TransferClock& clock_;
  const Timestamp now_;
  std::unordered_map<std::string, spi::TransferRecord> by_key_;  // stored or staged
  std::vector<std::unique_ptr<spi::LedgerAccountRecord>> accounts_;  // locked, as changed so far
  std::unordered_map<std::string, spi::LedgerAccountRecord*> by_ref_;
  std::unordered_set<const spi::LedgerAccountRecord*> touched_;
  std::vector<spi::TransferRecord> inserts_;
  std::vector<spi::EntryRecord> entries_;
};

}  // namespace eventify::ledger
