#include "authentication.h"

#include <cctype>
#include <string>

namespace eventify::server {
namespace {

Status MissingToken() {
  return Unauthenticated("missing_token", "send Authorization: Bearer <access token>");
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

// The HTTP layer drops the whitespace that ends a header value, so `Bearer ` arrives as `Bearer`:
// a scheme without a token is a missing token, like an empty header.
Result<std::string_view> BearerToken(const ApiRequest& request) {
  const auto header = request.header("Authorization");
  if (!header) return MissingToken();
  const std::string_view value = TrimSpaces(*header);
  if (value.empty()) return MissingToken();
  const std::size_t space = value.find_first_of(" \t");
  std::string scheme(value.substr(0, space));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer") {
    return Unauthenticated("invalid_token", "the Authorization header must be Bearer <token>");
  }
  if (space == std::string_view::npos) return MissingToken();
  const std::string_view token = TrimSpaces(value.substr(space));
  if (token.empty()) return MissingToken();
  return token;
}

Result<Principal> Authenticate(Accounts& accounts, const ApiRequest& request) {
  auto token = BearerToken(request);
  if (!token.ok()) return token.status();
  auto principal = accounts.Authenticate(*token);
  if (!principal.ok()) return principal;
  request.set_authenticated_user(principal->user_id);
  if (Status admitted = request.AdmitUser(principal->user_id); !admitted.ok()) return admitted;
  return principal;
}

Result<Principal> AuthenticateFor(Accounts& accounts, const ApiRequest& request, Action action) {
  auto principal = Authenticate(accounts, request);
  if (principal.ok() && !IsAllowed(principal->role, action)) {
    return PermissionDenied("forbidden", "your role does not allow this");
  }
  return principal;
}

}  // namespace eventify::server
