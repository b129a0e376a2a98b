// Posting and voiding a pending transfer inside a transaction the caller runs, so that another
// area can resolve a hold in the same commit as its own writes (bookings: a card payment's
// top-up is posted in the commit that pays the booking). Ledger::PostPending and VoidPending
// (ledger_service.cc) run exactly this in a transaction of their own.
//
// Pure functions over the transaction's ledger repository; thread-safe as that repository is (it
// belongs to the thread running the transaction).
#pragma once

#include <string_view>

#include "eventify/ledger.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/status.h"

namespace eventify::ledger {

// What resolving a pending transfer did: `transfer` as it is now, and `outcome`, the answer for
// the caller. A hold found past its expiry is voided as kExpired even when it was to be posted
// (outcome transfer_expired): that write must commit all the same.
struct Resolution {
  Transfer transfer;
  Status outcome;
};

// Posts (target kPosted) or voids (kVoided, for `cause` with `note`) the pending transfer
// `transfer_id`, locking it and its two accounts (in id order). Resolving a transfer to the status
// it has already returns it unchanged. Outcomes: kFailedPrecondition transfer_posted,
// transfer_voided (the message names its cause) or transfer_expired (the hold lapsed; it is voided
// now). `cause` is not checked here (Ledger::VoidPending checks it).
// Errors (returned, they roll the transaction back): kNotFound transfer_not_found; storage
// failures.
Result<Resolution> ResolvePending(spi::LedgerRepository& repo, std::string_view transfer_id,
                                  TransferStatus target, VoidCause cause, std::string_view note,
                                  Timestamp now);

// Releases the hold of a locked pending transfer and marks it voided for `cause`; an expiry is
// dated when the hold lapsed, as readers saw it from then on. `from` and `to` receive its
// accounts, locked.
Status VoidLockedTransfer(spi::LedgerRepository& repo, spi::TransferRecord& transfer,
                          VoidCause cause, std::string_view note, Timestamp now,
                          spi::LedgerAccountRecord& from, spi::LedgerAccountRecord& to);

}  // namespace eventify::ledger
