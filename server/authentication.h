// How a route finds its caller: the access token of `Authorization: Bearer <token>`, checked by
// the library. Shared by every authenticated route.
//
// Thread-safety: stateless functions.
#pragma once

#include <string_view>

#include "api.h"
#include "eventify/accounts.h"
#include "eventify/status.h"

namespace eventify::server {

// The access token of `Authorization: Bearer <token>`, or why there is none.
// Errors: kUnauthenticated (missing_token, invalid_token).
Result<std::string_view> BearerToken(const ApiRequest& request);

// The caller of an authenticated route.
// Errors: those of BearerToken and Accounts::Authenticate; kResourceExhausted (rate_limited,
// with Retry-After) when the user is over the per-user rate limit (ApiRequest::AdmitUser). Once
// the token checks out the user is noted on the request (ApiRequest::authenticated_user) for the
// access log.
Result<Principal> Authenticate(Accounts& accounts, const ApiRequest& request);

// The caller of a route that only some roles may call, their role checked before anything about
// the request: a caller whose role may not do `action` (IsAllowed) hears 403 whatever the
// parameters say. The library checks the role again.
// Errors: those of Authenticate; kPermissionDenied (forbidden).
Result<Principal> AuthenticateFor(Accounts& accounts, const ApiRequest& request, Action action);

}  // namespace eventify::server
