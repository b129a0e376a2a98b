// AccountRepository: the accounts area's store — users, one-time codes, login sessions and refresh
// tokens, the rows behind eventify::Accounts. Handed out by Transaction::store<AccountRepository>()
// (or its shorthand tx.accounts()) of a storage that Supports(AccountRepository::kArea); every call
// runs inside the transaction whose body received it and is bound by the guarantees of
// spi/storage.h. Expired rows are removed through spi/account_maintenance_store.h.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/export.h"
#include "eventify/spi/keyset.h"
#include "eventify/spi/store_area.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

struct UserRecord {
  std::string id;
  std::string email;
  std::string password_hash;  // argon2id string as produced by libsodium
  std::string full_name;
  Role role = Role::kAttendee;
  bool email_verified = false;
  bool blocked = false;
  std::optional<std::string> avatar_key;
  Timestamp created_at;
  Timestamp updated_at;
};

enum class CodePurpose : int { kVerifyEmail = 0, kResetPassword = 1 };

// A one-time code e-mailed to a user; at most one live code per (user, purpose).
struct OneTimeCodeRecord {
  std::string user_id;
  CodePurpose purpose = CodePurpose::kVerifyEmail;
  std::string code_hash;  // keyed hash: the code itself is never stored
  Timestamp expires_at;
  int attempts_left = 0;
  Timestamp last_sent_at;      // for the resend throttle
  Timestamp window_started_at; // start of the current hourly sending window
  int sends_in_window = 0;
};

// A login session: the family of refresh tokens descended from one login.
struct SessionRecord {
  std::string id;
  std::string user_id;
  Timestamp created_at;
  Timestamp expires_at;  // absolute end of the family, whatever the rotations
  std::optional<Timestamp> revoked_at;
  std::string revoke_reason;  // "logout", "token_reused", "password_changed", ...
};

// Which users AccountRepository::ListUsers returns. Every condition set must hold.
struct UserFilter {
  // Substrings of the e-mail address and of the full name, matched without regard to the case of
  // ASCII letters; '%' and '_' are plain characters. Empty: no condition.
  std::string email_contains;
  std::string name_contains;
  std::optional<Role> role;
  std::optional<bool> blocked;
  std::optional<bool> email_verified;
  std::optional<Keyset> before;  // the page after this position (spi/keyset.h)
  int limit = 20;
};

struct RefreshTokenRecord {
  std::string token_hash;  // SHA-256 of the opaque token, hex
  std::string session_id;
  Timestamp issued_at;
  Timestamp expires_at;
  std::optional<Timestamp> used_at;  // set when exchanged; a second use is a reuse
};

namespace detail {

// What `find` answers for each distinct id of `ids`, in no particular order, leaving out the ids
// it answers kNotFound for; any other error ends the search. The defaults of the reads by many
// ids below, for a store that does not read them in one statement.
template <typename Record, typename Find>
Result<std::vector<Record>> FindEachDistinct(std::span<const std::string> ids, Find&& find) {
  std::vector<std::string_view> distinct(ids.begin(), ids.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<Record> found;
  for (std::string_view id : distinct) {
    Result<Record> one = find(id);
    if (one.ok()) {
      found.push_back(std::move(one).value());
    } else if (one.status().code() != StatusCode::kNotFound) {
      return one.status();
    }
  }
  return found;
}

}  // namespace detail

class EVENTIFY_EXPORT AccountRepository {
 public:
  static constexpr StoreArea kArea{"accounts"};

  virtual ~AccountRepository() = default;

  // Errors: kAlreadyExists (email_taken) when the e-mail is already used.
  virtual Status InsertUser(const UserRecord& user) = 0;
  // Overwrites every mutable column of an existing user. Errors: kNotFound (user_not_found).
  virtual Status UpdateUser(const UserRecord& user) = 0;
  // Errors: kNotFound (user_not_found).
  virtual Result<UserRecord> FindUserById(std::string_view id, LockMode lock) = 0;
  // The users among `ids` that exist, without locks, in no particular order; an id given twice
  // is returned once. The commit path reads the buyers of a whole batch of bookings with it. The
  // default calls FindUserById for each; a store may read them in one statement.
  virtual Result<std::vector<UserRecord>> FindUsersByIds(std::span<const std::string> ids) {
    return detail::FindEachDistinct<UserRecord>(
        ids, [this](std::string_view id) { return FindUserById(id, LockMode::kNone); });
  }
  // `email` must already be normalised. Errors: kNotFound (user_not_found).
  virtual Result<UserRecord> FindUserByEmail(std::string_view email, LockMode lock) = 0;
  // With kForUpdate the users counted stay locked (so that two transactions cannot both take
  // away what they each saw as the second-to-last admin).
  virtual Result<std::int64_t> CountUsersWithRole(Role role, LockMode lock) = 0;
  // Users matching `filter`, newest first (created_at DESC, id DESC), at most filter.limit of
  // them. Implementations page by keyset from an index on (created_at, id), never with OFFSET.
  virtual Result<std::vector<UserRecord>> ListUsers(const UserFilter& filter) = 0;

  // Inserts or replaces the code of (user_id, purpose).
  virtual Status PutCode(const OneTimeCodeRecord& code) = 0;
  // Errors: kNotFound (no_pending_code).
  virtual Result<OneTimeCodeRecord> FindCode(std::string_view user_id, CodePurpose purpose,
                                             LockMode lock) = 0;
  virtual Status DeleteCode(std::string_view user_id, CodePurpose purpose) = 0;

  virtual Status InsertSession(const SessionRecord& session) = 0;
  // Errors: kNotFound (session_not_found).
  virtual Result<SessionRecord> FindSession(std::string_view id, LockMode lock) = 0;
  // The sessions among `ids` that exist, without locks, in no particular order; an id given twice
  // is returned once. The chat hub checks the sessions of its open sockets with it, every few
  // seconds. The default calls FindSession for each; a store may read them in one statement.
  virtual Result<std::vector<SessionRecord>> FindSessionsByIds(std::span<const std::string> ids) {
    return detail::FindEachDistinct<SessionRecord>(
        ids, [this](std::string_view id) { return FindSession(id, LockMode::kNone); });
  }
  // Marks the session revoked unless it already is. Unknown ids are ignored.
  virtual Status RevokeSession(std::string_view id, Timestamp at, std::string_view reason) = 0;
  // Revokes every live session of the user; returns how many were revoked.
  virtual Result<std::int64_t> RevokeSessionsOfUser(std::string_view user_id, Timestamp at,
                                                    std::string_view reason) = 0;

  // Errors: kAlreadyExists when the hash is already present.
  virtual Status InsertRefreshToken(const RefreshTokenRecord& token) = 0;
  // Errors: kNotFound (invalid_token).
  virtual Result<RefreshTokenRecord> FindRefreshToken(std::string_view token_hash,
                                                      LockMode lock) = 0;
  virtual Status MarkRefreshTokenUsed(std::string_view token_hash, Timestamp at) = 0;
};

}  // namespace eventify::spi
