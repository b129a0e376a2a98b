#include "bookings/waitlist_offers.h"

#include <memory>
#include <vector>

#include "bookings/booking_rules.h"
#include "core/status_macros.h"

namespace eventify::bookings {

WaitlistBatch& WaitlistBatch::Of(storage::BatchContext& context, spi::Transaction& tx,
                                 Timestamp now, const WaitlistOffers& offers) {
  return context.Get<WaitlistBatch>(
      [&] { return std::make_unique<WaitlistBatch>(tx, now, offers); });
}

WaitlistBatch::WaitlistBatch(spi::Transaction& tx, Timestamp now, const WaitlistOffers& offers)
    : now_(now),
      offers_config_(offers),
      bookings_(*tx.store<spi::BookingStore>()),
      waitlist_(*tx.store<spi::WaitlistStore>()) {}

Status WaitlistBatch::Serve(SeatBatch& seats, spi::EventSeats& event) {
  if (!CheckSells(event, now_).ok()) return Status::Ok();
  std::int64_t after_seq = 0;
  for (;;) {
    const std::int32_t free = SeatBatch::Free(event);
    if (free <= 0) return Status::Ok();
    auto known = fits_none_up_to_.find(event.event_id);
    if (known != fits_none_up_to_.end() && free <= known->second) return Status::Ok();
    // Every entry read asks for no more than `free` seats, so the first one fits: each round
    // offers at least once or ends the line.
    EV_ASSIGN_OR_RETURN(auto line, waitlist_.ListWaiting(event.event_id, after_seq, free, free));
    for (spi::WaitlistRecord& record : line) {
      after_seq = record.seq;
      if (record.entry.seats <= SeatBatch::Free(event)) {
        EV_RETURN_IF_ERROR(Offer(seats, event, record));
      }
    }
    if (line.size() < static_cast<std::size_t>(free)) {
      // Every waiting entry left asks for more seats than are free now.
      fits_none_up_to_[event.event_id] = SeatBatch::Free(event);
      return Status::Ok();
    }
  }
}

Status WaitlistBatch::Offer(SeatBatch& seats, spi::EventSeats& event,
                            spi::WaitlistRecord& record) {
  WaitlistEntry& entry = record.entry;
  spi::BookingRecord offer;
  Booking& booking = offer.booking;
  booking.id = NewId(now_);
  booking.event_id = event.event_id;
  booking.user_id = entry.user_id;
  booking.idempotency_key = "waitlist:" + entry.id;
  booking.seats = entry.seats;
  booking.amount = Money{event.price.minor_units * entry.seats, event.price.currency};
  booking.status = BookingStatus::kHeld;
  booking.hold_expires_at = now_ + offers_config_.offer_ttl;
  booking.created_at = booking.updated_at = now_;
  // Not "<user id>:<client key>" as a client's hold: no client key can take an offer's place.
  offer.request_key = booking.idempotency_key;
  EV_RETURN_IF_ERROR(seats.Hold(event, entry.seats));
  EV_RETURN_IF_ERROR(bookings_.InsertBookings(std::span(&offer, 1)));
  entry.status = WaitlistStatus::kOffered;
  entry.booking_id = booking.id;
  entry.offered_at = now_;
  entry.offer_expires_at = booking.hold_expires_at;
  EV_RETURN_IF_ERROR(waitlist_.UpdateEntry(record));
  offered_.push_back(std::move(booking));
  return Status::Ok();
}

Status WaitlistBatch::Finish(spi::Transaction& tx) {
  if (offered_.empty()) return Status::Ok();
  return offers_config_.mail.AddWaitlistOffers(tx, offered_);
}

}  // namespace eventify::bookings
