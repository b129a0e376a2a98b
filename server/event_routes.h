// The events HTTP API: organizer verification (/api/v1/organizer/profile,
// /api/v1/admin/organizers*), categories (/api/v1/categories, /api/v1/admin/categories*) and
// events (/api/v1/events*, /api/v1/organizer/events, /api/v1/admin/events*). Wire format only:
// who may do what and every state rule are the library's (eventify/events.h).
// docs/events-api.md describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "json.h"
#include "router.h"

namespace eventify::server {

// An event as every event route writes it (without the organizer's revenue and settlement).
void WritePublicEvent(JsonWriter& json, const Event& event);

// The routes borrow `engine`, which must outlive the router.
void AddEventRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
