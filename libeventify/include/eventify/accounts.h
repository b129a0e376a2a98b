// Accounts: registration with e-mail verification, login with access and refresh tokens, password
// reset, profiles and avatars, roles and blocking.
//
// Obtained from Engine::accounts(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any number of threads.
// Calls block on storage and on password hashing (tens of milliseconds by design), so never call
// them on a network I/O thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

enum class Role : int { kAttendee = 0, kOrganizer = 1, kAdmin = 2 };

EVENTIFY_EXPORT std::string_view RoleName(Role role);  // "attendee", "organizer", "admin"
EVENTIFY_EXPORT Result<Role> ParseRole(std::string_view name);

// What a client may see of an account.
struct User {
  std::string id;
  std::string email;  // normalised: trimmed, lower-case
  std::string full_name;
  Role role = Role::kAttendee;
  bool email_verified = false;
  bool blocked = false;
  std::optional<std::string> avatar_url;
  Timestamp created_at;
  Timestamp updated_at;
};

// The authenticated caller of an operation, produced by Accounts::Authenticate from an access
// token. Cheap to copy.
struct Principal {
  std::string user_id;
  Role role = Role::kAttendee;
  std::string session_id;  // the refresh-token family the access token belongs to
};

// The operator of a command-line program run with the server's own configuration: acts with the
// admin role without an account of its own. Only for such programs; never build one from what
// a network client sent.
EVENTIFY_EXPORT Principal OperatorPrincipal();

// What the host knows of where an unauthenticated request comes from. Guessing (passwords, e-mailed
// codes) and requests for code e-mails are throttled per client address as well as per account;
// an empty address is throttled per account only.
struct RequestContext {
  std::string client_address;  // the peer's IP address as text, e.g. "203.0.113.7"
};

struct Registration {
  std::string email;
  std::string password;
  std::string full_name;
  Role role = Role::kAttendee;  // kAdmin is refused: admins are created with CreateAdmin
};

struct TokenPair {
  std::string access_token;   // signed (HS256 only), short-lived
  Timestamp access_expires_at;
  std::string refresh_token;  // opaque, single use: each refresh returns a new one
  Timestamp refresh_expires_at;
  User user;
};

struct ProfileUpdate {
  std::optional<std::string> full_name;
};

// Which users Accounts::ListUsers returns; every condition given must hold.
struct UserQuery {
  std::string email;  // part of the address, anywhere in it; empty: any address
  std::string name;   // part of the full name, anywhere in it; empty: any name
  std::optional<Role> role;
  std::optional<bool> blocked;
  std::optional<bool> email_verified;
  std::string cursor;  // from a previous page; empty for the first
  int limit = 20;      // 1–100
};

struct UserPage {
  std::vector<User> items;  // newest account first
  std::string next_cursor;  // empty when there is nothing older
};

// Which action a principal attempts; the permission table in the library decides.
enum class Action : int {
  kReadOwnProfile,
  kUpdateOwnProfile,
  kReadAnyUser,
  kBlockUser,
  kChangeRole,
  kUseOrganizerWallet,
  kManageWithdrawals,
  kAuditLedger,
  kManageJobs,
  kReadAuditLog,       // the admins' audit log (eventify/admin.h)
  kReadPlatformMoney,  // the settlement overview, platform revenue, analytics (eventify/admin.h)
};

// The single permission table: true when `role` may perform `action`.
EVENTIFY_EXPORT bool IsAllowed(Role role, Action action);

class EVENTIFY_EXPORT Accounts {
 public:
  virtual ~Accounts() = default;

  // Creates an unverified account and e-mails a 6-digit verification code. Like every mail of the
  // engine, the mail is written as a job in the account's transaction and sent by the job workers
  // after the commit (eventify/jobs.h, kSendMailJob): no call here waits for, or fails because
  // of, the mailer.
  // Errors: kInvalidArgument (invalid_email, weak_password, invalid_full_name, invalid_role; with
  // field), kAlreadyExists (email_taken).
  virtual Result<User> Register(const Registration& registration) = 0;

  // Throttling (AccountsOptions::throttle): the operations below that take a RequestContext
  // answer kResourceExhausted with Status::retry_after() while the account, the client address or
  // the pair of both is locked. Failed guesses lock them; unknown addresses are counted like known
  // ones, so the throttle reveals nothing about which addresses are registered.

  // Verifies the e-mail address with the code sent by Register or ResendVerification.
  // Errors: kInvalidArgument (invalid_code; wrong code, tries remain), kFailedPrecondition
  // (code_expired, too_many_attempts, already_verified: a new code is needed or nothing to do),
  // kNotFound (no_pending_code), kResourceExhausted (attempts_throttled). Every failure counts as
  // a guess.
  virtual Status VerifyEmail(const RequestContext& context, std::string_view email,
                             std::string_view code) = 0;

  // Sends a fresh verification code, replacing the previous one, when the address belongs to an
  // unverified account. Every address (unknown, verified or not) gets the same answer and the
  // same throttle, so addresses cannot be probed.
  // Errors: kResourceExhausted (resend_throttled: per e-mail address, one code every
  // code_resend_interval and code_max_sends_per_hour an hour; attempts_throttled: too many
  // requests from the client address).
  virtual Status ResendVerification(const RequestContext& context, std::string_view email) = 0;

  // A successful login forgets the failures of its (account, address) pair.
  // Errors: kUnauthenticated (invalid_credentials), kFailedPrecondition (email_not_verified),
  // kPermissionDenied (account_blocked), kResourceExhausted (attempts_throttled).
  virtual Result<TokenPair> Login(const RequestContext& context, std::string_view email,
                                  std::string_view password) = 0;

  // Exchanges a refresh token for a new pair; the old refresh token stops working. Presenting a
  // refresh token that was already exchanged revokes its whole family (every token descended
  // from the same login), since it means the token was copied.
  // Errors: kUnauthenticated (invalid_token, token_expired, token_reused, session_revoked),
  // kPermissionDenied (account_blocked).
  virtual Result<TokenPair> Refresh(std::string_view refresh_token) = 0;

  // Revokes the session (refresh-token family) of this refresh token. Idempotent.
  // Errors: kUnauthenticated (invalid_token).
  virtual Status Logout(std::string_view refresh_token) = 0;
  // Revokes the session of this access token. Idempotent: a token whose session already ended,
  // or whose account is blocked, is accepted as long as it is ours and not expired.
  // Errors: kUnauthenticated (invalid_token, token_expired).
  virtual Status LogoutAccessToken(std::string_view access_token) = 0;

  // Checks an access token: signature, algorithm, expiry, that the account is not blocked and
  // that its session is not revoked (in that order: a blocked account's old token answers
  // account_blocked, though blocking also ended its sessions).
  // Errors: kUnauthenticated (invalid_token, token_expired, session_revoked),
  // kPermissionDenied (account_blocked).
  virtual Result<Principal> Authenticate(std::string_view access_token) = 0;

  // E-mails a password-reset code when the address belongs to a verified, unblocked account.
  // Every address gets the same answer and the same throttle, as for ResendVerification.
  // Errors: kResourceExhausted (resend_throttled, attempts_throttled).
  virtual Status RequestPasswordReset(const RequestContext& context, std::string_view email) = 0;

  // Sets a new password with the e-mailed code and revokes every session of the account.
  // Errors: as VerifyEmail for the code (attempts_throttled included), kInvalidArgument
  // (weak_password, which is checked first and is not a guess).
  virtual Status ResetPassword(const RequestContext& context, std::string_view email,
                               std::string_view code, std::string_view new_password) = 0;

  // Errors: kUnauthenticated (invalid_credentials) when current_password is wrong,
  // kInvalidArgument (weak_password, same_password). Every session of the account is revoked,
  // the caller's included: the client logs in again with the new password.
  virtual Status ChangePassword(const Principal& principal, std::string_view current_password,
                                std::string_view new_password) = 0;

  // Errors: kNotFound (user_not_found).
  virtual Result<User> GetProfile(const Principal& principal) = 0;
  // Errors: kInvalidArgument (invalid_full_name, field "full_name").
  virtual Result<User> UpdateProfile(const Principal& principal, const ProfileUpdate& update) = 0;

  // Replaces the avatar. The bytes must be a PNG, JPEG or WebP image within the configured size.
  // Errors: kPayloadTooLarge (avatar_too_large), kUnsupportedMediaType (unsupported_image),
  // kInvalidArgument (empty_image).
  virtual Result<User> SetAvatar(const Principal& principal, std::string_view bytes) = 0;

  // Admin operations. Errors: kPermissionDenied (forbidden), kNotFound (user_not_found),
  // kFailedPrecondition (cannot_modify_self). SetBlocked and SetRole write an AuditEntry
  // (eventify/admin.h) in the commit of each change they make.
  virtual Result<User> GetUser(const Principal& principal, std::string_view user_id) = 0;
  virtual Result<User> SetBlocked(const Principal& principal, std::string_view user_id,
                                  bool blocked) = 0;
  // Also kFailedPrecondition (last_admin): `user_id` is the only admin and `role` is not admin.
  // Two admins demoted at once cannot both succeed when that would leave none.
  virtual Result<User> SetRole(const Principal& principal, std::string_view user_id,
                               Role role) = 0;

  // The account with this address (normalised first). Admin only.
  // Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_email, field "email"),
  // kNotFound (user_not_found).
  virtual Result<User> FindUserByEmail(const Principal& principal, std::string_view email) = 0;

  // Users matching `query`, newest account first, a page at a time. E-mail and name parts match
  // without regard to the case of ASCII letters; '%' and '_' are plain characters. Admin only.
  // Errors: kPermissionDenied (forbidden), kInvalidArgument (invalid_limit, invalid_cursor,
  // search_too_long: an e-mail or name part over 254 bytes, field "email" or "name").
  virtual Result<UserPage> ListUsers(const Principal& principal, const UserQuery& query) = 0;

  // Creates a verified admin account. For the operator's command line, not for HTTP.
  // Errors: as Register.
  virtual Result<User> CreateAdmin(const Registration& registration) = 0;
};

}  // namespace eventify
