// AdminStore: the store of the admin and dashboards areas (eventify/admin.h,
// eventify/dashboards.h) — the admins' audit log, and the sums and counts dashboards read from
// the ledger's, the bookings' and the events' rows — handed out by Transaction::store<AdminStore>()
// of a storage that Supports(AdminStore::kArea).
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h. Every read is served by an index and returns a bounded result: a
// page, or sums grouped by a bounded key. Words are stored as the public headers name them
// (AuditActionName, TransferKindName, AccountKindName, EventStatusName, BookingStatusName).
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/admin.h"
#include "eventify/events.h"
#include "eventify/export.h"
#include "eventify/reviews.h"
#include "eventify/spi/keyset.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

// The posted money of one event's escrow account (AccountKind::kEscrow, owner = the event id).
struct EscrowFlows {
  std::string event_id;
  std::int64_t paid_in = 0;      // transfers into the escrow
  std::int64_t refunds = 0;      // kRefund transfers out of it
  std::int64_t commission = 0;   // kCommission transfers out of it
  std::int64_t settlement = 0;   // kSettlement transfers out of it
};

// The posted money of an organizer's escrows in one calendar month (UTC) of created_at.
struct MonthFlows {
  std::string month;  // "YYYY-MM"
  std::int64_t paid_in = 0;
  std::int64_t refunds = 0;
  std::int64_t commission = 0;
};

// Seat counts of one event that its row does not keep.
struct EventSeatCounts {
  std::string event_id;
  std::int64_t held = 0;        // seats of held bookings whose hold is live at the instant asked
  std::int64_t checked_in = 0;  // tickets with checked_in_at set
  std::int64_t cancelled = 0;   // seats of cancelled bookings that were confirmed before
};

class EVENTIFY_EXPORT AdminStore {
 public:
  static constexpr StoreArea kArea{"admin"};

  virtual ~AdminStore() = default;

  // Errors: kAlreadyExists (audit_entry_exists) for a taken id.
  virtual Status InsertAuditEntry(const AuditEntry& entry) = 0;
  // Up to `limit` entries, newest first (created_at DESC, id DESC), of `target_user_id` (empty:
  // every user), only those strictly older than `before` when given.
  virtual Result<std::vector<AuditEntry>> ListAuditEntries(std::string_view target_user_id,
                                                           const std::optional<Keyset>& before,
                                                           int limit) = 0;

  virtual Result<std::int64_t> CountOrganizerProfiles(OrganizerStatus status) = 0;
  // Events with this status (on_hold: only those held, or only those not; nullopt: both).
  virtual Result<std::int64_t> CountEvents(EventStatus status, std::optional<bool> on_hold) = 0;

  // The flows of the escrows in `currency` of those of `event_ids` that have one; events
  // without an escrow account are left out. In no particular order.
  virtual Result<std::vector<EscrowFlows>> SumEscrowFlows(std::span<const std::string> event_ids,
                                                          std::string_view currency) = 0;
  // The flows of every escrow in `currency` of `organizer_id`'s events by month, for transfers
  // made in [from, until); months without any are left out; oldest first.
  virtual Result<std::vector<MonthFlows>> SumOrganizerFlowsByMonth(std::string_view organizer_id,
                                                                   std::string_view currency,
                                                                   Timestamp from,
                                                                   Timestamp until) = 0;
  // Up to `limit` ids of `organizer_id`'s events with the largest paid_in (then by id).
  virtual Result<std::vector<std::string>> TopOrganizerEvents(std::string_view organizer_id,
                                                              std::string_view currency,
                                                              int limit) = 0;
  // The counts at `now` of those of `event_ids` that have any, in no particular order.
  virtual Result<std::vector<EventSeatCounts>> CountEventSeats(
      std::span<const std::string> event_ids, Timestamp now) = 0;

  // Up to `limit` visible reviews of `organizer_id`'s events, newest first (created_at DESC,
  // id DESC), author_name filled as ReviewStore does.
  virtual Result<std::vector<Review>> ListOrganizerReviews(std::string_view organizer_id,
                                                           int limit) = 0;
};

}  // namespace eventify::spi
