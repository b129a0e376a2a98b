// The waitlist's side of a commit-pipeline batch: offering seats that come back to those in line.
//
// WaitlistOffers is the engine-lifetime part (how long an offer lasts, how it is mailed);
// WaitlistBatch is the part of one batch (storage/commit_pipeline.h, BatchContext), the
// SeatWaiters of the batch's SeatBatch (seat_batch.h), which calls Serve whenever seats of an
// event come back. Serve runs under the event's row lock, on the counters as changed so far:
//
//   free = capacity - sold - held; for the event's waiting entries by seq whose seats <= free:
//     if they still fit: a held booking for that user (request key "waitlist:<entry id>", so
//     each entry is offered once), SeatBatch::Hold, the entry marked offered;
//
// every write made at once in the batch's transaction, so a later operation of the batch (a
// hold, a second Serve) sees the seats taken and the entry gone from the line. The offer mails
// of the whole batch are written by Finish, in one call (as the booking applier writes its
// confirmation mails), in the same transaction. An offer is an
// ordinary held booking: paid with Pay, declined with Cancel, and when it lapses SeatBatch::Load
// expires it and serves the next in line.
//
// Ownership and threads: WaitlistOffers is immutable and shared by every writer; a WaitlistBatch
// is owned by its batch's context and used by the thread running that batch only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bookings/booking_mail.h"
#include "bookings/seat_batch.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/waitlist_store.h"
#include "storage/commit_pipeline.h"

namespace eventify::bookings {

// How offers are made; `mail` must outlive it.
struct WaitlistOffers {
  Duration offer_ttl;
  const BookingMail& mail;
};

class WaitlistBatch final : public storage::BatchContext::Part, public SeatWaiters {
 public:
  // The batch's WaitlistBatch, made on first use; `now` is the batch's clock reading.
  static WaitlistBatch& Of(storage::BatchContext& context, spi::Transaction& tx, Timestamp now,
                           const WaitlistOffers& offers);

  WaitlistBatch(spi::Transaction& tx, Timestamp now, const WaitlistOffers& offers);

  // Offers the free seats of `event` to its line, first in line first, when the event sells
  // (approved, not on hold, not started). Errors: storage failures.
  Status Serve(SeatBatch& seats, spi::EventSeats& event) override;

  // An entry joined the event's line in this batch (what Serve knew of the line is stale).
  void Joined(std::string_view event_id) { fits_none_up_to_.erase(std::string(event_id)); }

  // Offers made in this batch so far.
  std::int64_t offers() const { return static_cast<std::int64_t>(offered_.size()); }

  // Writes the offer mail of every offer made in this batch (the rest was written as it
  // happened).
  Status Finish(spi::Transaction& tx) override;

 private:
  Status Offer(SeatBatch& seats, spi::EventSeats& event, spi::WaitlistRecord& record);

  const Timestamp now_;
  const WaitlistOffers& offers_config_;
  spi::BookingStore& bookings_;
  spi::WaitlistStore& waitlist_;
  // By event: no waiting entry asks for this many free seats or fewer (as Serve last found).
  std::unordered_map<std::string, std::int32_t> fits_none_up_to_;
  std::vector<Booking> offered_;  // the offers made in this batch, in order
};

}  // namespace eventify::bookings
