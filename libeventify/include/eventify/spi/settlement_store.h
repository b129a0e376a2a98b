// SettlementStore: the settlements area's store (eventify/settlements.h) — one settlement row per
// settled event, and the settled marker of the event's row — handed out by
// Transaction::store<SettlementStore>() of a storage that Supports(SettlementStore::kArea).
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h. The rules (when an event is due, the split, exactly once) are the
// engine's, which writes a settlement only while it holds the event's row lock
// (EventStore::FindEvent with kForUpdate); the store keeps rows and finds them. Timestamps to the
// microsecond.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/export.h"
#include "eventify/settlements.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

// A settled event: what was paid out, and how.
struct SettlementRecord {
  std::string event_id;
  std::string organizer_id;
  Money gross;  // commission + net, in gross.currency
  std::int64_t commission = 0;
  std::int64_t net = 0;
  std::int32_t commission_bps = 0;
  std::string settlement_transfer_id;  // empty when net is 0
  std::string commission_transfer_id;  // empty when commission is 0
  std::string settled_by;              // empty when settled by the job
  Timestamp settled_at;
};

class EVENTIFY_EXPORT SettlementStore {
 public:
  static constexpr StoreArea kArea{"settlements"};

  virtual ~SettlementStore() = default;

  // Inserts the settlement and marks the event's row settled (at record.settled_at), so that
  // ListUnsettledEnded no longer returns it. Errors: kAlreadyExists settlement_exists (the event
  // has one); kNotFound event_not_found.
  virtual Status InsertSettlement(const SettlementRecord& record) = 0;
  // Errors: kNotFound settlement_not_found.
  virtual Result<SettlementRecord> FindSettlement(std::string_view event_id) = 0;
  // The settlements of those of `event_ids` that are settled, in no particular order; an id that
  // is unsettled or unknown has none. One query for them all (a page of an organizer's events
  // reads its settlements at once): implementations never query per id.
  virtual Result<std::vector<SettlementRecord>> FindSettlements(
      std::span<const std::string> event_ids) = 0;
  // Up to `limit` ids of events that are approved or completed, not on hold, not settled, and
  // whose ends_at <= ended_by; soonest end first (then by id). Implementations read an index of
  // the unsettled events, so settled ones cost nothing.
  virtual Result<std::vector<std::string>> ListUnsettledEnded(Timestamp ended_by, int limit) = 0;
};

}  // namespace eventify::spi
