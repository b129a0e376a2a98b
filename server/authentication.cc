#include "authentication.h"

#include <cctype>
#include <string>

namespace eventify::server {
namespace {

Status MissingToken() {
  return Unauthenticated("missing_token", "send Authorization: Bearer <access token>");
}

}  // namespace

Result<std::string_view> BearerToken(const ApiRequest& request) {
  const auto header = request.header("Authorization");
  if (!header) return MissingToken();
  std::string_view value = *header;
  const std::size_t space = value.find(' ');
  std::string scheme(value.substr(0, space));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer" || space == std::string_view::npos) {
    return Unauthenticated("invalid_token", "the Authorization header must be Bearer <token>");
  }
  value.remove_prefix(space);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return MissingToken();
  return value;
}

Result<Principal> Authenticate(Accounts& accounts, const ApiRequest& request) {
  auto token = BearerToken(request);
  if (!token.ok()) return token.status();
  auto principal = accounts.Authenticate(*token);
  if (principal.ok()) request.set_authenticated_user(principal->user_id);
  return principal;
}

}  // namespace eventify::server
