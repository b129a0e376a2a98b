// ReportStore: the reports area's store (eventify/reports.h) — read-only queries over the rows
// other areas write (events, bookings, the ledger's transfers and accounts), a page at a time,
// so that a report of any size is read in bounded pieces. Handed out by
// Transaction::store<ReportStore>() of a storage that Supports(ReportStore::kArea).
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h; the engine calls it in kReadOnly transactions. The figures'
// definitions are the engine's (eventify/reports.h, "Figures"); the store adds rows up as this
// header says, in SQL, and never returns more than the limit it is given.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eventify/export.h"
#include "eventify/events.h"
#include "eventify/ledger.h"
#include "eventify/spi/storage.h"
#include "eventify/spi/store_area.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

// A position in an oldest-first list: rows strictly after (at, id) in (at ASC, id ASC) order.
struct ReportPosition {
  Timestamp at;
  std::string id;
};

// One event of an organizer with its figures over [from, until).
struct EventSalesRecord {
  std::string event_id;
  std::string title;
  EventStatus status = EventStatus::kDraft;
  Timestamp starts_at;
  std::string currency;
  std::int64_t bookings = 0;           // confirmed now, confirmed_at in the range
  std::int64_t seats_sold = 0;         // their seats
  std::int64_t refunded_bookings = 0;  // cancelled with a refund, cancelled_at in the range
  std::int64_t gross = 0;              // posted kDebit transfers into the event's escrow
  std::int64_t refunds = 0;            // posted kRefund transfers out of it
  std::int64_t commission = 0;         // posted kCommission transfers out of it
};

struct EventSalesQuery {
  std::string organizer_id;
  Timestamp from;   // inclusive
  Timestamp until;  // exclusive
  // The organizer's events that ever sold (approved, completed or cancelled), by (starts_at, id)
  // ascending, strictly after this position (empty: from the first).
  std::optional<ReportPosition> after;
  int limit = 100;
};

// One posted transfer of the money the platform reports on.
struct MoneyMovementRecord {
  std::string transfer_id;
  TransferKind kind = TransferKind::kDebit;
  Timestamp created_at;
  std::int64_t amount = 0;  // > 0
  std::string currency;
  AccountRef from;
  AccountRef to;
  std::string reference;
};

struct MoneyMovementQuery {
  Timestamp from;   // created_at >= from
  Timestamp until;  // created_at < until
  // By (created_at, id) ascending, strictly after this position (empty: from the first).
  std::optional<ReportPosition> after;
  int limit = 100;
};

class EVENTIFY_EXPORT ReportStore {
 public:
  static constexpr StoreArea kArea{"reports"};

  virtual ~ReportStore() = default;

  // Up to query.limit events of the organizer with their figures (one statement for the events
  // and one per figure for the whole page, never one per event).
  virtual Result<std::vector<EventSalesRecord>> ListEventSales(const EventSalesQuery& query) = 0;

  // Up to query.limit posted transfers that are booking payments (kDebit into an escrow
  // account), refunds, commission or settlements (out of an escrow account), or withdrawals,
  // oldest first.
  virtual Result<std::vector<MoneyMovementRecord>> ListMoneyMovements(
      const MoneyMovementQuery& query) = 0;
};

}  // namespace eventify::spi
