// The routes machines poll (docs/operations.md), exempt from the rate limits:
//   GET /healthz  200 {"status":"ok"} while the process serves HTTP (liveness: nothing else is
//                 checked, so a database outage does not get the process restarted).
//   GET /readyz   200 {"status":"ready","checks":{"database":"ok","redis":"ok"|"not_configured"}}
//                 when the server can run a read transaction on its storage and, when redis.host
//                 is set, Redis answers a PING; otherwise 503 with the error of the first check
//                 that failed (storage_unavailable, redis_unavailable).
//   GET /metrics  the Prometheus text format (metrics.h).
#pragma once

#include "config.h"
#include "eventify/engine.h"
#include "metrics.h"
#include "router.h"

namespace eventify::server {

// The routes borrow all three, which must outlive the router.
void AddHealthRoutes(Router& router, Engine& engine, const ServerConfig& config,
                     const Metrics& metrics);

}  // namespace eventify::server
