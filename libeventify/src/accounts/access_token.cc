#include "accounts/access_token.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "core/unix_seconds.h"
#include "crypto/sodium.h"

namespace eventify::accounts {
namespace {

constexpr std::string_view kHeaderJson = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kIssuer = "eventify";
constexpr std::size_t kMaxTokenBytes = 2048;

const std::string& EncodedHeader() {
  static const std::string header = crypto::Base64UrlEncode(kHeaderJson);
  return header;
}

std::int64_t ToSeconds(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Status Invalid() { return Unauthenticated("invalid_token", "the access token is not valid"); }

}  // namespace

std::string AccessTokenCodec::Sign(const AccessClaims& claims) const {
  // Every value is an id, a role name or a number, none of which needs JSON escaping.
  const std::string payload = fmt::format(
      R"({{"iss":"{}","sub":"{}","sid":"{}","role":"{}","iat":{},"exp":{}}})", kIssuer,
      claims.user_id, claims.session_id, RoleName(claims.role), ToSeconds(claims.issued_at),
      ToSeconds(claims.expires_at));
  std::string signing_input = EncodedHeader() + "." + crypto::Base64UrlEncode(payload);
  const std::string signature = crypto::HmacSha256(key_, signing_input);
  return signing_input + "." + crypto::Base64UrlEncode(signature);
}

Result<AccessClaims> AccessTokenCodec::Verify(std::string_view token, Timestamp now) const {
  if (token.size() > kMaxTokenBytes) return Invalid();
  const std::size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return Invalid();
  const std::size_t second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return Invalid();
  }
  if (token.substr(0, first_dot) != EncodedHeader()) return Invalid();
  const std::string_view signing_input = token.substr(0, second_dot);
  auto signature = crypto::Base64UrlDecode(token.substr(second_dot + 1));
  if (!signature.ok() ||
      !crypto::ConstantTimeEquals(*signature, crypto::HmacSha256(key_, signing_input))) {
    return Invalid();
  }
  auto payload = crypto::Base64UrlDecode(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!payload.ok()) return Invalid();
  rapidjson::Document doc;
  doc.Parse(payload->data(), payload->size());
  if (doc.HasParseError() || !doc.IsObject()) return Invalid();
  const rapidjson::Value& root = doc;  // const: its iterators compare unambiguously
  auto string_member = [&](const char* name) -> const rapidjson::Value* {
    auto it = root.FindMember(name);
    return it != root.MemberEnd() && it->value.IsString() ? &it->value : nullptr;
  };
  auto int_member = [&](const char* name) -> const rapidjson::Value* {
    auto it = root.FindMember(name);
    return it != root.MemberEnd() && it->value.IsInt64() ? &it->value : nullptr;
  };
  const auto* iss = string_member("iss");
  const auto* sub = string_member("sub");
  const auto* sid = string_member("sid");
  const auto* role = string_member("role");
  const auto* iat = int_member("iat");
  const auto* exp = int_member("exp");
  if (!iss || !sub || !sid || !role || !iat || !exp || iss->GetString() != kIssuer) {
    return Invalid();
  }
  auto parsed_role = ParseRole(role->GetString());
  const auto issued_at = FromUnixSeconds(iat->GetInt64());
  const auto expires_at = FromUnixSeconds(exp->GetInt64());
  if (!parsed_role.ok() || !issued_at || !expires_at) return Invalid();
  AccessClaims claims;
  claims.user_id = sub->GetString();
  claims.session_id = sid->GetString();
  claims.role = *parsed_role;
  claims.issued_at = *issued_at;
  claims.expires_at = *expires_at;
  if (now >= claims.expires_at) {
    return Unauthenticated("token_expired", "the access token has expired; refresh it");
  }
  return claims;
}

}  // namespace eventify::accounts
