// The reviews HTTP API (/api/v1/events/{id}/reviews*, /api/v1/organizers/{id}/rating,
// /api/v1/admin/reviews/{id}/remove): wire format only; who may review, when, once, and the
// ratings are the library's (eventify/reviews.h). docs/events-api.md, "Reviews", describes each
// endpoint.
#pragma once

#include "eventify/engine.h"
#include "json.h"
#include "router.h"

namespace eventify::server {

// {"count", "sum", "average"}: the average rounded to two decimals (0 without reviews); count and
// sum are exact, so clients may compute it themselves. Also written into every event.
void WriteRating(JsonWriter& json, const Rating& rating);

// The routes borrow `engine`, which must outlive the router.
void AddReviewRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
