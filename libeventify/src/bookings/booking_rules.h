// The rules a new booking and a waitlist entry share, checked against the event's locked row:
// whether the caller may book it at all (CheckCanBook) and whether it sells seats now
// (CheckSells). The booking applier and the waitlist applier call them, so both answer alike.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

#include "eventify/accounts.h"
#include "eventify/spi/booking_store.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::bookings {

// The event as a new booking finds it: there and public, the caller allowed to book it (the
// permission table's kBookEvent), the seat count within its limit.
// Errors: kNotFound event_not_found (also null), kPermissionDenied forbidden, kInvalidArgument
// invalid_seats.
Status CheckCanBook(const spi::EventSeats* event, const Principal& buyer, std::int32_t seats);

// Whether the event sells seats at `now`: approved, not on hold, not started.
// Errors: kFailedPrecondition event_not_bookable, event_on_hold, event_started.
Status CheckSells(const spi::EventSeats& event, Timestamp now);

}  // namespace eventify::bookings
