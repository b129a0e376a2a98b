// Refresh tokens and bearer tokens through the accounts service (libeventify/src/accounts/):
// /auth/refresh and /auth/logout take a refresh token from the body, every authenticated route an
// access token; the engine runs on a throwaway SQLite database holding one logged-in admin.
// Input: a token.
// Property: no input other than the admin's own tokens is accepted.
#include <cstdint>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  eventify::fuzz::FuzzEngine& shared = eventify::fuzz::SharedEngine();
  eventify::Accounts& accounts = shared.engine->accounts();
  const std::string_view token = eventify::fuzz::AsText(data, size);
  if (token == shared.tokens.refresh_token || token == shared.tokens.access_token) return 0;
  eventify::fuzz::Require(!accounts.Refresh(token).ok(), "an unknown refresh token is refused");
  eventify::fuzz::Require(!accounts.Logout(token).ok(), "an unknown refresh token logs nobody out");
  eventify::fuzz::Require(!accounts.Authenticate(token).ok(), "an unknown access token is refused");
  return 0;
}
