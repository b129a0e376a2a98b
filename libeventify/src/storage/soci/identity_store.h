// SociIdentityStore: spi::IdentityStore over the oidc_identities, oidc_flows, oidc_nonces and
// oidc_pending_links tables of migration 21 ("sign-in identities").
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/identity_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociIdentityStore final : public spi::IdentityStore {
 public:
  explicit SociIdentityStore(TransactionContext& context) : context_(context) {}

  Status InsertIdentity(const spi::IdentityRecord& identity) override;
  Result<spi::IdentityRecord> FindIdentity(std::string_view issuer, std::string_view subject,
                                           spi::LockMode lock) override;
  Status TouchIdentity(std::string_view id, std::string_view email, Timestamp at) override;
  Result<std::vector<spi::IdentityRecord>> ListIdentities(std::string_view user_id,
                                                          spi::LockMode lock) override;
  Status DeleteIdentity(std::string_view user_id, std::string_view id) override;
  Status InsertFlow(const spi::SignInFlowRecord& flow) override;
  Result<spi::SignInFlowRecord> TakeFlow(std::string_view state_hash) override;
  Status RecordNonce(std::string_view issuer, std::string_view nonce_hash,
                     Timestamp expires_at) override;
  Status PutPendingLink(const spi::PendingLinkRecord& link) override;
  Result<spi::PendingLinkRecord> FindPendingLink(std::string_view token_hash,
                                                 spi::LockMode lock) override;
  Status DeletePendingLink(std::string_view token_hash) override;
  Result<std::int64_t> DeleteExpired(Timestamp now) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
