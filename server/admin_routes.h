// The admin oversight HTTP API (GET /api/v1/admin/audit-log, /queues, /settlements, /revenue and
// /analytics): wire format only; what is recorded, every figure and who may read them are the
// library's (eventify/admin.h).
// docs/admin-api.md describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddAdminRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
