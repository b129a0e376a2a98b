#include "oidc/id_token.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/status_macros.h"
#include "crypto/sodium.h"

namespace eventify::oidc {
namespace {

constexpr std::size_t kMaxTokenBytes = 16 * 1024;

std::string StringMember(const rapidjson::Value& object, const char* name) {
  const auto member = object.FindMember(name);
  if (member == object.MemberEnd() || !member->value.IsString()) return {};
  return std::string(member->value.GetString(), member->value.GetStringLength());
}

// A NumericDate member (seconds since the epoch); none when absent or not a number.
std::optional<Timestamp> TimeMember(const rapidjson::Value& object, const char* name) {
  const auto member = object.FindMember(name);
  if (member == object.MemberEnd() || !member->value.IsNumber()) return std::nullopt;
  const double seconds = member->value.GetDouble();
  if (seconds < 0 || seconds > 1e11) return std::nullopt;
  return Timestamp(std::chrono::seconds(static_cast<long long>(seconds)));
}

Status Refused(const char* reason, std::string message) {
  return Unauthenticated(reason, std::move(message));
}

// aud is a string or an array of strings; with several audiences azp must name us, and an azp
// present must name us in any case (OpenID Connect Core 1.0, 3.1.3.7 items 3 to 5).
Status CheckAudience(const rapidjson::Value& claims, const std::string& client_id) {
  const auto aud = claims.FindMember("aud");
  bool ours = false;
  std::size_t count = 0;
  if (aud != claims.MemberEnd() && aud->value.IsString()) {
    count = 1;
    ours = client_id == aud->value.GetString();
  } else if (aud != claims.MemberEnd() && aud->value.IsArray()) {
    for (const auto& item : aud->value.GetArray()) {
      if (!item.IsString()) return Refused("id_token_audience", "the ID token's aud is malformed");
      ++count;
      ours = ours || client_id == item.GetString();
    }
  }
  if (!ours) return Refused("id_token_audience", "the ID token was not issued for this application");
  const std::string azp = StringMember(claims, "azp");
  if ((count > 1 || !azp.empty()) && azp != client_id) {
    return Refused("id_token_audience", "the ID token was issued to another party (azp)");
  }
  return Status::Ok();
}

}  // namespace

Result<IdTokenClaims> VerifyIdToken(ProviderDirectory& directory, std::string_view token,
                                    std::string_view expected_nonce, Timestamp now,
                                    std::chrono::seconds clock_skew) {
  if (token.size() > kMaxTokenBytes) {
    return Refused("id_token_malformed", "the ID token is too long");
  }
  EV_ASSIGN_OR_RETURN(const CompactJws jws, SplitCompactJws(token));
  // Only the asymmetric algorithms a key of ours can verify: never `none`, never an HMAC (whose
  // "secret" an attacker would take from the public key).
  if (jws.alg != "RS256" && jws.alg != "ES256") {
    return Refused("id_token_algorithm", "the ID token's algorithm is not accepted");
  }
  EV_ASSIGN_OR_RETURN(const auto key, directory.KeyFor(jws.kid));
  if (AlgorithmName(key->algorithm()) != jws.alg) {
    return Refused("id_token_algorithm", "the ID token's algorithm is not its key's");
  }
  if (!key->Verify(jws.signing_input, jws.signature)) {
    return Refused("id_token_signature", "the ID token's signature is not valid");
  }
  rapidjson::Document claims;
  claims.Parse(jws.payload_json.data(), jws.payload_json.size());
  if (claims.HasParseError() || !claims.IsObject()) {
    return Refused("id_token_malformed", "the ID token's claims are not a JSON object");
  }
  const OidcProvider& provider = directory.provider();
  IdTokenClaims out;
  out.issuer = StringMember(claims, "iss");
  if (out.issuer != provider.issuer) {
    return Refused("id_token_issuer", "the ID token comes from another issuer");
  }
  EV_RETURN_IF_ERROR(CheckAudience(claims, provider.client_id));
  const auto expires = TimeMember(claims, "exp");
  const auto issued = TimeMember(claims, "iat");
  if (!expires || !issued) return Refused("id_token_malformed", "the ID token lacks exp or iat");
  if (now >= *expires + clock_skew) return Refused("id_token_expired", "the ID token has expired");
  if (*issued > now + clock_skew) {
    return Refused("id_token_not_yet_valid", "the ID token is issued in the future");
  }
  const std::string nonce = StringMember(claims, "nonce");
  if (nonce.empty() || !crypto::ConstantTimeEquals(nonce, expected_nonce)) {
    return Refused("id_token_nonce", "the ID token's nonce is not the one of this sign-in");
  }
  out.subject = StringMember(claims, "sub");
  if (out.subject.empty() || out.subject.size() > 255) {
    return Refused("id_token_malformed", "the ID token's subject is missing or too long");
  }
  out.email = StringMember(claims, "email");
  std::transform(out.email.begin(), out.email.end(), out.email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto verified = std::as_const(claims).FindMember("email_verified");
  out.email_verified = verified != std::as_const(claims).MemberEnd() &&
                       ((verified->value.IsBool() && verified->value.GetBool()) ||
                        (verified->value.IsString() &&
                         std::string_view(verified->value.GetString()) == "true"));
  out.name = StringMember(claims, "name");
  out.expires_at = *expires;
  return out;
}

}  // namespace eventify::oidc
