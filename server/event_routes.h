// The events HTTP API: organizer verification (/api/v1/organizer/profile,
// /api/v1/admin/organizers*), categories (/api/v1/categories, /api/v1/admin/categories*) and
// events (/api/v1/events*, /api/v1/organizer/events, /api/v1/admin/events*). Wire format only:
// who may do what and every state rule are the library's (eventify/events.h).
// docs/events-api.md describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddEventRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
