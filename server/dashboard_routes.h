// The dashboards HTTP API: an event's figures (GET /api/v1/events/{id}/figures), the organizer's
// own (GET /api/v1/organizer/dashboard/events, GET /api/v1/organizer/dashboard/summary), and the
// public organizer directory and pages (GET /api/v1/organizers, GET /api/v1/organizers/{id}).
// Wire format only: the figures, their definitions and who may read them are the library's
// (eventify/dashboards.h). docs/admin-api.md describes each endpoint.
#pragma once

#include "eventify/dashboards.h"
#include "eventify/engine.h"
#include "json.h"
#include "router.h"

namespace eventify::server {

// The money members of a figure: "gross", "refunds", "commission", "net" in minor units of
// "currency" (the admins' analytics write them too).
void WriteMoneyMembers(JsonWriter& json, const MoneyFigures& money);

// The routes borrow `engine`, which must outlive the router.
void AddDashboardRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
