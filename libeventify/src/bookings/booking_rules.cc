#include "bookings/booking_rules.h"

#include <string>

#include "eventify/events.h"
#include "events/visibility.h"

namespace eventify::bookings {

Status CheckCanBook(const spi::EventSeats* event, const Principal& buyer, std::int32_t seats) {
  if (event == nullptr || !events::IsPublic(event->status)) {
    return NotFound("event_not_found", "there is no such event", "event_id");
  }
  if (!IsEventActionAllowed(buyer.role, events::RelationTo(buyer, event->organizer_id),
                            EventAction::kBookEvent)) {
    return PermissionDenied("forbidden", "your role does not allow this");
  }
  if (seats < 1 || seats > event->max_tickets_per_booking) {
    return InvalidArgument("invalid_seats",
                           "a booking takes 1 to " +
                               std::to_string(event->max_tickets_per_booking) + " seats",
                           "seats");
  }
  return Status::Ok();
}

Status CheckSells(const spi::EventSeats& event, Timestamp now) {
  if (event.status != EventStatus::kApproved) {
    return FailedPrecondition("event_not_bookable", "this event takes no bookings");
  }
  if (event.on_hold) return FailedPrecondition("event_on_hold", "this event is on hold");
  if (event.starts_at <= now) {
    return FailedPrecondition("event_started", "this event has already started");
  }
  return Status::Ok();
}

}  // namespace eventify::bookings
