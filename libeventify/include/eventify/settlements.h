// Settlements: paying an event's ticket money out once it is over. Each event's payments sit in
// its escrow account (AccountKind::kEscrow, owner = the event id; eventify/bookings.h) until the
// event is settled: from SettlementsOptions::delay after its end, unless an admin holds it, the
// escrow's balance goes to the organizer's wallet (AccountKind::kOrganizerWallet, owner = the
// organizer's user id) less the platform's commission, which goes to platform revenue
// (AccountKind::kPlatformRevenue). A cancelled event is never settled: its escrow goes back to
// the buyers through refunds (Bookings::RefundCancelledEvents).
//
// The split: commission = gross x commission_bps / 10000 rounded UP to the minor unit, net =
// gross - commission, so rounding favours the platform as the original's 90/10 split does
// (organizer share floored): 999 at 10% is 100 commission and 899 net. SplitRevenue computes it.
//
// Exactly once: an event's settlement is two ledger transfers out of its escrow (kSettlement to
// the organizer, kCommission to the platform; idempotency keys "event-settlement:<event id>" and
// "event-commission:<event id>"; a zero amount moves nothing) and the event's settlement row,
// all in one commit, made while the event's row is locked. Bookings lock the same row for every
// payment, refund and cancellation (spi/booking_store.h LockEventSeats), and so does
// Events::CancelEvent, so no refund or cancellation of the event interleaves with its
// settlement; concurrent Settle calls, the job on several engines and retries find the row and
// pay nothing twice. An event with nothing in escrow (free, unsold or fully refunded) is settled
// without transfers.
//
// After settlement: settling an approved event also marks it completed (as the completion job
// would), so Events::CancelEvent refuses it (event_not_approved); attendees cannot cancel (the
// event has started) and no booking can be paid or refunded any more, so the escrow stays empty.
// An admin may still put a settled event on hold; that changes nothing of its settlement.
//
// Who: admins settle (EventAction::kSettleEvent); admins and the event's organizer read the
// settlement (EventAction::kViewSettlement). The recurring job kSettleDueEventsJob
// (eventify/jobs.h) settles every due event when the host schedules it (the server does when
// settlement.automatic is on).
//
// Obtained from Engine::settlements(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any number of threads.
// Calls block on storage, so never call them on a network I/O thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eventify/accounts.h"
#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

struct SettlementsOptions {
  // How long after an event's end it becomes due (0 or more).
  std::chrono::seconds delay{24 * 3600};
  // The platform's commission in basis points of the escrow: 0-10000 (1000 = 10%).
  std::int32_t commission_bps = 1000;
};

// Where an event stands. Stored nowhere: derived on every read. Names (SettlementStatusName):
// "unsettled" (not due yet, or never approved), "due", "settled", "on_hold", "cancelled".
enum class SettlementStatus : int { kUnsettled, kDue, kSettled, kOnHold, kCancelled };
EVENTIFY_EXPORT std::string_view SettlementStatusName(SettlementStatus status);
// Errors: kInvalidArgument (invalid_state, field "state").
EVENTIFY_EXPORT Result<SettlementStatus> ParseSettlementStatus(std::string_view name);

struct RevenueSplit {
  std::int64_t commission = 0;
  std::int64_t net = 0;
};
// The split of `gross` minor units (>= 0) at `commission_bps` (0-10000), commission rounded up.
EVENTIFY_EXPORT RevenueSplit SplitRevenue(std::int64_t gross, std::int32_t commission_bps);

struct Settlement {
  std::string event_id;
  std::string organizer_id;
  SettlementStatus status = SettlementStatus::kUnsettled;
  Timestamp due_at;  // the event's end plus SettlementsOptions::delay
  // Settled: what was paid out. Otherwise what settling now would pay: the escrow's balance and
  // its split at today's commission (a cancelled event: the escrow not refunded yet, and no
  // commission or net, since it is never paid out).
  Money gross;
  Money commission;
  Money net;
  std::int32_t commission_bps = 0;
  std::string settlement_transfer_id;  // escrow -> organizer wallet; empty when none
  std::string commission_transfer_id;  // escrow -> platform revenue; empty when none
  std::optional<Timestamp> settled_at;
  std::string settled_by;  // the admin's user id; empty when the job settled it
};

class EVENTIFY_EXPORT Settlements {
 public:
  virtual ~Settlements() = default;

  // An admin settles the event now. Settling a settled event returns its settlement unchanged
  // (status kSettled, OK): the second of two concurrent calls gets the first one's result.
  // Errors: kPermissionDenied forbidden (not an admin); kNotFound event_not_found;
  // kFailedPrecondition event_cancelled, event_not_settleable (never approved: a draft, pending
  // or rejected event), event_on_hold, event_not_ended, settlement_not_due (ended, but not
  // `delay` ago; the message says when it is due); storage failures.
  virtual Result<Settlement> Settle(const Principal& admin, std::string_view event_id) = 0;

  // The event's settlement or, unsettled, what it would be. Admins and the event's organizer.
  // Errors: kNotFound event_not_found (unknown, or not visible to the caller);
  // kPermissionDenied forbidden (a public event of someone else).
  virtual Result<Settlement> GetSettlement(const Principal& caller,
                                           std::string_view event_id) = 0;

  // Settles up to `limit` due events (approved or completed, not on hold, ended at least `delay`
  // ago, not settled), soonest end first, and returns how many this call settled. The recurring
  // job kSettleDueEventsJob calls it until it returns 0.
  // Errors: kInvalidArgument invalid_limit; storage failures.
  virtual Result<std::int64_t> SettleDueEvents(int limit) = 0;
};

}  // namespace eventify
