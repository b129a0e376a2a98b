#include "ledger/transfer_batch.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/status_macros.h"
#include "ledger/transfer_rules.h"

namespace eventify::ledger {

Result<PreparedTransfer> PrepareTransfer(TransferRequest request) {
  EV_RETURN_IF_ERROR(ValidateRequest(request));
  PreparedTransfer prepared;
  prepared.request_hash = RequestHash(request);
  prepared.request = std::move(request);
  return prepared;
}

Timestamp TransferClock::NextCreatedAt(Timestamp now) {
  std::lock_guard lock(mu_);
  last_ = std::max(now, last_ + Duration(1));
  return last_;
}

TransferBatch& TransferBatch::Of(storage::BatchContext& context, spi::Transaction& tx,
                                 TransferClock& clock) {
  return context.Get<TransferBatch>(
      [&] { return std::make_unique<TransferBatch>(tx.ledger(), clock); });
}

TransferBatch::TransferBatch(spi::LedgerRepository& repo, TransferClock& clock)
    : repo_(repo), clock_(clock), now_(clock.Now()) {}

Status TransferBatch::Load(std::span<const PreparedTransfer* const> transfers) {
  std::vector<std::string> keys;
  for (const PreparedTransfer* transfer : transfers) {
    if (!by_key_.count(transfer->request.idempotency_key)) {
      keys.push_back(transfer->request.idempotency_key);
    }
  }
  if (!keys.empty()) {
    EV_ASSIGN_OR_RETURN(auto existing, repo_.FindTransfersByKeys(keys));
    for (auto& record : existing) by_key_.emplace(record.idempotency_key, std::move(record));
  }

  std::vector<spi::LedgerAccountRecord> proposed;
  for (const PreparedTransfer* transfer : transfers) {
    const TransferRequest& request = transfer->request;
    if (by_key_.count(request.idempotency_key)) continue;  // a replay touches no account
    for (const AccountRef* ref : {&request.from, &request.to}) {
      if (!by_ref_.count(RefKey(*ref))) proposed.push_back(NewAccount(*ref, now_));
    }
  }
  if (proposed.empty()) return Status::Ok();
  EV_ASSIGN_OR_RETURN(auto accounts, repo_.EnsureAccounts(proposed, spi::LockMode::kForUpdate));
  for (auto& account : accounts) {
    std::string key = RefKey(account.kind, account.owner_id, account.currency);
    if (by_ref_.count(key)) continue;  // proposed twice in this call: the first row stands
    accounts_.push_back(std::make_unique<spi::LedgerAccountRecord>(std::move(account)));
    by_ref_.emplace(std::move(key), accounts_.back().get());
  }
  return Status::Ok();
}

Result<Transfer> TransferBatch::Stage(const PreparedTransfer& prepared) {
  const TransferRequest& request = prepared.request;
  if (auto found = by_key_.find(request.idempotency_key); found != by_key_.end()) {
    if (found->second.request_hash != prepared.request_hash) {
      return AlreadyExists("idempotency_key_reused",
                           "this idempotency key was used for a different request",
                           "idempotency_key");
    }
    return ToTransfer(found->second, request.from, request.to, now_);
  }
  auto from_it = by_ref_.find(RefKey(request.from));
  auto to_it = by_ref_.find(RefKey(request.to));
  if (from_it == by_ref_.end() || to_it == by_ref_.end()) {
    return Internal("a transfer was staged without being loaded, or its account was not returned");
  }
  spi::LedgerAccountRecord& from = *from_it->second;
  spi::LedgerAccountRecord& to = *to_it->second;
  const std::int64_t amount = request.amount.minor_units;
  // The one non-negativity rule, against the locked row as changed by earlier batch-mates.
  if (!MayGoNegative(from.kind) && from.posted - from.pending_debits < amount) {
    return FailedPrecondition(
        "insufficient_funds",
        fmt::format("the {} has {} available, {} is needed", AccountKindName(from.kind),
                    from.posted - from.pending_debits, amount),
        "amount");
  }
  spi::TransferRecord transfer;
  transfer.created_at = clock_.NextCreatedAt(now_);
  transfer.id = NewId(transfer.created_at);
  transfer.idempotency_key = request.idempotency_key;
  transfer.request_hash = prepared.request_hash;
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
      return Overflow();
    }
    transfer.status = TransferStatus::kPending;
    if (request.pending_timeout) transfer.expires_at = now_ + *request.pending_timeout;
    from.pending_debits = held_from;
    to.pending_credits = held_to;
    from.updated_at = to.updated_at = transfer.created_at;
  } else {
    EV_ASSIGN_OR_RETURN(auto posted, Post(from, to, transfer, transfer.created_at));
    transfer.status = TransferStatus::kPosted;
    transfer.resolved_at = transfer.created_at;
    entries_.insert(entries_.end(), posted.begin(), posted.end());
  }
  touched_.insert(&from);
  touched_.insert(&to);
  Transfer result = ToTransfer(transfer, RefOf(from), RefOf(to), now_);
  by_key_.emplace(transfer.idempotency_key, transfer);  // a later batch-mate replays it
  inserts_.push_back(std::move(transfer));
  return result;
}

Status TransferBatch::Finish(spi::Transaction& /*tx*/) {
  if (inserts_.empty()) return Status::Ok();
  std::vector<spi::LedgerAccountRecord> changed;
  for (const auto& account : accounts_) {
    if (touched_.count(account.get())) changed.push_back(*account);
  }
  std::sort(changed.begin(), changed.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  EV_RETURN_IF_ERROR(repo_.InsertTransfers(inserts_));
  if (!entries_.empty()) EV_RETURN_IF_ERROR(repo_.InsertEntries(entries_));
  return repo_.UpdateAccountsBalances(changed);
}

}  // namespace eventify::ledger
