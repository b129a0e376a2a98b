// Checking an OpenID Connect ID token (OpenID Connect Core 1.0, section 3.1.3.7): the signature
// with the provider's key and the algorithm that key verifies, then issuer, audience and azp,
// expiry and issued-at within the clock skew, and the nonce.
//
// Thread-safety: a pure function apart from the directory it asks for keys (thread-safe).
#pragma once

#include <string>
#include <string_view>

#include "eventify/status.h"
#include "eventify/types.h"
#include "oidc/provider_directory.h"

namespace eventify::oidc {

// What the engine uses of a checked ID token.
struct IdTokenClaims {
  std::string issuer;
  std::string subject;
  std::string email;  // lower-cased; empty when the token has none
  bool email_verified = false;
  std::string name;
  Timestamp expires_at;
};

// Errors: kUnauthenticated (id_token_malformed, id_token_algorithm, id_token_key_unknown,
// id_token_signature, id_token_issuer, id_token_audience, id_token_expired,
// id_token_not_yet_valid, id_token_nonce), kUnavailable (provider_unavailable).
Result<IdTokenClaims> VerifyIdToken(ProviderDirectory& directory, std::string_view token,
                                    std::string_view expected_nonce, Timestamp now,
                                    std::chrono::seconds clock_skew);

}  // namespace eventify::oidc
