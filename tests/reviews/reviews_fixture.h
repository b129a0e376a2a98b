// The bookings fixture (a fresh engine on the test backend with a manual clock, a verified
// organizer, a category) plus helpers for the reviews suites: events whose attendees hold
// confirmed bookings, and drafts.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "bookings/bookings_fixture.h"
#include "eventify/reviews.h"

namespace eventify::testing {

struct ReviewsFixture : BookingsFixture {
  Reviews& reviews() { return engine->reviews(); }

  // An approved free event starting in a week, of which each of `attendees` booked one seat
  // (confirmed at once: a free event needs no payment).
  Event BookedEvent(const std::vector<Principal>& attendees, std::int32_t capacity = 10,
                    const std::string& title = "Open air concert") {
    const Event event = ApprovedEvent(capacity, /*price=*/0, /*max_per_booking=*/1, title);
    for (const Principal& attendee : attendees) {
      const Booking booking = ValueOrFail(
          bookings().BookAndPay(attendee, Request(event, 1, "key-" + event.id)));
      BOOST_REQUIRE(booking.status == BookingStatus::kConfirmed);
    }
    return event;
  }

  // Moves the clock to just after `event` ends.
  void EndOf(const Event& event) { clock->Set(event.ends_at + std::chrono::seconds(1)); }

  static ReviewDraft Draft(int rating, const std::string& title = "Great night",
                           const std::string& text = "Good sound, friendly crowd.") {
    return ReviewDraft{rating, title, text};
  }

  const Principal cid{"attendee-cid", Role::kAttendee, "s-cid"};
};

}  // namespace eventify::testing
