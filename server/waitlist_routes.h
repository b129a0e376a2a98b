// The waitlist HTTP API (/api/v1/events/{id}/waitlist): joining the line for seats of a sold-out
// event, leaving it, and reading one's place. Wire format only; every rule is the library's
// (Bookings::JoinWaitlist and its neighbours, eventify/bookings.h). docs/bookings-api.md
// describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddWaitlistRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
