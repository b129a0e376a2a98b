// The accounts HTTP API (/api/v1/auth/*, /api/v1/me*, /api/v1/admin/users/*): wire format only;
// every rule is the library's. docs/accounts-api.md describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddAccountRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
