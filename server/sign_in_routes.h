// The sign-in-with-a-provider HTTP API (/api/v1/auth/oidc/*, /api/v1/me/identities*): wire format
// only; every rule is the library's (eventify/sign_in.h). docs/accounts-api.md, "Sign-in with an
// OpenID Connect provider", describes each endpoint.
#pragma once

#include "eventify/engine.h"
#include "router.h"

namespace eventify::server {

// The routes borrow `engine`, which must outlive the router.
void AddSignInRoutes(Router& router, Engine& engine);

}  // namespace eventify::server
