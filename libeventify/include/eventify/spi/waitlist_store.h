// WaitlistStore: the store of the bookings area's waitlists (eventify/bookings.h, "waitlist") —
// users in line for seats of sold-out events — handed out by Transaction::store<WaitlistStore>()
// of a storage that Supports(WaitlistStore::kArea).
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h. The rules (who may join, the order of offers, no oversell) are the
// engine's; the store keeps rows and finds them. The engine writes an event's entries only while
// it holds the event's row lock (spi::BookingStore::LockEventSeats), so entries need no locks of
// their own, and it numbers each event's entries itself (seq, 1, 2, ... under that lock): the
// line is the event's waiting entries by seq. Statuses are stored by WaitlistStatusName;
// Timestamps to the microsecond. Expected outcomes (a second waiting entry) are found by reading
// before writing; a write refused by a constraint fails the transaction.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/bookings.h"
#include "eventify/export.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

// A waitlist row: the public entry (position unused) and its number in the event's line.
struct WaitlistRecord {
  WaitlistEntry entry;  // position unused
  std::int64_t seq = 0;
};

class EVENTIFY_EXPORT WaitlistStore {
 public:
  static constexpr StoreArea kArea{"bookings.waitlist"};

  virtual ~WaitlistStore() = default;

  // Errors: kAlreadyExists (waitlist_entry_exists) for a taken id, a taken (event, seq), or a
  // second waiting entry of one user for one event.
  virtual Status InsertEntry(const WaitlistRecord& record) = 0;
  // Overwrites status, booking_id, offered_at and offer_expires_at.
  // Errors: kNotFound (waitlist_entry_not_found).
  virtual Status UpdateEntry(const WaitlistRecord& record) = 0;
  // Errors: kNotFound (waitlist_entry_not_found).
  virtual Status DeleteEntry(std::string_view id) = 0;

  // Every entry of `user_id` for `event_id`, highest seq first.
  virtual Result<std::vector<WaitlistRecord>> FindUserEntries(std::string_view event_id,
                                                              std::string_view user_id) = 0;
  // The highest seq of the event's entries (waiting or not); 0 when it has none.
  virtual Result<std::int64_t> LastSeq(std::string_view event_id) = 0;
  // How many waiting entries of the event have a seq <= `seq`.
  virtual Result<std::int64_t> CountWaitingUpTo(std::string_view event_id, std::int64_t seq) = 0;
  // Up to `limit` waiting entries of the event with seq > `after_seq` and seats <= `max_seats`,
  // by seq.
  virtual Result<std::vector<WaitlistRecord>> ListWaiting(std::string_view event_id,
                                                          std::int64_t after_seq,
                                                          std::int32_t max_seats, int limit) = 0;
  // Up to `limit` ids, ascending, of approved events not on hold that start after `now` and have
  // a waiting entry for no more seats than are free (capacity - seats_sold - seats_held).
  virtual Result<std::vector<std::string>> ListEventsToServe(Timestamp now, int limit) = 0;
};

}  // namespace eventify::spi
