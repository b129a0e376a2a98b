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
#include "eventify/ledger.h"
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

// The posted money of the escrows of one event category in a range of time.
struct CategoryFlows {
  std::string category_id;
  std::int64_t paid_in = 0;
  std::int64_t refunds = 0;
  std::int64_t commission = 0;
};

// Which events are in one settlement state (eventify/settlements.h): those meeting every condition
// given. The engine's settlements area writes them (settlements::SettlementConditionOf); the store
// only applies them.
struct EventSettlementCondition {
  std::vector<EventStatus> statuses;      // the event's status is one of these (never empty)
  std::optional<bool> on_hold;            // the event's on_hold flag
  std::optional<bool> settled;            // whether the event's settled_at is set
  std::optional<Timestamp> ended_by;      // ends_at <= ended_by
  std::optional<Timestamp> ending_after;  // ends_at > ending_after
};

// An event as the settlement overview lists it.
struct SettlementEventRecord {
  std::string event_id;
  std::string title;
  std::string organizer_id;
  EventStatus status = EventStatus::kDraft;
  bool on_hold = false;
  Timestamp ends_at;
  std::optional<Timestamp> settled_at;
  std::string currency;  // of its price, and so of its escrow
};

struct SettlementEventQuery {
  EventSettlementCondition condition;
  // Latest end first (ends_at DESC, id DESC), strictly after this position (Keyset::created_at
  // carries the ends_at) when given.
  std::optional<Keyset> before;
  int limit = 20;
};

// The money of every escrow of the events meeting a condition.
struct SettlementTotalsRecord {
  std::int64_t events = 0;  // how many events meet it, with or without an escrow
  EscrowFlows flows;        // event_id empty
};

// One posted transfer into or out of a ledger account, from that account's side.
struct AccountEntryRecord {
  std::string transfer_id;
  TransferKind kind = TransferKind::kDebit;
  Timestamp created_at;
  std::int64_t amount = 0;  // + into the account, - out of it
  std::string currency;
  AccountRef counterparty;  // the other side of the transfer
  std::string reference;
};

// Which posted transfers of one account (by its ledger id) to read or add up.
struct AccountEntryFilter {
  std::string account_id;
  std::optional<Timestamp> from;   // created_at >= from
  std::optional<Timestamp> until;  // created_at < until
  std::optional<TransferKind> kind;
  // Only the transfers whose other side is this account (kind, owner; any currency) when given.
  std::optional<AccountKind> counterparty_kind;
  std::string counterparty_owner_id;  // with counterparty_kind
};

// The sums of one kind of an account's entries.
struct AccountEntrySums {
  TransferKind kind = TransferKind::kDebit;
  std::int64_t in = 0;       // into the account
  std::int64_t out = 0;      // out of it (positive)
  std::int64_t entries = 0;  // how many transfers
};

// Bookings confirmed and cancelled in one calendar month (UTC).
struct MonthBookingCounts {
  std::string month;                 // "YYYY-MM"
  std::int64_t bookings = 0;         // confirmed_at in the month, whatever they are now
  std::int64_t seats_booked = 0;     // their seats
  std::int64_t cancellations = 0;    // cancelled_at in the month, confirmed before
  std::int64_t seats_cancelled = 0;  // their seats
};

struct MonthCount {
  std::string month;  // "YYYY-MM"
  std::int64_t count = 0;
};

// An event's confirmed seats over a range of time.
struct EventSeatsSold {
  std::string event_id;
  std::int64_t bookings = 0;  // confirmed now, confirmed_at in the range
  std::int64_t seats = 0;     // their seats
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
  // The flows of every escrow in `currency` of `organizer_id`'s events (empty: of every event) by
  // month, for transfers made in [from, until); months without any are left out; oldest first.
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

  // The flows of every escrow in `currency` by its event's category, for transfers made in
  // [from, until); categories without any are left out; in category id order.
  virtual Result<std::vector<CategoryFlows>> SumFlowsByCategory(std::string_view currency,
                                                                Timestamp from,
                                                                Timestamp until) = 0;
  // The flows of up to `limit` escrows in `currency` with the largest paid_in of the transfers
  // made in [from, until) (then by event id), largest first; escrows without any are left out.
  virtual Result<std::vector<EscrowFlows>> TopEventFlows(std::string_view currency, Timestamp from,
                                                         Timestamp until, int limit) = 0;
  // Up to `limit` events with the most seats of bookings confirmed now whose confirmed_at is in
  // [from, until) (then by event id), most first; events without any are left out.
  virtual Result<std::vector<EventSeatsSold>> TopEventSeats(Timestamp from, Timestamp until,
                                                            int limit) = 0;
  // The bookings confirmed and cancelled in each month of [from, until); months without any are
  // left out; oldest first.
  virtual Result<std::vector<MonthBookingCounts>> CountBookingsByMonth(Timestamp from,
                                                                       Timestamp until) = 0;
  // The accounts created (users.created_at) in each month of [from, until); months without any
  // are left out; oldest first.
  virtual Result<std::vector<MonthCount>> CountNewUsersByMonth(Timestamp from, Timestamp until) = 0;

  // Up to query.limit events meeting query.condition, latest end first.
  virtual Result<std::vector<SettlementEventRecord>> ListSettlementEvents(
      const SettlementEventQuery& query) = 0;
  // How many events meet `condition`, and the flows of their escrows in `currency`.
  virtual Result<SettlementTotalsRecord> SumSettlementFlows(
      const EventSettlementCondition& condition, std::string_view currency) = 0;

  // Up to `limit` posted transfers of `filter`, newest first (created_at DESC, id DESC), only
  // those strictly older than `before` when given.
  virtual Result<std::vector<AccountEntryRecord>> ListAccountEntries(
      const AccountEntryFilter& filter, const std::optional<Keyset>& before, int limit) = 0;
  // The sums of every posted transfer of `filter`, one per kind that has any, in kind name order.
  virtual Result<std::vector<AccountEntrySums>> SumAccountEntries(
      const AccountEntryFilter& filter) = 0;

  // Up to `limit` visible reviews of `organizer_id`'s events, newest first (created_at DESC,
  // id DESC), author_name filled as ReviewStore does.
  virtual Result<std::vector<Review>> ListOrganizerReviews(std::string_view organizer_id,
                                                           int limit) = 0;
};

}  // namespace eventify::spi
