// GET /healthz: 200 {"status":"ok"} when the server can run a read transaction on its storage,
// 503 with the error otherwise. Cheap enough for a load balancer to poll.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The route borrows `engine`, which must outlive the router.
void AddHealthRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
