// The accounts HTTP API (/api/v1/auth/*, /api/v1/me*, /api/v1/admin/users/*): wire format only;
// every rule is the library's. docs/accounts-api.md describes each endpoint.
#pragma once

#include <cstdint>
#include <optional>

#include "eventify/engine.h"
#include "json.h"
#include "router.h"

namespace eventify::server {

// Writes the client's view of `user` as a JSON object.
void WriteUser(JsonWriter& json, const User& user);

// Whole seconds from `now` to `until`, never negative.
std::int64_t SecondsFrom(Timestamp now, Timestamp until);

// The answer of every sign-in: the token pair, its lifetimes and the user, never cached. With
// `account_created`, says whether the sign-in created the account (sign-in with a provider).
ApiResponse TokenResponse(const TokenPair& pair, Timestamp now,
                          std::optional<bool> account_created = std::nullopt);

// The routes borrow `engine`, which must outlive the router.
void AddAccountRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
