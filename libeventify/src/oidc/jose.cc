#include "oidc/jose.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <rapidjson/document.h>

#include "crypto/sodium.h"

namespace eventify::oidc {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr std::size_t kP256CoordinateBytes = 32;

Status Malformed(std::string message) {
  return Unauthenticated("id_token_malformed", std::move(message));
}

std::string StringMember(const rapidjson::Value& object, const char* name) {
  const auto member = object.FindMember(name);
  if (member == object.MemberEnd() || !member->value.IsString()) return {};
  return std::string(member->value.GetString(), member->value.GetStringLength());
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// An EVP_PKEY from OSSL_PARAMs built by `add`; null when OpenSSL refuses them.
template <typename Add>
PkeyPtr KeyFromParams(const char* type, Add&& add) {
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  if (builder == nullptr) return nullptr;
  std::vector<BIGNUM*> numbers;
  PkeyPtr key;
  if (add(builder, numbers)) {
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
    EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY* raw = nullptr;
    if (params != nullptr && context != nullptr && EVP_PKEY_fromdata_init(context) == 1 &&
        EVP_PKEY_fromdata(context, &raw, EVP_PKEY_PUBLIC_KEY, params) == 1) {
      key.reset(raw);
    }
    EVP_PKEY_CTX_free(context);
    OSSL_PARAM_free(params);
  }
  for (BIGNUM* number : numbers) BN_free(number);
  OSSL_PARAM_BLD_free(builder);
  return key;
}

PkeyPtr RsaKey(const std::string& n, const std::string& e) {
  PkeyPtr key = KeyFromParams("RSA", [&](OSSL_PARAM_BLD* builder, std::vector<BIGNUM*>& numbers) {
    BIGNUM* modulus = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                                static_cast<int>(n.size()), nullptr);
    BIGNUM* exponent = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                                 static_cast<int>(e.size()), nullptr);
    if (modulus != nullptr) numbers.push_back(modulus);
    if (exponent != nullptr) numbers.push_back(exponent);
    return modulus != nullptr && exponent != nullptr &&
           OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, modulus) == 1 &&
           OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, exponent) == 1;
  });
  if (key && EVP_PKEY_get_bits(key.get()) < kMinRsaBits) return nullptr;
  return key;
}

PkeyPtr P256Key(const std::string& x, const std::string& y) {
  if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes) return nullptr;
  const std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  return KeyFromParams("EC", [&](OSSL_PARAM_BLD* builder, std::vector<BIGNUM*>&) {
    return OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) ==
               1 &&
           OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size()) == 1;
  });
}

// The DER ECDSA signature of a JWS r||s pair; empty when it is not one.
std::string DerFromRawEcdsa(std::string_view raw) {
  if (raw.size() != 2 * kP256CoordinateBytes) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, kP256CoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kP256CoordinateBytes, kP256CoordinateBytes, nullptr);
  ECDSA_SIG* signature = ECDSA_SIG_new();
  if (r == nullptr || s == nullptr || signature == nullptr ||
      ECDSA_SIG_set0(signature, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(signature);
    return {};
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(signature, &der);
  std::string out;
  if (length > 0) out.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  ECDSA_SIG_free(signature);  // frees r and s
  return out;
}

// The base64url member `name`, decoded; empty when absent or not base64url.
std::string DecodedMember(const rapidjson::Value& object, const char* name) {
  auto decoded = crypto::Base64UrlDecode(StringMember(object, name));
  return decoded.ok() ? std::move(decoded).value() : std::string();
}

}  // namespace

std::string_view AlgorithmName(Algorithm algorithm) {
  return algorithm == Algorithm::kRs256 ? "RS256" : "ES256";
}

SigningKey::~SigningKey() { EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_)); }

bool SigningKey::Verify(std::string_view input, std::string_view signature) const {
  std::string der;
  if (algorithm_ == Algorithm::kEs256) {
    der = DerFromRawEcdsa(signature);
    if (der.empty()) return false;
    signature = der;
  }
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr) return false;
  const bool good =
      EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr,
                           static_cast<EVP_PKEY*>(pkey_)) == 1 &&
      EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1;
  EVP_MD_CTX_free(context);
  return good;
}

Result<std::vector<std::shared_ptr<const SigningKey>>> ParseJwks(std::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("keys") ||
      !document["keys"].IsArray()) {
    return InvalidArgument("jwks_malformed", "the provider's JWKS is not a JSON key set");
  }
  std::vector<std::shared_ptr<const SigningKey>> keys;
  for (const rapidjson::Value& jwk : document["keys"].GetArray()) {
    if (!jwk.IsObject()) continue;
    const std::string use = StringMember(jwk, "use");
    if (!use.empty() && use != "sig") continue;
    const std::string type = StringMember(jwk, "kty");
    const std::string alg = StringMember(jwk, "alg");
    PkeyPtr pkey;
    Algorithm algorithm = Algorithm::kRs256;
    if (type == "RSA") {
      pkey = RsaKey(DecodedMember(jwk, "n"), DecodedMember(jwk, "e"));
    } else if (type == "EC" && StringMember(jwk, "crv") == "P-256") {
      algorithm = Algorithm::kEs256;
      pkey = P256Key(DecodedMember(jwk, "x"), DecodedMember(jwk, "y"));
    }
    if (!pkey || (!alg.empty() && alg != AlgorithmName(algorithm))) continue;
    std::shared_ptr<SigningKey> key(new SigningKey());
    key->kid_ = StringMember(jwk, "kid");
    key->algorithm_ = algorithm;
    key->pkey_ = pkey.release();
    keys.push_back(std::move(key));
  }
  return keys;
}

Result<CompactJws> SplitCompactJws(std::string_view token) {
  const std::size_t first = token.find('.');
  const std::size_t second =
      first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Malformed("an ID token has three dot-separated parts");
  }
  CompactJws jws;
  auto header = crypto::Base64UrlDecode(token.substr(0, first));
  auto payload = crypto::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  auto signature = crypto::Base64UrlDecode(token.substr(second + 1));
  if (!header.ok() || !payload.ok() || !signature.ok()) {
    return Malformed("the ID token's parts are not base64url");
  }
  jws.header_json = std::move(header).value();
  jws.payload_json = std::move(payload).value();
  jws.signature = std::move(signature).value();
  jws.signing_input = std::string(token.substr(0, second));
  rapidjson::Document parsed;
  parsed.Parse(jws.header_json.data(), jws.header_json.size());
  if (parsed.HasParseError() || !parsed.IsObject()) {
    return Malformed("the ID token's header is not a JSON object");
  }
  jws.alg = StringMember(parsed, "alg");
  jws.kid = StringMember(parsed, "kid");
  return jws;
}

std::string S256Challenge(std::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return crypto::Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace eventify::oidc
