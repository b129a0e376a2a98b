#include "ledger/ledger_service.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <unordered_map>

#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "crypto/sodium.h"
#include "ledger/pending_transfers.h"
#include "ledger/transfer_batch.h"
#include "ledger/transfer_rules.h"
#include "storage/commit_pipeline.h"

namespace eventify::ledger {
namespace {

using spi::LedgerAccountRecord;
using spi::LedgerRepository;
using spi::LockMode;
using spi::Transaction;
using spi::TransactionMode;
using spi::TransferRecord;

constexpr int kMaxUnbalancedReported = 100;

Status TransferNotFound() { return NotFound("transfer_not_found", "no such transfer"); }

spi::Keyset TransferPosition(const spi::TransferRow& row) {
  return spi::Keyset{row.transfer.created_at, row.transfer.id};
}

// One CreateTransfer call waiting in the commit pipeline.
struct CreateOperation final : storage::BatchOperation {
  const PreparedTransfer* transfer = nullptr;
  Transfer result;
};

// Applies a batch of CreateTransfer calls through the batch's TransferBatch (transfer_batch.h):
// one load of keys and accounts for the whole batch, the rules in memory in arrival order, one
// write per table when the pipeline finishes the batch. Each call keeps its own outcome.
class CreateTransferApplier final : public storage::BatchApplier {
 public:
  explicit CreateTransferApplier(TransferClock& clock) : clock_(clock) {}

  Status ApplyBatch(spi::Transaction& tx, storage::BatchContext& context,
                    std::span<storage::BatchOperation* const> operations) override {
    TransferBatch& transfers = TransferBatch::Of(context, tx, clock_);
    std::vector<const PreparedTransfer*> prepared;
    prepared.reserve(operations.size());
    for (storage::BatchOperation* op : operations) {
      prepared.push_back(static_cast<CreateOperation*>(op)->transfer);
    }
    EV_RETURN_IF_ERROR(transfers.Load(prepared));
    for (storage::BatchOperation* op : operations) {
      auto* create = static_cast<CreateOperation*>(op);
      auto staged = transfers.Stage(*create->transfer);
      if (!staged.ok() && staged.status().code() == StatusCode::kInternal) return staged.status();
      create->outcome = staged.status();
      if (staged.ok()) create->result = std::move(*staged);
    }
    return Status::Ok();
  }

 private:
  TransferClock& clock_;
};

class LedgerServiceImpl final : public Ledger {
 public:
  LedgerServiceImpl(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::Clock> clock,
                    TransferClock& transfer_clock, storage::CommitPipeline& pipeline)
      : storage_(std::move(storage)),
        clock_(std::move(clock)),
        pipeline_(pipeline),
        create_applier_(transfer_clock) {}

  Result<Transfer> CreateTransfer(const TransferRequest& request) override {
    EV_ASSIGN_OR_RETURN(const PreparedTransfer prepared, PrepareTransfer(request));
    // Another engine on the same database may insert the key between this batch's look-up and
    // its insert: the insert then reports idempotency_key_taken once the winner has committed
    // (the pipeline re-applies a failed batch one by one, but a lone operation's failure comes
    // straight back), and a second pass replays the winner's transfer (or refuses a reused key).
    for (int pass = 0;; ++pass) {
      CreateOperation operation;
      operation.transfer = &prepared;
      // Reported only once the commit holding the transfer is durable.
      const Status status = pipeline_.Execute(create_applier_, operation);
      if (status.ok()) return std::move(operation.result);
      if (status.reason() != "idempotency_key_taken" || pass > 0) return status;
    }
  }

  Result<Transfer> PostPending(std::string_view transfer_id) override {
    return Resolve(transfer_id, TransferStatus::kPosted, VoidCause::kNone, "");
  }

  Result<Transfer> VoidPending(std::string_view transfer_id, VoidCause cause,
                               std::string_view note) override {
    // Only the ledger records an expiry; a value outside the enum has no name to store.
    if (cause == VoidCause::kNone || cause == VoidCause::kExpired ||
        !ParseVoidCause(VoidCauseName(cause)).ok()) {
      return InvalidArgument("invalid_void_cause",
                             "a transfer is voided for a cause other than none or expired",
                             "void_cause");
    }
    if (note.size() > kMaxReferenceLength || !IsPrintableAscii(note)) {
      return InvalidArgument("invalid_reason", "the reason must be up to 200 printable characters",
                             "reason");
    }
    return Resolve(transfer_id, TransferStatus::kVoided, cause, note);
  }

  Result<std::int64_t> VoidExpired(int limit) override {
    if (limit <= 0) return InvalidArgument("invalid_limit", "limit must be positive", "limit");
    std::vector<std::string> ids;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(ids, tx.ledger().ListExpiredPending(clock_->Now(), limit));
      return Status::Ok();
    }));
    std::int64_t voided = 0;
    // One transaction per transfer: each locks only its own two accounts, briefly.
    for (const std::string& id : ids) {
      bool did_void = false;
      EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
        auto& repo = tx.ledger();
        did_void = false;
        EV_ASSIGN_OR_RETURN(TransferRecord transfer, repo.FindTransfer(id, LockMode::kForUpdate));
        if (!IsExpired(transfer)) return Status::Ok();  // posted, voided or extended meanwhile
        LedgerAccountRecord from, to;
        EV_RETURN_IF_ERROR(VoidLockedTransfer(repo, transfer, VoidCause::kExpired, "", clock_->Now(),
                                              from, to));
        did_void = true;
        return Status::Ok();
      }));
      if (did_void) ++voided;
    }
    return voided;
  }

  Result<Transfer> GetTransfer(std::string_view transfer_id) override {
    Transfer result;
    Status status = storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      auto& repo = tx.ledger();
      EV_ASSIGN_OR_RETURN(TransferRecord transfer, repo.FindTransfer(transfer_id, LockMode::kNone));
      EV_ASSIGN_OR_RETURN(LedgerAccountRecord from,
                          repo.FindAccountById(transfer.from_account_id, LockMode::kNone));
      EV_ASSIGN_OR_RETURN(LedgerAccountRecord to,
                          repo.FindAccountById(transfer.to_account_id, LockMode::kNone));
      result = ToTransfer(transfer, RefOf(from), RefOf(to), clock_->Now());
      return Status::Ok();
    });
    if (status.reason() == "transfer_not_found") return TransferNotFound();
    if (!status.ok()) return status;
    return result;
  }

  Result<Balance> GetBalance(const AccountRef& account) override {
    EV_RETURN_IF_ERROR(ValidateRef(account, "account"));
    Balance balance;
    balance.account = account;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      auto found = tx.ledger().FindAccount(account, LockMode::kNone);
      if (!found.ok()) {
        // An account never used has nothing in it.
        return found.status().code() == StatusCode::kNotFound ? Status::Ok() : found.status();
      }
      // Holds past their expiry are released for readers, before the sweep records it.
      EV_ASSIGN_OR_RETURN(const spi::ExpiredHolds expired,
                          tx.ledger().SumExpiredHolds(found->id, clock_->Now()));
      balance.account_id = found->id;
      balance.posted = found->posted;
      balance.pending_debits = found->pending_debits - expired.debits;
      balance.pending_credits = found->pending_credits - expired.credits;
      return Status::Ok();
    }));
    return balance;
  }

  Result<HistoryPage> History(const AccountRef& account, const HistoryQuery& query) override {
    EV_RETURN_IF_ERROR(ValidateRef(account, "account"));
    EV_RETURN_IF_ERROR(CheckPageLimit(query.limit));
    if (query.from && query.until && *query.from >= *query.until) {
      return InvalidArgument("invalid_range", "'from' must be before 'until'", "from");
    }
    EV_ASSIGN_OR_RETURN(const auto before, DecodePageCursor(query.cursor));
    HistoryPage page;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      page = HistoryPage{};
      auto& repo = tx.ledger();
      auto found = repo.FindAccount(account, LockMode::kNone);
      if (!found.ok()) {
        return found.status().code() == StatusCode::kNotFound ? Status::Ok() : found.status();
      }
      const Timestamp now = clock_->Now();
      spi::HistoryFilter filter;
      filter.account_id = found->id;
      filter.kind = query.kind;
      filter.status = query.status;
      filter.as_of = now;
      filter.from = query.from;
      filter.until = query.until;
      filter.before = before;
      filter.limit = query.limit + 1;  // one more tells whether another page exists
      EV_ASSIGN_OR_RETURN(auto rows, repo.ListHistory(filter));
      page.next_cursor = TrimPage(rows, query.limit, TransferPosition);
      for (auto& row : rows) {
        HistoryItem item;
        const bool outgoing = row.transfer.from_account_id == found->id;
        item.counterparty = outgoing ? row.to : row.from;
        item.amount = outgoing ? -row.transfer.amount : row.transfer.amount;
        item.balance_after = row.balance_after;
        item.transfer = ToTransfer(row.transfer, std::move(row.from), std::move(row.to), now);
        page.items.push_back(std::move(item));
      }
      return Status::Ok();
    }));
    return page;
  }

  Result<TransferPage> ListTransfers(const TransferQuery& query) override {
    EV_RETURN_IF_ERROR(CheckPageLimit(query.limit));
    EV_ASSIGN_OR_RETURN(const auto before, DecodePageCursor(query.cursor));
    TransferPage page;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      page = TransferPage{};
      const Timestamp now = clock_->Now();
      spi::TransferFilter filter;
      filter.kind = query.kind;
      filter.status = query.status;
      filter.as_of = now;
      filter.before = before;
      filter.limit = query.limit + 1;
      EV_ASSIGN_OR_RETURN(auto rows, tx.ledger().ListTransfers(filter));
      page.next_cursor = TrimPage(rows, query.limit, TransferPosition);
      for (auto& row : rows) {
        page.items.push_back(ToTransfer(row.transfer, std::move(row.from), std::move(row.to), now));
      }
      return Status::Ok();
    }));
    return page;
  }

  Result<AuditReport> Audit() override {
    AuditReport report;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      report = AuditReport{};
      auto& repo = tx.ledger();
      EV_ASSIGN_OR_RETURN(const auto accounts, repo.ListAccounts());
      EV_ASSIGN_OR_RETURN(const auto totals, repo.RecomputeTotals());
      EV_ASSIGN_OR_RETURN(const auto unbalanced, repo.FindUnbalancedTransfers(kMaxUnbalancedReported));
      EV_ASSIGN_OR_RETURN(report.transfers_checked, repo.CountTransfers());
      std::map<std::string, spi::AccountTotals> by_id;
      for (const auto& t : totals) by_id[t.account_id] = t;
      std::map<std::string, std::int64_t> currency_sums;
      report.accounts_checked = static_cast<std::int64_t>(accounts.size());
      auto& out = report.discrepancies;
      for (const auto& account : accounts) {
        const spi::AccountTotals recomputed = by_id[account.id];  // zeros when absent
        const std::string name = fmt::format("account {} ({} {} {})", account.id,
                                             AccountKindName(account.kind), account.owner_id,
                                             account.currency);
        if (account.posted != recomputed.entries_sum) {
          out.push_back(fmt::format("{}: cached balance {} but entries sum to {}", name,
                                    account.posted, recomputed.entries_sum));
        }
        if (account.pending_debits != recomputed.pending_debits ||
            account.pending_credits != recomputed.pending_credits) {
          out.push_back(fmt::format(
              "{}: cached holds {}/{} but pending transfers sum to {}/{}", name,
              account.pending_debits, account.pending_credits, recomputed.pending_debits,
              recomputed.pending_credits));
        }
        if (!MayGoNegative(account.kind) &&
            (recomputed.entries_sum < 0 || recomputed.entries_sum < recomputed.pending_debits)) {
          out.push_back(fmt::format("{}: balance {} with holds {} is negative", name,
                                    recomputed.entries_sum, recomputed.pending_debits));
        }
        currency_sums[account.currency] += recomputed.entries_sum;
      }
      for (const auto& [currency, sum] : currency_sums) {
        if (sum != 0) {
          out.push_back(fmt::format("currency {}: balances sum to {}, not zero", currency, sum));
        }
      }
      for (const auto& id : unbalanced) {
        out.push_back(fmt::format(
            "transfer {}: unsound (entries that do not match its status and amount, a missing "
            "account, or entries without the transfer)",
            id));
      }
      return Status::Ok();
    }));
    return report;
  }

 private:
  bool IsExpired(const TransferRecord& transfer) const {
    return IsExpiredAt(transfer, clock_->Now());
  }

  // Posts or voids a pending transfer (pending_transfers.h). A hold found expired is voided
  // instead, and the caller learns transfer_expired: an expired hold can never be posted.
  Result<Transfer> Resolve(std::string_view transfer_id, TransferStatus target,
                           VoidCause void_cause, std::string_view void_note) {
    Resolution resolution;
    Status status = storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(resolution, ResolvePending(tx.ledger(), transfer_id, target, void_cause,
                                                     void_note, clock_->Now()));
      return Status::Ok();
    });
    if (status.reason() == "transfer_not_found") return TransferNotFound();
    if (!status.ok()) return status;
    if (!resolution.outcome.ok()) return resolution.outcome;
    return resolution.transfer;
  }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<spi::Clock> clock_;
  storage::CommitPipeline& pipeline_;
  CreateTransferApplier create_applier_;
};

}  // namespace

std::unique_ptr<Ledger> MakeLedgerService(std::shared_ptr<spi::Storage> storage,
                                          std::shared_ptr<spi::Clock> clock,
                                          TransferClock& transfer_clock,
                                          storage::CommitPipeline& pipeline) {
  return std::make_unique<LedgerServiceImpl>(std::move(storage), std::move(clock), transfer_clock,
                                             pipeline);
}

}  // namespace eventify::ledger
