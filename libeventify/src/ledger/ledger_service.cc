#include "ledger/ledger_service.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <unordered_map>

#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "crypto/sodium.h"
#include "storage/commit_pipeline.h"

namespace eventify::ledger {
namespace {

using spi::LedgerAccountRecord;
using spi::LedgerRepository;
using spi::LockMode;
using spi::Transaction;
using spi::TransactionMode;
using spi::TransferRecord;

// 10^15 minor units (ten trillion rupees in paise): far above any real payment, far below the
// point where sums of balances could overflow 64 bits.
constexpr std::int64_t kMaxAmount = 1'000'000'000'000'000LL;
constexpr std::size_t kMaxKeyLength = 255;  // services add a scope to clients' 200
constexpr std::size_t kMaxReferenceLength = 200;
constexpr std::size_t kMaxOwnerIdLength = 64;
constexpr int kMaxUnbalancedReported = 100;

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool NeedsOwner(AccountKind kind) {
  return kind == AccountKind::kUserWallet || kind == AccountKind::kOrganizerWallet ||
         kind == AccountKind::kEscrow;
}

Status ValidateRef(const AccountRef& ref, std::string_view field) {
  if (!IsValidCurrency(ref.currency)) {
    return InvalidArgument("invalid_currency", "currency must be an ISO 4217 code such as INR",
                           std::string(field));
  }
  if (NeedsOwner(ref.kind) != !ref.owner_id.empty() || ref.owner_id.size() > kMaxOwnerIdLength ||
      !IsPrintableAscii(ref.owner_id)) {
    return InvalidArgument("invalid_account",
                           fmt::format("a {} account {} an owner id", AccountKindName(ref.kind),
                                       NeedsOwner(ref.kind) ? "needs" : "has no"),
                           std::string(field));
  }
  return Status::Ok();
}

Status ValidateRequest(const TransferRequest& request) {
  if (request.idempotency_key.empty() || request.idempotency_key.size() > kMaxKeyLength ||
      !IsPrintableAscii(request.idempotency_key)) {
    return InvalidArgument("invalid_idempotency_key",
                           "the idempotency key must be 1 to 255 printable ASCII characters",
                           "idempotency_key");
  }
  if (request.amount.minor_units <= 0 || request.amount.minor_units > kMaxAmount) {
    return InvalidArgument("invalid_amount", "the amount must be positive and at most 10^15",
                           "amount");
  }
  if (!IsValidCurrency(request.amount.currency)) {
    return InvalidArgument("invalid_currency", "currency must be an ISO 4217 code such as INR",
                           "currency");
  }
  EV_RETURN_IF_ERROR(ValidateRef(request.from, "from"));
  EV_RETURN_IF_ERROR(ValidateRef(request.to, "to"));
  if (request.from.currency != request.amount.currency ||
      request.to.currency != request.amount.currency) {
    return InvalidArgument("currency_mismatch",
                           "both accounts must hold the currency of the amount", "currency");
  }
  if (request.from == request.to) {
    return InvalidArgument("same_account", "a transfer needs two different accounts", "to");
  }
  if (request.reference.size() > kMaxReferenceLength) {
    return InvalidArgument("invalid_reference", "the reference is longer than 200 bytes",
                           "reference");
  }
  if (request.pending_timeout && (!request.pending || request.pending_timeout->count() <= 0)) {
    return InvalidArgument("invalid_timeout",
                           "a timeout needs a pending transfer and must be positive",
                           "pending_timeout");
  }
  return Status::Ok();
}

// Digest of everything that defines a request, to tell an honest retry from a reused key. A
// request without a fingerprint hashes as before fingerprints existed (v1), so that its stored
// transfers still replay; one with a fingerprint appends the fingerprint's own digest, of fixed
// length, so that no reference and fingerprint pair can read as another.
std::string RequestHash(const TransferRequest& r) {
  const std::string v1 = fmt::format(
      "v1|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", TransferKindName(r.kind), AccountKindName(r.from.kind),
      r.from.owner_id, r.from.currency, AccountKindName(r.to.kind), r.to.owner_id, r.to.currency,
      r.amount.minor_units, r.pending ? 1 : 0, r.pending_timeout ? r.pending_timeout->count() : -1,
      r.reference);
  if (r.fingerprint.empty()) return crypto::Sha256Hex(v1);
  return crypto::Sha256Hex(fmt::format("v2|{}|{}", v1, crypto::Sha256Hex(r.fingerprint)));
}

AccountRef RefOf(const LedgerAccountRecord& account) {
  return AccountRef{account.kind, account.owner_id, account.currency};
}

constexpr std::string_view kExpiredReason = "expired";

bool IsExpiredAt(const TransferRecord& transfer, Timestamp now) {
  return transfer.status == TransferStatus::kPending && transfer.expires_at &&
         now >= *transfer.expires_at;
}

// The transfer as readers see it at `now`: a pending hold past its expiry is voided, as the sweep
// will record it.
Transfer ToTransfer(const TransferRecord& record, AccountRef from, AccountRef to, Timestamp now) {
  Transfer t;
  t.id = record.id;
  t.idempotency_key = record.idempotency_key;
  t.kind = record.kind;
  t.from = std::move(from);
  t.to = std::move(to);
  t.amount = Money{record.amount, record.currency};
  t.status = record.status;
  t.reference = record.reference;
  t.void_reason = record.void_reason;
  t.created_at = record.created_at;
  t.expires_at = record.expires_at;
  t.resolved_at = record.resolved_at;
  if (IsExpiredAt(record, now)) {
    t.status = TransferStatus::kVoided;
    t.void_reason = std::string(kExpiredReason);
    t.resolved_at = record.expires_at;
  }
  return t;
}

Status TransferNotFound() { return NotFound("transfer_not_found", "no such transfer"); }

// Locks both accounts of a transfer, always in id order so that two transactions moving money
// between the same pair in opposite directions cannot deadlock.
Status LockPair(LedgerRepository& repo, LedgerAccountRecord& from, LedgerAccountRecord& to) {
  const bool from_first = from.id < to.id;
  LedgerAccountRecord& first = from_first ? from : to;
  LedgerAccountRecord& second = from_first ? to : from;
  EV_ASSIGN_OR_RETURN(first, repo.FindAccountById(first.id, LockMode::kForUpdate));
  EV_ASSIGN_OR_RETURN(second, repo.FindAccountById(second.id, LockMode::kForUpdate));
  return Status::Ok();
}

Status LockTransferAccounts(LedgerRepository& repo, const TransferRecord& transfer,
                            LedgerAccountRecord& from, LedgerAccountRecord& to) {
  from.id = transfer.from_account_id;
  to.id = transfer.to_account_id;
  return LockPair(repo, from, to);
}

Status Overflow() {
  return FailedPrecondition("balance_overflow", "the balance would leave the 64-bit range");
}

// Moves `amount` from the posted balance of `from` to that of `to` and returns the two entries.
Result<std::vector<spi::EntryRecord>> Post(LedgerAccountRecord& from, LedgerAccountRecord& to,
                                           const TransferRecord& transfer, Timestamp now) {
  std::int64_t from_after, to_after;
  if (__builtin_sub_overflow(from.posted, transfer.amount, &from_after) ||
      __builtin_add_overflow(to.posted, transfer.amount, &to_after)) {
    return Overflow();
  }
  from.posted = from_after;
  to.posted = to_after;
  from.updated_at = to.updated_at = now;
  return std::vector<spi::EntryRecord>{
      {transfer.id, from.id, -transfer.amount, from.posted, now},
      {transfer.id, to.id, transfer.amount, to.posted, now},
  };
}

spi::Keyset TransferPosition(const spi::TransferRow& row) {
  return spi::Keyset{row.transfer.created_at, row.transfer.id};
}

LedgerAccountRecord NewAccount(const AccountRef& ref, Timestamp now) {
  LedgerAccountRecord account;
  account.id = NewId(now);
  account.kind = ref.kind;
  account.owner_id = ref.owner_id;
  account.currency = ref.currency;
  account.created_at = account.updated_at = now;
  return account;
}

std::string RefKey(AccountKind kind, std::string_view owner, std::string_view currency) {
  return fmt::format("{}|{}|{}", static_cast<int>(kind), owner, currency);
}
std::string RefKey(const AccountRef& ref) { return RefKey(ref.kind, ref.owner_id, ref.currency); }

// One CreateTransfer call waiting in the commit pipeline.
struct CreateOperation final : storage::BatchOperation {
  const TransferRequest* request = nullptr;
  std::string request_hash;
  Transfer result;
};

// Applies a batch of CreateTransfer calls with a fixed number of statements whatever the batch
// size: one look-up of the idempotency keys, one insert-and-lock of the accounts (in id order),
// then every rule runs in memory in arrival order, then one insert of the transfers, one of the
// entries and one update of the balances. Each call keeps its own outcome.
//
// Runs on the pipeline's writer threads: one batch at a time as a rule (the writers take turns),
// but a storage retry or a re-application after a failed commit may overlap the next batch, so
// the creation-time counter is guarded.
class CreateTransferApplier final : public storage::BatchApplier {
 public:
  explicit CreateTransferApplier(std::shared_ptr<spi::Clock> clock) : clock_(std::move(clock)) {}

  Status ApplyBatch(spi::Transaction& tx,
                    std::span<storage::BatchOperation* const> operations) override {
    auto& repo = tx.ledger();
    const Timestamp now = clock_->Now();
    std::vector<CreateOperation*> ops;
    std::vector<std::string> keys;
    for (storage::BatchOperation* op : operations) {
      ops.push_back(static_cast<CreateOperation*>(op));
      keys.push_back(ops.back()->request->idempotency_key);
    }
    EV_ASSIGN_OR_RETURN(auto existing, repo.FindTransfersByKeys(keys));
    std::unordered_map<std::string, TransferRecord> by_key;
    for (auto& record : existing) by_key.emplace(record.idempotency_key, std::move(record));

    std::vector<LedgerAccountRecord> proposed;
    for (const CreateOperation* op : ops) {
      if (by_key.count(op->request->idempotency_key)) continue;  // a replay touches no account
      proposed.push_back(NewAccount(op->request->from, now));
      proposed.push_back(NewAccount(op->request->to, now));
    }
    std::vector<LedgerAccountRecord> accounts;
    if (!proposed.empty()) {
      EV_ASSIGN_OR_RETURN(accounts, repo.EnsureAccounts(proposed, LockMode::kForUpdate));
    }
    std::unordered_map<std::string, LedgerAccountRecord*> by_ref;
    for (auto& account : accounts) {
      by_ref[RefKey(account.kind, account.owner_id, account.currency)] = &account;
    }

    std::vector<TransferRecord> inserts;
    std::vector<spi::EntryRecord> entries;
    std::vector<bool> touched(accounts.size(), false);
    for (CreateOperation* op : ops) {
      const TransferRequest& request = *op->request;
      op->outcome = Status::Ok();
      if (auto found = by_key.find(request.idempotency_key); found != by_key.end()) {
        if (found->second.request_hash != op->request_hash) {
          op->outcome = AlreadyExists("idempotency_key_reused",
                                      "this idempotency key was used for a different request",
                                      "idempotency_key");
        } else {
          op->result = ToTransfer(found->second, request.from, request.to, now);
        }
        continue;
      }
      auto from_it = by_ref.find(RefKey(request.from));
      auto to_it = by_ref.find(RefKey(request.to));
      if (from_it == by_ref.end() || to_it == by_ref.end()) {
        return Internal("an account of the batch was not returned by the storage");
      }
      LedgerAccountRecord& from = *from_it->second;
      LedgerAccountRecord& to = *to_it->second;
      const std::int64_t amount = request.amount.minor_units;
      // The one non-negativity rule, against the locked row as changed by earlier batch-mates.
      if (!MayGoNegative(from.kind) && from.posted - from.pending_debits < amount) {
        op->outcome = FailedPrecondition(
            "insufficient_funds",
            fmt::format("the {} has {} available, {} is needed", AccountKindName(from.kind),
                        from.posted - from.pending_debits, amount),
            "amount");
        continue;
      }
      TransferRecord transfer;
      transfer.created_at = NextCreatedAt(now);
      transfer.id = NewId(transfer.created_at);
      transfer.idempotency_key = request.idempotency_key;
      transfer.request_hash = op->request_hash;
      transfer.kind = request.kind;
      transfer.from_account_id = from.id;
      transfer.to_account_id = to.id;
      transfer.amount = amount;
      transfer.currency = request.amount.currency;
      transfer.reference = request.reference;
      if (request.pending) {
        std::int64_t held_from, held_to;
        if (__builtin_add_overflow(from.pending_debits, amount, &held_from) ||
            __builtin_add_overflow(to.pending_credits, amount, &held_to)) {
          op->outcome = Overflow();
          continue;
        }
        transfer.status = TransferStatus::kPending;
        if (request.pending_timeout) transfer.expires_at = now + *request.pending_timeout;
        from.pending_debits = held_from;
        to.pending_credits = held_to;
        from.updated_at = to.updated_at = transfer.created_at;
      } else {
        auto posted = Post(from, to, transfer, transfer.created_at);
        if (!posted.ok()) {
          op->outcome = posted.status();
          continue;
        }
        transfer.status = TransferStatus::kPosted;
        transfer.resolved_at = transfer.created_at;
        entries.insert(entries.end(), posted->begin(), posted->end());
      }
      touched[from_it->second - accounts.data()] = true;
      touched[to_it->second - accounts.data()] = true;
      op->result = ToTransfer(transfer, RefOf(from), RefOf(to), now);
      by_key.emplace(transfer.idempotency_key, transfer);  // a later batch-mate replays it
      inserts.push_back(std::move(transfer));
    }

    if (inserts.empty()) return Status::Ok();
    std::vector<LedgerAccountRecord> changed;
    for (std::size_t i = 0; i < accounts.size(); ++i) {
      if (touched[i]) changed.push_back(accounts[i]);
    }
    EV_RETURN_IF_ERROR(repo.InsertTransfers(inserts));
    if (!entries.empty()) EV_RETURN_IF_ERROR(repo.InsertEntries(entries));
    return repo.UpdateAccountsBalances(changed);
  }

 private:
  // Transfers of one batch share the clock reading; their creation times are made strictly
  // increasing so that history lists them in the order they were applied.
  Timestamp NextCreatedAt(Timestamp now) {
    std::lock_guard lock(created_at_mu_);
    last_created_at_ = std::max(now, last_created_at_ + Duration(1));
    return last_created_at_;
  }

  const std::shared_ptr<spi::Clock> clock_;
  std::mutex created_at_mu_;
  Timestamp last_created_at_{};
};

class LedgerServiceImpl final : public Ledger {
 public:
  LedgerServiceImpl(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::Clock> clock,
                    storage::CommitPipeline& pipeline)
      : storage_(std::move(storage)),
        clock_(std::move(clock)),
        pipeline_(pipeline),
        create_applier_(clock_) {}

  Result<Transfer> CreateTransfer(const TransferRequest& request) override {
    EV_RETURN_IF_ERROR(ValidateRequest(request));
    const std::string request_hash = RequestHash(request);
    // Another engine on the same database may insert the key between this batch's look-up and
    // its insert: the insert then reports idempotency_key_taken once the winner has committed
    // (the pipeline re-applies a failed batch one by one, but a lone operation's failure comes
    // straight back), and a second pass replays the winner's transfer (or refuses a reused key).
    for (int pass = 0;; ++pass) {
      CreateOperation operation;
      operation.request = &request;
      operation.request_hash = request_hash;
      // Reported only once the commit holding the transfer is durable.
      const Status status = pipeline_.Execute(create_applier_, operation);
      if (status.ok()) return std::move(operation.result);
      if (status.reason() != "idempotency_key_taken" || pass > 0) return status;
    }
  }

  Result<Transfer> PostPending(std::string_view transfer_id) override {
    return Resolve(transfer_id, TransferStatus::kPosted, "");
  }

  Result<Transfer> VoidPending(std::string_view transfer_id, std::string_view reason) override {
    if (reason.size() > kMaxReferenceLength || !IsPrintableAscii(reason)) {
      return InvalidArgument("invalid_reason", "the reason must be up to 200 printable characters",
                             "reason");
    }
    return Resolve(transfer_id, TransferStatus::kVoided, reason.empty() ? "voided" : reason);
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
        EV_RETURN_IF_ERROR(VoidInTransaction(repo, transfer, kExpiredReason, from, to));
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

  // Posts or voids a pending transfer. A hold found expired is voided instead, and the caller
  // learns transfer_expired: an expired hold can never be posted.
  Result<Transfer> Resolve(std::string_view transfer_id, TransferStatus target,
                           std::string_view void_reason) {
    Transfer result;
    Status outcome;
    Status status = storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      outcome = Status::Ok();
      auto& repo = tx.ledger();
      EV_ASSIGN_OR_RETURN(TransferRecord transfer,
                          repo.FindTransfer(transfer_id, LockMode::kForUpdate));
      LedgerAccountRecord from, to;
      if (transfer.status == target) {  // already done: idempotent
        EV_ASSIGN_OR_RETURN(from, repo.FindAccountById(transfer.from_account_id, LockMode::kNone));
        EV_ASSIGN_OR_RETURN(to, repo.FindAccountById(transfer.to_account_id, LockMode::kNone));
        result = ToTransfer(transfer, RefOf(from), RefOf(to), clock_->Now());
        return Status::Ok();
      }
      if (transfer.status != TransferStatus::kPending) {
        if (transfer.status == TransferStatus::kPosted) {
          outcome = FailedPrecondition("transfer_posted", "the transfer is already posted");
        } else if (transfer.void_reason == kExpiredReason) {
          outcome = FailedPrecondition("transfer_expired", "the hold expired and was released");
        } else {
          outcome = FailedPrecondition(
              "transfer_voided", fmt::format("the transfer was voided ({})", transfer.void_reason));
        }
        return Status::Ok();
      }
      if (IsExpired(transfer)) {
        // An expired hold is voided as expired: posting it is refused, voiding it is done.
        EV_RETURN_IF_ERROR(VoidInTransaction(repo, transfer, kExpiredReason, from, to));
        if (target == TransferStatus::kPosted) {
          outcome = FailedPrecondition("transfer_expired", "the hold expired and was released");
        }
      } else if (target == TransferStatus::kVoided) {
        EV_RETURN_IF_ERROR(VoidInTransaction(repo, transfer, void_reason, from, to));
      } else {
        EV_RETURN_IF_ERROR(LockTransferAccounts(repo, transfer, from, to));
        const Timestamp now = clock_->Now();
        from.pending_debits -= transfer.amount;
        to.pending_credits -= transfer.amount;
        EV_ASSIGN_OR_RETURN(auto entries, Post(from, to, transfer, now));
        transfer.status = TransferStatus::kPosted;
        transfer.resolved_at = now;
        EV_RETURN_IF_ERROR(repo.UpdateTransferStatus(transfer));
        EV_RETURN_IF_ERROR(repo.InsertEntries(entries));
        EV_RETURN_IF_ERROR(repo.UpdateAccountBalances(from));
        EV_RETURN_IF_ERROR(repo.UpdateAccountBalances(to));
      }
      result = ToTransfer(transfer, RefOf(from), RefOf(to), clock_->Now());
      return Status::Ok();
    });
    if (status.reason() == "transfer_not_found") return TransferNotFound();
    if (!status.ok()) return status;
    if (!outcome.ok()) return outcome;
    return result;
  }

  // Releases the hold of a locked pending transfer and marks it voided; an expiry is dated when
  // the hold lapsed, as readers saw it from then on.
  Status VoidInTransaction(LedgerRepository& repo, TransferRecord& transfer,
                           std::string_view reason, LedgerAccountRecord& from,
                           LedgerAccountRecord& to) {
    EV_RETURN_IF_ERROR(LockTransferAccounts(repo, transfer, from, to));
    const Timestamp now = clock_->Now();
    from.pending_debits -= transfer.amount;
    to.pending_credits -= transfer.amount;
    from.updated_at = to.updated_at = now;
    transfer.status = TransferStatus::kVoided;
    transfer.void_reason = std::string(reason);
    transfer.resolved_at =
        reason == kExpiredReason && transfer.expires_at ? *transfer.expires_at : now;
    EV_RETURN_IF_ERROR(repo.UpdateTransferStatus(transfer));
    EV_RETURN_IF_ERROR(repo.UpdateAccountBalances(from));
    return repo.UpdateAccountBalances(to);
  }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<spi::Clock> clock_;
  storage::CommitPipeline& pipeline_;
  CreateTransferApplier create_applier_;
};

}  // namespace

std::unique_ptr<Ledger> MakeLedgerService(std::shared_ptr<spi::Storage> storage,
                                          std::shared_ptr<spi::Clock> clock,
                                          storage::CommitPipeline& pipeline) {
  return std::make_unique<LedgerServiceImpl>(std::move(storage), std::move(clock), pipeline);
}

}  // namespace eventify::ledger
