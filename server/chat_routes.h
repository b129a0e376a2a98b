// The chat HTTP API (/api/v1/conversations*, /api/v1/events/{id}/room): wire format only; every
// rule (who may talk with whom, membership, message text, images, idempotency, receipts) is the
// library's (eventify/chat.h). docs/chat-api.md describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddChatRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
