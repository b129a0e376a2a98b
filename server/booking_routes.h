// The bookings HTTP API (/api/v1/bookings*, /api/v1/events/{id}/check-ins): wire format only;
// every rule (seats, holds, money, idempotency, who may do what) is the library's
// (eventify/bookings.h). docs/bookings-api.md describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddBookingRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
