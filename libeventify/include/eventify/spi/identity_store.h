// IdentityStore: the sign-in area's store — identities at OpenID Connect providers linked to
// accounts, the authorization-code flows in progress, the nonces already used, and the links that
// wait for an existing account to prove itself (eventify/sign_in.h). Handed out by
// Transaction::store<IdentityStore>() of a storage that Supports(IdentityStore::kArea); every call
// runs inside the transaction whose body received it and is bound by spi/storage.h.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/export.h"
#include "eventify/spi/store_area.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

// An account's identity at a provider: the pair (issuer, subject) is unique.
struct IdentityRecord {
  std::string id;
  std::string user_id;
  std::string provider;  // the configured name, for display
  std::string issuer;
  std::string subject;
  std::string email;  // as the provider last said, for display
  Timestamp created_at;
  Timestamp last_used_at;
};

// An authorization-code flow between its redirect and its callback.
struct SignInFlowRecord {
  std::string state_hash;  // SHA-256 of the state, hex: the state itself is never stored
  std::string provider;
  std::string nonce;
  std::string code_verifier;  // PKCE (RFC 7636)
  Timestamp expires_at;
};

// A sign-in whose verified e-mail matched an existing account that has not yet proved itself.
struct PendingLinkRecord {
  std::string token_hash;  // SHA-256 of the link token, hex
  std::string user_id;
  std::string provider;
  std::string issuer;
  std::string subject;
  std::string email;
  std::string code_hash;  // keyed hash of the e-mailed code; empty until one is sent
  int attempts_left = 0;  // wrong passwords and codes left
  Timestamp expires_at;
};

class EVENTIFY_EXPORT IdentityStore {
 public:
  static constexpr StoreArea kArea{"identities"};

  virtual ~IdentityStore() = default;

  // Errors: kAlreadyExists (identity_taken) when (issuer, subject) or the id is already stored.
  virtual Status InsertIdentity(const IdentityRecord& identity) = 0;
  // Errors: kNotFound (identity_not_found).
  virtual Result<IdentityRecord> FindIdentity(std::string_view issuer, std::string_view subject,
                                              LockMode lock) = 0;
  // Errors: kNotFound (identity_not_found).
  virtual Status TouchIdentity(std::string_view id, std::string_view email, Timestamp at) = 0;
  // The identities of a user, oldest first.
  virtual Result<std::vector<IdentityRecord>> ListIdentities(std::string_view user_id,
                                                             LockMode lock) = 0;
  // Removes the identity `id` of `user_id`. Errors: kNotFound (identity_not_found), also when the
  // identity belongs to another user.
  virtual Status DeleteIdentity(std::string_view user_id, std::string_view id) = 0;

  // Errors: kAlreadyExists (flow_exists).
  virtual Status InsertFlow(const SignInFlowRecord& flow) = 0;
  // Removes and returns the flow of `state_hash`, so that a state is good for one callback.
  // Errors: kNotFound (flow_not_found).
  virtual Result<SignInFlowRecord> TakeFlow(std::string_view state_hash) = 0;

  // Remembers that `nonce_hash` was used with `issuer` until `expires_at`.
  // Errors: kAlreadyExists (nonce_reused) when it is already remembered.
  virtual Status RecordNonce(std::string_view issuer, std::string_view nonce_hash,
                             Timestamp expires_at) = 0;

  // Inserts or replaces the link of record.token_hash.
  virtual Status PutPendingLink(const PendingLinkRecord& link) = 0;
  // Errors: kNotFound (link_not_found).
  virtual Result<PendingLinkRecord> FindPendingLink(std::string_view token_hash,
                                                    LockMode lock) = 0;
  virtual Status DeletePendingLink(std::string_view token_hash) = 0;

  // Removes flows, nonces and pending links that expired before `now`; returns how many.
  virtual Result<std::int64_t> DeleteExpired(Timestamp now) = 0;
};

}  // namespace eventify::spi
