// Access tokens: the Authorization header (server/authentication.cc) and the token it carries
// (libeventify/src/accounts/access_token.cc). Input, by its first byte:
//   'P' + payload  the payload of a token correctly signed by the harness, so that the claims
//                  parser is reached (forging a signature is not something a fuzzer can do)
//   anything else  an Authorization header value ("Bearer <token>")
// Property: a token that verifies, with ids the server would sign (the codec writes ids without
// JSON escaping), signs back to the claims it carried.
#include <cstdint>
#include <string>

#include "accounts/access_token.h"
#include "authentication.h"
#include "crypto/sodium.h"
#include "fuzz_support.h"

namespace {

using eventify::accounts::AccessTokenCodec;

const AccessTokenCodec& Codec() {
  static const AccessTokenCodec codec(std::string(32, 'k'));
  return codec;
}

// A token over `payload` with the only header the codec accepts and a valid signature.
std::string SignPayload(std::string_view payload) {
  const std::string input = eventify::crypto::Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})") +
                            "." + eventify::crypto::Base64UrlEncode(payload);
  return input + "." +
         eventify::crypto::Base64UrlEncode(
             eventify::crypto::HmacSha256(std::string(32, 'k'), input));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = eventify::fuzz::AsText(data, size);
  const eventify::Timestamp now = eventify::FromMicros(1'800'000'000'000'000);
  std::string token;
  if (input.starts_with('P')) {
    token = SignPayload(input.substr(1));
  } else {
    eventify::fuzz::FakeRequest request;
    request.SetHeader("Authorization", std::string(input));
    auto bearer = eventify::server::BearerToken(request);
    if (!bearer.ok()) return 0;
    token = std::string(*bearer);
  }
  auto claims = Codec().Verify(token, now);
  if (!claims.ok() || !eventify::IsValidId(claims->user_id) ||
      !eventify::IsValidId(claims->session_id)) {
    return 0;
  }
  auto again = Codec().Verify(Codec().Sign(*claims), now);
  eventify::fuzz::Require(
      again.ok() && again->user_id == claims->user_id && again->session_id == claims->session_id &&
          again->role == claims->role && again->issued_at == claims->issued_at &&
          again->expires_at == claims->expires_at,
      "verified claims sign back to a token with the same claims");
  return 0;
}
