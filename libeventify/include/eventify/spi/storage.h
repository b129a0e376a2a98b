// Storage: the persistence interface the engine runs its domain rules on. Integrators may
// implement it for another database; tests/storage/ holds the conformance suite it must pass.
//
// Model: the engine opens a transaction with Storage::Run, reaches the domain repositories
// through the Transaction it is handed, and returns a Status. An OK status commits, anything else
// rolls back. Repositories are only valid inside the body that received them.
//
// Guarantees every implementation must give (the booking and ledger rules rely on them):
//  1. Atomicity and durability: when Run returns OK every write of the body is committed
//     durably; otherwise none of them is visible to anyone, ever.
//  2. Write isolation: a read made with LockMode::kForUpdate inside a kReadWrite transaction
//     returns the latest committed row and keeps every other transaction from changing that row
//     (or locking it) until this one ends. Rows read that way may be re-read and updated without
//     lost updates. SQLite gives this by serialising writers; PostgreSQL by row locks
//     (SELECT ... FOR UPDATE), which lock only the rows named, never the whole database.
//  3. Uniqueness rules (e-mail, token hashes) are enforced by the database, and a violation comes
//     back as kAlreadyExists from the write that broke it, not as kInternal.
//  4. Conflicts the database resolves by aborting (deadlock, serialization failure, busy) come
//     back as kAborted. Run retries the whole body a bounded number of times on kAborted, so a
//     body must have no side effects outside the transaction (send mail after Run returns).
//  5. kReadOnly transactions never block writers for long and see one consistent snapshot.
//
// Thread-safety: Storage::Run may be called from many threads at once; one Transaction and the
// repositories it hands out belong to the calling thread for the duration of the body.
//
// One store per area. Accounts, the ledger and wallets reach their repositories through the pure
// virtuals accounts(), ledger() and wallets(). Every area added since (jobs first) declares its
// store interface in a header of its own under spi/ with an identity,
// `static constexpr StoreArea kArea{"jobs"}`, and the body asks the transaction for it:
// `tx.store<JobStore>()`, which is nullptr when the storage has no such store. A storage
// announces the areas it serves with Supports(area), and Engine::Open refuses a storage that
// lacks one the engine needs (kFailedPrecondition storage_lacks_area, naming the area), so a body
// may assume the store is there. A new area thus adds a header and changes no existing interface:
// a storage written before it keeps compiling, and only an engine that needs the area refuses it.
// To serve an area, override Supports and FindStore (docs/storage-integrators.md).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/spi/keyset.h"
#include "eventify/spi/ledger_repository.h"
#include "eventify/spi/wallet_repository.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

enum class TransactionMode { kReadOnly, kReadWrite };

// The identity of an area's store: a stable lower-case name ("jobs", "accounts.maintenance").
// Each store interface declares its own as `static constexpr StoreArea kArea`.
class StoreArea {
 public:
  constexpr explicit StoreArea(std::string_view name) : name_(name) {}
  constexpr std::string_view name() const { return name_; }
  friend constexpr bool operator==(StoreArea a, StoreArea b) { return a.name_ == b.name_; }

 private:
  std::string_view name_;
};
enum class LockMode { kNone, kForUpdate };

// ---- Accounts ---------------------------------------------------------------------------------

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

class AccountRepository {
 public:
  virtual ~AccountRepository() = default;

  // Errors: kAlreadyExists (email_taken) when the e-mail is already used.
  virtual Status InsertUser(const UserRecord& user) = 0;
  // Overwrites every mutable column of an existing user. Errors: kNotFound (user_not_found).
  virtual Status UpdateUser(const UserRecord& user) = 0;
  // Errors: kNotFound (user_not_found).
  virtual Result<UserRecord> FindUserById(std::string_view id, LockMode lock) = 0;
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

// ---- Transactions -----------------------------------------------------------------------------

class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual AccountRepository& accounts() = 0;
  // Ledger accounts, transfers and entries (spi/ledger_repository.h).
  virtual LedgerRepository& ledger() = 0;
  // The gateway side of card top-ups (spi/wallet_repository.h).
  virtual WalletRepository& wallets() = 0;

  // The store of area S (S::kArea), valid for the body; nullptr when the storage has none.
  template <class S>
  S* store() {
    return static_cast<S*>(FindStore(S::kArea));
  }

 protected:
  // The store serving `area`, as a pointer to its interface type (the S of store<S>), or nullptr.
  virtual void* FindStore(StoreArea /*area*/) { return nullptr; }
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Runs body in one transaction (see the guarantees above) and returns its Status, or the
  // storage failure: kUnavailable when the database cannot be reached, kAborted when conflicts
  // persisted through every retry, kInternal for a failed statement.
  virtual Status Run(TransactionMode mode, const std::function<Status(Transaction&)>& body) = 0;

  // "sqlite" or "postgresql" for the SOCI implementation; informational.
  virtual std::string_view backend_name() const = 0;

  // How many read-write transactions are worth running at once: 1 where the database serialises
  // writers anyway (SQLite). The commit pipeline runs this many batches in flight by default.
  virtual int parallel_writers() const { return 1; }

  // The schema version the database is at after opening.
  virtual int schema_version() const = 0;

  // True when every transaction of this storage hands out the store of `area` (see "One store
  // per area" above). A storage that decorates another forwards this call.
  virtual bool Supports(StoreArea /*area*/) const { return false; }
};

}  // namespace eventify::spi
