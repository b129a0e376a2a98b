#include "accounts/password_hasher.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace eventify::accounts {

PasswordHasher::PasswordHasher(PasswordHashCost cost) {
  crypto::EnsureSodium();
  switch (cost) {
    case PasswordHashCost::kMinimum:
      ops_limit_ = crypto_pwhash_OPSLIMIT_MIN;
      mem_limit_ = crypto_pwhash_MEMLIMIT_MIN;
      break;
    case PasswordHashCost::kInteractive:
      ops_limit_ = crypto_pwhash_OPSLIMIT_INTERACTIVE;
      mem_limit_ = crypto_pwhash_MEMLIMIT_INTERACTIVE;
      break;
    case PasswordHashCost::kModerate:
      ops_limit_ = crypto_pwhash_OPSLIMIT_MODERATE;
      mem_limit_ = crypto_pwhash_MEMLIMIT_MODERATE;
      break;
  }
  auto dummy = Hash(crypto::HexEncode(crypto::RandomBytes(16)));
  if (dummy.ok()) dummy_hash_ = std::move(dummy).value();
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops_limit_, mem_limit_,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Internal("password hashing ran out of memory");
  }
  return std::string(out);
}

bool PasswordHasher::Verify(std::string_view hash, std::string_view password) const {
  const std::string terminated(hash);  // libsodium reads a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::NeedsRehash(std::string_view hash) const {
  const std::string terminated(hash);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), ops_limit_, mem_limit_) != 0;
}

void PasswordHasher::VerifyAgainstDummy(std::string_view password) const {
  if (!dummy_hash_.empty()) Verify(dummy_hash_, password);
}

}  // namespace eventify::accounts
