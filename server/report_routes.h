// The reports HTTP API (GET /api/v1/reports/organizer-sales, GET /api/v1/reports/financial,
// GET /api/v1/bookings/{id}/ticket.pdf): wire format only; the figures, the formats and who may
// are the library's (eventify/reports.h). docs/reports.md describes them.
#pragma once

#include "eventify/engine.h"
#include "eventify/status.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
// Errors: those of Reports::Open (the engine's storage has no reports store).
Status AddReportRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
