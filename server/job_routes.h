// The admin jobs HTTP API (/api/v1/admin/jobs*): wire format only; the rules (who may, which
// job may be retried) are the library's (eventify/jobs.h). docs/jobs.md describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddJobRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
