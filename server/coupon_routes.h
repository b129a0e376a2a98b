// The coupons HTTP API (/api/v1/coupons*): wire format only; every rule (codes, limits, who may
// manage which coupon) is the library's (eventify/coupons.h). docs/bookings-api.md, "Coupons",
// describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddCouponRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
