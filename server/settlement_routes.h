// The settlement HTTP API (POST /api/v1/admin/events/{id}/settle, GET
// /api/v1/events/{id}/settlement): wire format only; when an event is due, the split and who may
// are the library's (eventify/settlements.h). docs/events-api.md, "Settlement", describes them.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddSettlementRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
