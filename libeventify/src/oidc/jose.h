// JOSE pieces of OpenID Connect: splitting a compact JWS, reading a JWKS, and checking a
// signature with OpenSSL's libcrypto. Only RS256 (RSA keys of at least 2048 bits) and ES256
// (P-256 keys) exist here: the algorithm a key verifies is decided by the key, and a token that
// names another one is refused before any cryptography runs.
//
// Thread-safety: SigningKey is immutable after ParseJwks and may be shared between threads; the
// functions are pure.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/status.h"

namespace eventify::oidc {

enum class Algorithm { kRs256, kEs256 };

std::string_view AlgorithmName(Algorithm algorithm);  // "RS256", "ES256"

// One verification key of a JWKS.
class SigningKey {
 public:
  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  const std::string& kid() const { return kid_; }
  Algorithm algorithm() const { return algorithm_; }
  // True when `signature` (JWS form: PKCS#1 v1.5 for RS256, r||s for ES256) signs `input`.
  bool Verify(std::string_view input, std::string_view signature) const;

 private:
  friend Result<std::vector<std::shared_ptr<const SigningKey>>> ParseJwks(std::string_view json);
  SigningKey() = default;
  std::string kid_;
  Algorithm algorithm_ = Algorithm::kRs256;
  void* pkey_ = nullptr;  // EVP_PKEY*, owned
};

// The signature keys of a JWKS document. Keys that are not for signatures ("use" other than
// "sig"), of another type or curve, too weak, or whose "alg" is not the one their type verifies
// are left out. Errors: kInvalidArgument (jwks_malformed).
Result<std::vector<std::shared_ptr<const SigningKey>>> ParseJwks(std::string_view json);

// A compact JWS split and its header and payload decoded (not yet verified).
struct CompactJws {
  std::string header_json;
  std::string payload_json;
  std::string signing_input;  // "<header>.<payload>" as received
  std::string signature;      // decoded bytes
  std::string alg;            // the header's "alg"
  std::string kid;            // the header's "kid", empty when absent
};

// Errors: kUnauthenticated (id_token_malformed).
Result<CompactJws> SplitCompactJws(std::string_view token);

// Base64url (no padding) of SHA-256 of `text`: the PKCE S256 code challenge.
std::string S256Challenge(std::string_view verifier);

}  // namespace eventify::oidc
