// Access tokens: compact JWS (JWT) signed with HMAC-SHA256. The header is fixed and compared
// byte for byte, which pins the algorithm: "none", RS256 and every other variant are refused
// before any signature work.
// Thread-safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>

#include "eventify/accounts.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::accounts {

struct AccessClaims {
  std::string user_id;     // "sub"
  std::string session_id;  // "sid"
  Role role = Role::kAttendee;
  Timestamp issued_at;     // "iat", whole seconds
  Timestamp expires_at;    // "exp", whole seconds
};

class AccessTokenCodec {
 public:
  explicit AccessTokenCodec(std::string signing_key) : key_(std::move(signing_key)) {}

  std::string Sign(const AccessClaims& claims) const;
  // Errors: kUnauthenticated invalid_token (shape, header, signature, claims) or token_expired.
  Result<AccessClaims> Verify(std::string_view token, Timestamp now) const;

 private:
  std::string key_;
};

}  // namespace eventify::accounts
