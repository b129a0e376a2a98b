// Who sees which event: the one rule every area that finds an event for a caller applies (events,
// bookings, coupons, settlements, reviews), so that all of them answer event_not_found alike. What
// the caller may then do with it is the permission table's (IsEventActionAllowed).
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "eventify/accounts.h"
#include "eventify/events.h"

namespace eventify::events {

// Approved, completed and cancelled events are public; the others only their organizer's and
// admins' to see.
bool IsPublic(EventStatus status);

// kOrganizerOfEvent when `caller` is an organizer and `organizer_id` (not empty) is theirs; kNone
// otherwise.
EventRelation RelationTo(const Principal& caller, std::string_view organizer_id);

// Whether `caller` (null: nobody signed in) sees an event of `organizer_id` in `status`: a public
// one, or one the permission table lets them see unlisted (kViewUnlistedEvent).
bool MaySee(const Principal* caller, std::string_view organizer_id, EventStatus status);

}  // namespace eventify::events
