#include "bookings/seat_batch.h"

#include <algorithm>
#include <vector>

#include "core/status_macros.h"

namespace eventify::bookings {

SeatBatch& SeatBatch::Of(storage::BatchContext& context, spi::Transaction& tx, Timestamp now) {
  return context.Get<SeatBatch>(
      [&] { return std::make_unique<SeatBatch>(*tx.store<spi::BookingStore>(), now); });
}

Status SeatBatch::Load(std::span<const std::string> event_ids) {
  std::vector<std::string> wanted;
  for (const std::string& id : event_ids) {
    if (events_.count(id) || missing_.count(id)) continue;
    if (std::find(wanted.begin(), wanted.end(), id) == wanted.end()) wanted.push_back(id);
  }
  if (wanted.empty()) return Status::Ok();
  EV_ASSIGN_OR_RETURN(auto locked, store_.LockEventSeats(wanted));
  std::vector<std::string> found;
  for (spi::EventSeats& event : locked) {
    found.push_back(event.event_id);
    std::string id = event.event_id;
    events_.emplace(std::move(id), std::make_unique<spi::EventSeats>(std::move(event)));
  }
  for (const std::string& id : wanted) {
    if (!events_.count(id)) missing_.insert(id);
  }
  if (found.empty()) return Status::Ok();

  // The rows are locked now: the lapsed holds read here cannot be paid by anyone else meanwhile.
  EV_ASSIGN_OR_RETURN(auto lapsed, store_.FindLapsedHolds(found, now_));
  if (lapsed.empty()) return Status::Ok();
  for (spi::BookingRecord& record : lapsed) {
    spi::EventSeats& event = *events_.at(record.booking.event_id);
    event.seats_held -= record.booking.seats;
    changed_.insert(event.event_id);
    record.booking.status = BookingStatus::kExpired;
    record.booking.updated_at = now_;
  }
  expired_ += static_cast<std::int64_t>(lapsed.size());
  EV_RETURN_IF_ERROR(store_.UpdateBookings(lapsed));
  std::unordered_set<std::string> freed;
  for (const spi::BookingRecord& record : lapsed) {
    if (freed.insert(record.booking.event_id).second) {
      EV_RETURN_IF_ERROR(ServeWaiters(*events_.at(record.booking.event_id)));
    }
  }
  return Status::Ok();
}

Status SeatBatch::ServeWaiters(spi::EventSeats& event) {
  if (waiters_ == nullptr || Free(event) <= 0) return Status::Ok();
  return waiters_->Serve(*this, event);
}

spi::EventSeats* SeatBatch::Find(std::string_view event_id) {
  auto found = events_.find(std::string(event_id));
  return found == events_.end() ? nullptr : found->second.get();
}

Status SeatBatch::Hold(spi::EventSeats& event, std::int32_t seats) {
  if (Free(event) < seats) {
    return FailedPrecondition("sold_out", "fewer seats are left than asked for", "seats");
  }
  event.seats_held += seats;
  changed_.insert(event.event_id);
  return Status::Ok();
}

Status SeatBatch::Sell(spi::EventSeats& event, std::int32_t seats) {
  if (Free(event) < seats) {
    return FailedPrecondition("sold_out", "fewer seats are left than asked for", "seats");
  }
  event.seats_sold += seats;
  changed_.insert(event.event_id);
  return Status::Ok();
}

void SeatBatch::Confirm(spi::EventSeats& event, std::int32_t seats) {
  event.seats_held -= seats;
  event.seats_sold += seats;
  changed_.insert(event.event_id);
}

void SeatBatch::ReleaseHeld(spi::EventSeats& event, std::int32_t seats) {
  event.seats_held -= seats;
  changed_.insert(event.event_id);
  if (failure_.ok()) failure_ = ServeWaiters(event);
}

void SeatBatch::ReturnSold(spi::EventSeats& event, std::int32_t seats) {
  event.seats_sold -= seats;
  changed_.insert(event.event_id);
  if (failure_.ok()) failure_ = ServeWaiters(event);
}

Status SeatBatch::Finish(spi::Transaction& /*tx*/) {
  EV_RETURN_IF_ERROR(failure_);
  if (changed_.empty()) return Status::Ok();
  std::vector<spi::EventSeats> rows;
  rows.reserve(changed_.size());
  for (const std::string& id : changed_) rows.push_back(*events_.at(id));
  return store_.UpdateEventSeats(rows, now_);
}

}  // namespace eventify::bookings
