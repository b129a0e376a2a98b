// SociAccountRepository: spi::AccountRepository over the users, one_time_codes, sessions and
// refresh_tokens tables (schema version 1).
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/storage.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociAccountRepository final : public spi::AccountRepository {
 public:
  explicit SociAccountRepository(TransactionContext& context) : context_(context) {}

  Status InsertUser(const spi::UserRecord& user) override;
  Status UpdateUser(const spi::UserRecord& user) override;
  Result<spi::UserRecord> FindUserById(std::string_view id, spi::LockMode lock) override;
  Result<std::vector<spi::UserRecord>> FindUsersByIds(std::span<const std::string> ids) override;
  Result<spi::UserRecord> FindUserByEmail(std::string_view email, spi::LockMode lock) override;
  Result<std::int64_t> CountUsersWithRole(Role role, spi::LockMode lock) override;
  Result<std::vector<spi::UserRecord>> ListUsers(const spi::UserFilter& filter) override;

  Status PutCode(const spi::OneTimeCodeRecord& code) override;
  Result<spi::OneTimeCodeRecord> FindCode(std::string_view user_id, spi::CodePurpose purpose,
                                          spi::LockMode lock) override;
  Status DeleteCode(std::string_view user_id, spi::CodePurpose purpose) override;

  Status InsertSession(const spi::SessionRecord& session) override;
  Result<spi::SessionRecord> FindSession(std::string_view id, spi::LockMode lock) override;
  Result<std::vector<spi::SessionRecord>> FindSessionsByIds(
      std::span<const std::string> ids) override;
  Status RevokeSession(std::string_view id, Timestamp at, std::string_view reason) override;
  // Revokes the sessions of the user not revoked yet (expired ones included) and counts them.
  Result<std::int64_t> RevokeSessionsOfUser(std::string_view user_id, Timestamp at,
                                            std::string_view reason) override;

  // A duplicate hash is kAlreadyExists (token_exists); an unknown session kNotFound
  // (session_not_found).
  Status InsertRefreshToken(const spi::RefreshTokenRecord& token) override;
  Result<spi::RefreshTokenRecord> FindRefreshToken(std::string_view token_hash,
                                                   spi::LockMode lock) override;
  // Records the first use only: marking an already used token again keeps the first time.
  // Errors: kNotFound (invalid_token) for an unknown hash.
  Status MarkRefreshTokenUsed(std::string_view token_hash, Timestamp at) override;

 private:
  Result<spi::UserRecord> FindUserWhere(std::string_view operation, std::string_view column,
                                        std::string_view value, spi::LockMode lock);

  TransactionContext& context_;
};

}  // namespace eventify::storage
