// SeatBatch: the no-oversell rule as a part of a commit-pipeline batch (storage/commit_pipeline.h),
// shared by every applier of the batch that takes or returns seats, as ledger::TransferBatch is
// for money.
//
//   auto& seats = SeatBatch::Of(context, tx, now);
//   EV_RETURN_IF_ERROR(seats.Load(event_ids));     // one lock of each event row for the batch
//   for (op : ops) {
//     spi::EventSeats* event = seats.Find(op->event_id);
//     if (!seats.Hold(*event, n).ok()) ...          // counted in memory, in arrival order
//   }
//   // the pipeline finishes the context: one write of seats_sold / seats_held per event changed
//
// Load locks each event once per batch (spi::BookingStore::LockEventSeats, in id order) and, for
// each event it locks, expires the held bookings whose hold has lapsed and returns their seats,
// so a lapsed hold never keeps a buyer out. Every rule that moves seats runs against the locked
// counters as changed by the operations before it, and none lets seats_sold + seats_held exceed
// the capacity.
//
// Seats that come back are offered to the event's waitlist at once, in the same commit, when an
// applier of the batch has named the batch's SeatWaiters (ServeWaitersWith): after Load expired
// an event's lapsed holds, and whenever ReleaseHeld or ReturnSold returns seats. So the first in
// line gets freed seats before any later operation of the batch can take them.
//
// Ownership and threads: made by Of inside a pipeline batch and owned by its BatchContext; used
// by the thread running that batch only.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "eventify/spi/booking_store.h"
#include "eventify/spi/storage.h"
#include "storage/commit_pipeline.h"

namespace eventify::bookings {

class SeatBatch;

// Those in line for seats (the waitlist, bookings/waitlist_offers.h), as one batch sees them.
class SeatWaiters {
 public:
  virtual ~SeatWaiters() = default;
  // Offers the free seats of `event` (locked, as changed so far) to its line, taking them
  // through `seats`. Errors: storage failures (they roll the batch back).
  virtual Status Serve(SeatBatch& seats, spi::EventSeats& event) = 0;
};

class SeatBatch final : public storage::BatchContext::Part {
 public:
  // The batch's SeatBatch, made on first use; `now` is the batch's clock reading.
  static SeatBatch& Of(storage::BatchContext& context, spi::Transaction& tx, Timestamp now);

  SeatBatch(spi::BookingStore& store, Timestamp now) : store_(store), now_(now) {}

  // From now on in this batch, seats that come back are offered through `waiters` (which must
  // live as long as the batch). The first call wins; later ones change nothing.
  void ServeWaitersWith(SeatWaiters& waiters) {
    if (waiters_ == nullptr) waiters_ = &waiters;
  }

  // Locks the events among `event_ids` not locked yet in this batch and expires their lapsed
  // holds (written at once), offering their seats to the waiters. Unknown ids are left out (Find
  // answers nullptr). Errors: storage failures only (they roll the batch back).
  Status Load(std::span<const std::string> event_ids);

  // The locked event, as changed so far in this batch; nullptr when it was not loaded or does
  // not exist.
  spi::EventSeats* Find(std::string_view event_id);

  // Seats neither sold nor held.
  static std::int32_t Free(const spi::EventSeats& event) {
    return event.capacity - event.seats_sold - event.seats_held;
  }

  // Takes `seats` free seats as held, or as sold. Errors: kFailedPrecondition sold_out when
  // fewer are free (nothing changes).
  Status Hold(spi::EventSeats& event, std::int32_t seats);
  Status Sell(spi::EventSeats& event, std::int32_t seats);
  // Turns `seats` held seats into sold ones (a hold was paid).
  void Confirm(spi::EventSeats& event, std::int32_t seats);
  // Returns `seats` held seats (a hold was cancelled) or sold ones (a booking was refunded), and
  // offers them to the waiters; a storage failure of that is kept and returned by Finish.
  void ReleaseHeld(spi::EventSeats& event, std::int32_t seats);
  void ReturnSold(spi::EventSeats& event, std::int32_t seats);

  // Bookings expired by Load in this batch.
  std::int64_t expired() const { return expired_; }

  // Writes the counters of every event changed (called by the pipeline); first returns a failure
  // kept from offering returned seats.
  Status Finish(spi::Transaction& tx) override;

 private:
  // Offers the event's free seats to the waiters, if any were named.
  Status ServeWaiters(spi::EventSeats& event);

  spi::BookingStore& store_;
  const Timestamp now_;
  std::unordered_map<std::string, std::unique_ptr<spi::EventSeats>> events_;  // locked
  std::unordered_set<std::string> missing_;  // looked for, not found
  std::unordered_set<std::string> changed_;
  std::int64_t expired_ = 0;
  SeatWaiters* waiters_ = nullptr;
  Status failure_;  // of serving the waiters where the caller cannot be told
};

}  // namespace eventify::bookings
