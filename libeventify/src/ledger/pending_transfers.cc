#include "ledger/pending_transfers.h"

#include <fmt/format.h>

#include "core/status_macros.h"
#include "ledger/transfer_rules.h"

namespace eventify::ledger {
namespace {

using spi::LedgerAccountRecord;
using spi::LedgerRepository;
using spi::LockMode;
using spi::TransferRecord;

// Locks both accounts of a transfer, always in id order so that two transactions moving money
// between the same pair in opposite directions cannot deadlock.
Status LockTransferAccounts(LedgerRepository& repo, const TransferRecord& transfer,
                            LedgerAccountRecord& from, LedgerAccountRecord& to) {
  from.id = transfer.from_account_id;
  to.id = transfer.to_account_id;
  const bool from_first = from.id < to.id;
  LedgerAccountRecord& first = from_first ? from : to;
  LedgerAccountRecord& second = from_first ? to : from;
  EV_ASSIGN_OR_RETURN(first, repo.FindAccountById(first.id, LockMode::kForUpdate));
  EV_ASSIGN_OR_RETURN(second, repo.FindAccountById(second.id, LockMode::kForUpdate));
  return Status::Ok();
}

// Why a transfer that is no longer pending cannot reach the target.
Status AlreadyResolved(const TransferRecord& transfer) {
  if (transfer.status == TransferStatus::kPosted) {
    return FailedPrecondition("transfer_posted", "the transfer is already posted");
  }
  if (transfer.void_cause == VoidCause::kExpired) {
    return FailedPrecondition("transfer_expired", "the hold expired and was released");
  }
  return FailedPrecondition("transfer_voided", fmt::format("the transfer was voided ({})",
                                                           VoidCauseName(transfer.void_cause)));
}

}  // namespace

Status VoidLockedTransfer(LedgerRepository& repo, TransferRecord& transfer, VoidCause cause,
                          std::string_view note, Timestamp now, LedgerAccountRecord& from,
                          LedgerAccountRecord& to) {
  EV_RETURN_IF_ERROR(LockTransferAccounts(repo, transfer, from, to));
  from.pending_debits -= transfer.amount;
  to.pending_credits -= transfer.amount;
  from.updated_at = to.updated_at = now;
  transfer.status = TransferStatus::kVoided;
  transfer.void_cause = cause;
  transfer.void_note = std::string(note);
  transfer.resolved_at =
      cause == VoidCause::kExpired && transfer.expires_at ? *transfer.expires_at : now;
  EV_RETURN_IF_ERROR(repo.UpdateTransferStatus(transfer));
  EV_RETURN_IF_ERROR(repo.UpdateAccountBalances(from));
  return repo.UpdateAccountBalances(to);
}

Result<Resolution> ResolvePending(LedgerRepository& repo, std::string_view transfer_id,
                                  TransferStatus target, VoidCause cause, std::string_view note,
                                  Timestamp now) {
  Resolution resolution;
  EV_ASSIGN_OR_RETURN(TransferRecord transfer,
                      repo.FindTransfer(transfer_id, LockMode::kForUpdate));
  LedgerAccountRecord from, to;
  if (transfer.status == target) {  // already done: idempotent
    EV_ASSIGN_OR_RETURN(from, repo.FindAccountById(transfer.from_account_id, LockMode::kNone));
    EV_ASSIGN_OR_RETURN(to, repo.FindAccountById(transfer.to_account_id, LockMode::kNone));
    resolution.transfer = ToTransfer(transfer, RefOf(from), RefOf(to), now);
    return resolution;
  }
  if (transfer.status != TransferStatus::kPending) {
    resolution.outcome = AlreadyResolved(transfer);
    return resolution;
  }
  if (IsExpiredAt(transfer, now)) {
    // An expired hold is voided as expired: posting it is refused, voiding it is done.
    EV_RETURN_IF_ERROR(VoidLockedTransfer(repo, transfer, VoidCause::kExpired, "", now, from, to));
    if (target == TransferStatus::kPosted) resolution.outcome = AlreadyResolved(transfer);
  } else if (target == TransferStatus::kVoided) {
    EV_RETURN_IF_ERROR(VoidLockedTransfer(repo, transfer, cause, note, now, from, to));
  } else {
    EV_RETURN_IF_ERROR(LockTransferAccounts(repo, transfer, from, to));
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
  resolution.transfer = ToTransfer(transfer, RefOf(from), RefOf(to), now);
  return resolution;
}

}  // namespace eventify::ledger
