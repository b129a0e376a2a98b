// argon2id password hashing (libsodium's crypto_pwhash_str), with a cost chosen by the engine.
// Thread-safety: immutable after construction; Hash and Verify may run concurrently.
#pragma once

#include <string>
#include <string_view>

#include "eventify/engine.h"
#include "eventify/status.h"

namespace eventify::accounts {

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordHashCost cost);

  // Errors: kInternal when libsodium cannot allocate the memory the cost asks for.
  Result<std::string> Hash(std::string_view password) const;
  bool Verify(std::string_view hash, std::string_view password) const;
  // True when hash was made with other parameters than the current cost (rehash at login).
  bool NeedsRehash(std::string_view hash) const;
  // Spends the time of one Verify without a real hash, so an unknown e-mail answers as slowly
  // as a wrong password and login timing does not reveal which accounts exist.
  void VerifyAgainstDummy(std::string_view password) const;

 private:
  unsigned long long ops_limit_;
  std::size_t mem_limit_;
  std::string dummy_hash_;
};

}  // namespace eventify::accounts
