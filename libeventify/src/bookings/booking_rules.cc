#include "bookings/booking_rules.h"

#include <string>

#include "eventify/events.h"

namespace eventify::bookings {
namespace {

bool IsPublic(EventStatus status) {
  return status == EventStatus::kApproved || status == EventStatus::kCompleted ||
         status == EventStatus::kCancelled;
}

}  // namespace

Status CheckCanBook(const spi::EventSeats* event, const Principal& buyer, std::int32_t seats) {
  if (event == nullptr || !IsPublic(event->status)) {
    return NotFound("event_not_found", "there is no such event", "event_id");
  }
  const EventRelation relation = buyer.role == Role::kOrganizer && buyer.user_id == event->organizer_id
                                     ? EventRelation::kOrganizerOfEvent
                                     : EventRelation::kNone;
  if (!IsEventActionAllowed(buyer.role, relation, EventAction::kBookEvent)) {
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
