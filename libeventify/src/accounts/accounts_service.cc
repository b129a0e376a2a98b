#include "accounts/accounts_service.h"

#include <fmt/format.h>

#include "accounts/throttle.h"
#include "accounts/validation.h"
#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "crypto/sodium.h"
#include "eventify/admin.h"
#include "eventify/spi/admin_store.h"
#include "mail/templates.h"
#include "media/uploaded_image.h"

namespace eventify::accounts {
namespace {

using spi::CodePurpose;
using spi::LockMode;
using spi::OneTimeCodeRecord;
using spi::RefreshTokenRecord;
using spi::SessionRecord;
using spi::Transaction;
using spi::TransactionMode;
using spi::UserRecord;

constexpr std::size_t kRefreshTokenBytes = 32;

std::string_view PurposeName(CodePurpose purpose) {
  return purpose == CodePurpose::kVerifyEmail ? "verify_email" : "reset_password";
}

Status InvalidCredentials() {
  return Unauthenticated("invalid_credentials", "the e-mail or password is not correct");
}

Status Blocked() {
  return PermissionDenied("account_blocked", "this account is blocked; contact support");
}

class AccountsServiceImpl final : public AccountsService {
 public:
  explicit AccountsServiceImpl(AccountsDependencies deps)
      : storage_(std::move(deps.storage)),
        mail_(std::move(deps.mail)),
        media_(std::move(deps.media_store)),
        clock_(std::move(deps.clock)),
        options_(std::move(deps.options)),
        hasher_(options_.password_hash_cost),
        tokens_(crypto::DeriveKey(deps.secret_key, "eventify/access-token/v1")),
        code_key_(crypto::DeriveKey(deps.secret_key, "eventify/one-time-code/v1")),
        throttle_(std::move(deps.attempts), options_, clock_) {}

  Result<User> Register(const Registration& registration) override {
    if (registration.role == Role::kAdmin) {
      return InvalidArgument("invalid_role", "register as attendee or organizer", "role");
    }
    return CreateAccount(registration, /*verified=*/false);
  }

  Result<User> CreateAdmin(const Registration& registration) override {
    Registration admin = registration;
    admin.role = Role::kAdmin;
    return CreateAccount(admin, /*verified=*/true);
  }

  Status VerifyEmail(const RequestContext& context, std::string_view email,
                     std::string_view code) override {
    EV_ASSIGN_OR_RETURN(const std::string normalized, NormalizeEmail(email));
    EV_ASSIGN_OR_RETURN(
        PendingGuess guess,
        throttle_.BeginGuess(PurposeName(CodePurpose::kVerifyEmail), normalized, context));
    Status outcome;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      auto& repo = tx.accounts();
      EV_ASSIGN_OR_RETURN(auto user, FindCodeHolder(repo, normalized, outcome));
      if (!user) return Status::Ok();
      if (user->email_verified) {
        outcome = FailedPrecondition("already_verified", "this e-mail address is already verified");
        return Status::Ok();
      }
      EV_RETURN_IF_ERROR(ConsumeCode(tx, user->id, CodePurpose::kVerifyEmail, code, outcome));
      if (!outcome.ok()) return Status::Ok();  // commit the spent attempt, report the failure
      user->email_verified = true;
      user->updated_at = clock_->Now();
      return repo.UpdateUser(*user);
    }));
    Settle(guess, outcome);
    return outcome;
  }

  Status ResendVerification(const RequestContext& context, std::string_view email) override {
    return MailCode(context, email, CodePurpose::kVerifyEmail,
                    [](const UserRecord& user) { return !user.email_verified; });
  }

  Result<TokenPair> Login(const RequestContext& context, std::string_view email,
                          std::string_view password) override {
    auto normalized = NormalizeEmail(email);
    if (!normalized.ok() || password.size() > kMaxPasswordBytes) {
      hasher_.VerifyAgainstDummy(password);
      return InvalidCredentials();
    }
    EV_ASSIGN_OR_RETURN(PendingGuess guess, throttle_.BeginGuess("login", *normalized, context));
    // Read, then verify the password outside any transaction: argon2id takes tens of
    // milliseconds and must not hold a database connection, let alone the writer.
    UserRecord user;
    Status found = storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(user, tx.accounts().FindUserByEmail(*normalized, LockMode::kNone));
      return Status::Ok();
    });
    if (!found.ok() && found.code() != StatusCode::kNotFound) return found;
    EV_RETURN_IF_ERROR(SettlePassword(guess, found.ok() ? &user : nullptr, password));
    // State checks come after the password so they reveal nothing to someone without it.
    if (user.blocked) return Blocked();
    if (!user.email_verified) {
      return FailedPrecondition("email_not_verified",
                                "verify your e-mail address with the code we sent first");
    }
    std::optional<std::string> new_hash;
    if (hasher_.NeedsRehash(user.password_hash)) {
      auto rehashed = hasher_.Hash(password);
      if (rehashed.ok()) new_hash = std::move(rehashed).value();
    }
    TokenPair pair;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      auto& repo = tx.accounts();
      EV_ASSIGN_OR_RETURN(UserRecord current, repo.FindUserById(user.id, LockMode::kForUpdate));
      // The account may have been blocked or its password changed since the read above.
      if (current.blocked) return Blocked();
      if (current.password_hash != user.password_hash) return InvalidCredentials();
      const Timestamp now = clock_->Now();
      if (new_hash) {
        current.password_hash = *new_hash;
        current.updated_at = now;
        EV_RETURN_IF_ERROR(repo.UpdateUser(current));
      }
      EV_ASSIGN_OR_RETURN(const SessionRecord session, InsertSession(repo, current, now));
      EV_ASSIGN_OR_RETURN(pair, IssueTokens(tx, current, session, now));
      return Status::Ok();
    }));
    return pair;
  }

  Result<TokenPair> Refresh(std::string_view refresh_token) override {
    const std::string token_hash = crypto::Sha256Hex(refresh_token);
    TokenPair pair;
    Status outcome;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      outcome = Status::Ok();
      auto& repo = tx.accounts();
      auto token = repo.FindRefreshToken(token_hash, LockMode::kForUpdate);
      if (!token.ok()) {
        if (token.status().code() != StatusCode::kNotFound) return token.status();
        outcome = Unauthenticated("invalid_token", "the refresh token is not valid");
        return Status::Ok();
      }
      EV_ASSIGN_OR_RETURN(SessionRecord session,
                          repo.FindSession(token->session_id, LockMode::kForUpdate));
      const Timestamp now = clock_->Now();
      EV_ASSIGN_OR_RETURN(UserRecord user, repo.FindUserById(session.user_id, LockMode::kNone));
      // Blocking also revokes the sessions; the block is the reason to report.
      if (user.blocked) {
        outcome = Blocked();
        return Status::Ok();
      }
      if (session.revoked_at) {
        outcome = Unauthenticated("session_revoked", "this session has ended; log in again");
        return Status::Ok();
      }
      if (token->used_at) {
        // A second use of a rotated token means someone holds a copy: end the whole family so
        // that neither the thief nor the owner can continue with it.
        EV_RETURN_IF_ERROR(repo.RevokeSession(session.id, now, "token_reused"));
        outcome = Unauthenticated("token_reused",
                                  "this refresh token was already used; the session is revoked");
        return Status::Ok();
      }
      if (now >= token->expires_at || now >= session.expires_at) {
        outcome = Unauthenticated("token_expired", "the refresh token has expired; log in again");
        return Status::Ok();
      }
      EV_RETURN_IF_ERROR(repo.MarkRefreshTokenUsed(token_hash, now));
      EV_ASSIGN_OR_RETURN(pair, IssueTokens(tx, user, session, now));
      return Status::Ok();
    }));
    if (!outcome.ok()) return outcome;
    return pair;
  }

  Status Logout(std::string_view refresh_token) override {
    const std::string token_hash = crypto::Sha256Hex(refresh_token);
    return storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      auto token = tx.accounts().FindRefreshToken(token_hash, LockMode::kNone);
      if (!token.ok()) {
        return token.status().code() == StatusCode::kNotFound
                   ? Unauthenticated("invalid_token", "the refresh token is not valid")
                   : token.status();
      }
      return tx.accounts().RevokeSession(token->session_id, clock_->Now(), "logout");
    });
  }

  Status LogoutAccessToken(std::string_view access_token) override {
    const Timestamp now = clock_->Now();
    EV_ASSIGN_OR_RETURN(const AccessClaims claims, tokens_.Verify(access_token, now));
    return storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      return tx.accounts().RevokeSession(claims.session_id, now, "logout");
    });
  }

  Result<Principal> Authenticate(std::string_view access_token) override {
    const Timestamp now = clock_->Now();
    EV_ASSIGN_OR_RETURN(const AccessClaims claims, tokens_.Verify(access_token, now));
    Principal principal;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      auto session = tx.accounts().FindSession(claims.session_id, LockMode::kNone);
      if (!session.ok() || session->user_id != claims.user_id) {
        return session.ok() || session.status().code() == StatusCode::kNotFound
                   ? Unauthenticated("invalid_token", "the access token is not valid")
                   : session.status();
      }
      auto user = tx.accounts().FindUserById(claims.user_id, LockMode::kNone);
      if (!user.ok()) {
        return user.status().code() == StatusCode::kNotFound
                   ? Unauthenticated("invalid_token", "the access token is not valid")
                   : user.status();
      }
      // Blocking also revokes the sessions; the block is the reason to report.
      if (user->blocked) return Blocked();
      if (session->revoked_at) {
        return Unauthenticated("session_revoked", "this session has ended; log in again");
      }
      // The role is read from the account, not the token, so a role change applies at once.
      principal = Principal{user->id, user->role, session->id};
      return Status::Ok();
    }));
    return principal;
  }

  Status RequestPasswordReset(const RequestContext& context, std::string_view email) override {
    return MailCode(context, email, CodePurpose::kResetPassword,
                    [](const UserRecord& user) { return user.email_verified && !user.blocked; });
  }

  Status ResetPassword(const RequestContext& context, std::string_view email, std::string_view code,
                       std::string_view new_password) override {
    EV_ASSIGN_OR_RETURN(const std::string normalized, NormalizeEmail(email));
    EV_RETURN_IF_ERROR(CheckPasswordPolicy(new_password, normalized, "new_password"));
    EV_ASSIGN_OR_RETURN(
        PendingGuess guess,
        throttle_.BeginGuess(PurposeName(CodePurpose::kResetPassword), normalized, context));
    EV_ASSIGN_OR_RETURN(const std::string new_hash, hasher_.Hash(new_password));
    Status outcome;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      auto& repo = tx.accounts();
      EV_ASSIGN_OR_RETURN(auto user, FindCodeHolder(repo, normalized, outcome));
      if (!user) return Status::Ok();
      EV_RETURN_IF_ERROR(ConsumeCode(tx, user->id, CodePurpose::kResetPassword, code, outcome));
      if (!outcome.ok()) return Status::Ok();
      const Timestamp now = clock_->Now();
      user->password_hash = new_hash;
      user->updated_at = now;
      EV_RETURN_IF_ERROR(repo.UpdateUser(*user));
      return repo.RevokeSessionsOfUser(user->id, now, "password_reset").status();
    }));
    Settle(guess, outcome);
    return outcome;
  }

  Status ChangePassword(const Principal& principal, std::string_view current_password,
                        std::string_view new_password) override {
    EV_ASSIGN_OR_RETURN(UserRecord user, LoadUser(principal.user_id));
    if (current_password.size() > kMaxPasswordBytes ||
        !hasher_.Verify(user.password_hash, current_password)) {
      return InvalidCredentials();
    }
    EV_RETURN_IF_ERROR(CheckPasswordPolicy(new_password, user.email, "new_password"));
    if (new_password == current_password) {
      return InvalidArgument("same_password", "choose a password different from the current one",
                             "new_password");
    }
    EV_ASSIGN_OR_RETURN(const std::string new_hash, hasher_.Hash(new_password));
    return storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      auto& repo = tx.accounts();
      EV_ASSIGN_OR_RETURN(UserRecord current, repo.FindUserById(user.id, LockMode::kForUpdate));
      if (current.password_hash != user.password_hash) {
        return Aborted("password_changed_concurrently", "the password changed meanwhile; retry");
      }
      const Timestamp now = clock_->Now();
      current.password_hash = new_hash;
      current.updated_at = now;
      EV_RETURN_IF_ERROR(repo.UpdateUser(current));
      return repo.RevokeSessionsOfUser(current.id, now, "password_changed").status();
    });
  }

  Result<User> GetProfile(const Principal& principal) override {
    if (!IsAllowed(principal.role, Action::kReadOwnProfile)) return Forbidden();
    EV_ASSIGN_OR_RETURN(const UserRecord user, LoadUser(principal.user_id));
    return ToUser(user);
  }

  Result<User> UpdateProfile(const Principal& principal, const ProfileUpdate& update) override {
    if (!IsAllowed(principal.role, Action::kUpdateOwnProfile)) return Forbidden();
    std::optional<std::string> full_name;
    if (update.full_name) {
      EV_ASSIGN_OR_RETURN(full_name, NormalizeFullName(*update.full_name));
    }
    return MutateUser(principal.user_id, [&](UserRecord& user, spi::AccountRepository&) {
      if (full_name) user.full_name = *full_name;
      return Status::Ok();
    });
  }

  Result<User> SetAvatar(const Principal& principal, std::string_view bytes) override {
    if (!IsAllowed(principal.role, Action::kUpdateOwnProfile)) return Forbidden();
    EV_ASSIGN_OR_RETURN(const media::UploadedImage image,
                        media::CheckUploadedImage(bytes, options_.avatar_max_bytes, "avatar",
                                                  "avatar_too_large"));
    // A fresh key per upload: caches never serve a stale picture, and the old object is removed
    // only after the database points at the new one.
    const std::string key =
        fmt::format("avatars/{}-{}.{}", principal.user_id,
                    crypto::HexEncode(crypto::RandomBytes(8)), image.extension);
    EV_RETURN_IF_ERROR(
        media_->Put(key, spi::MediaObject{std::string(image.content_type), std::string(bytes)}));
    std::optional<std::string> previous_key;
    auto updated = MutateUser(principal.user_id, [&](UserRecord& user, spi::AccountRepository&) {
      previous_key = user.avatar_key;
      user.avatar_key = key;
      return Status::Ok();
    });
    if (!updated.ok()) {
      media_->Remove(key).IgnoreError();  // nothing references it
      return updated.status();
    }
    if (previous_key) media_->Remove(*previous_key).IgnoreError();  // best effort cleanup
    return updated;
  }

  Result<User> GetUser(const Principal& principal, std::string_view user_id) override {
    if (!IsAllowed(principal.role, Action::kReadAnyUser)) return Forbidden();
    EV_ASSIGN_OR_RETURN(const UserRecord user, LoadUser(user_id));
    return ToUser(user);
  }

  Result<User> SetBlocked(const Principal& principal, std::string_view user_id,
                          bool blocked) override {
    if (!IsAllowed(principal.role, Action::kBlockUser)) return Forbidden();
    if (principal.user_id == user_id) return CannotModifySelf();
    std::optional<AuditEntry> audit;
    return MutateUser(
        user_id,
        [&](UserRecord& user, spi::AccountRepository&) {
          if (user.blocked != blocked) {
            audit = Audit(principal, blocked ? AuditAction::kBlockUser : AuditAction::kUnblockUser,
                          user.id, user.blocked ? "true" : "false", blocked ? "true" : "false");
          }
          user.blocked = blocked;
          return Status::Ok();
        },
        blocked ? "blocked" : "", &audit);
  }

  Result<User> SetRole(const Principal& principal, std::string_view user_id, Role role) override {
    if (!IsAllowed(principal.role, Action::kChangeRole)) return Forbidden();
    if (principal.user_id == user_id) return CannotModifySelf();
    std::optional<AuditEntry> audit;
    return MutateUser(
        user_id,
        [&](UserRecord& user, spi::AccountRepository& repo) -> Status {
          if (user.role != role) {
            audit = Audit(principal, AuditAction::kChangeRole, user.id, RoleName(user.role),
                          RoleName(role));
          }
          if (user.role == Role::kAdmin && role != Role::kAdmin) {
            // Locking every admin serialises concurrent demotions: the second one counts again.
            EV_ASSIGN_OR_RETURN(const std::int64_t admins,
                                repo.CountUsersWithRole(Role::kAdmin, LockMode::kForUpdate));
            if (admins <= 1) {
              return FailedPrecondition("last_admin",
                                        "this is the only admin; make another user admin first");
            }
          }
          user.role = role;
          return Status::Ok();
        },
        "", &audit);
  }

  Result<User> FindUserByEmail(const Principal& principal, std::string_view email) override {
    if (!IsAllowed(principal.role, Action::kReadAnyUser)) return Forbidden();
    EV_ASSIGN_OR_RETURN(const std::string normalized, NormalizeEmail(email));
    EV_ASSIGN_OR_RETURN(const UserRecord user, LoadUserWhere([&](spi::AccountRepository& repo) {
                          return repo.FindUserByEmail(normalized, LockMode::kNone);
                        }));
    return ToUser(user);
  }

  Result<UserPage> ListUsers(const Principal& principal, const UserQuery& query) override {
    if (!IsAllowed(principal.role, Action::kReadAnyUser)) return Forbidden();
    EV_RETURN_IF_ERROR(CheckPageLimit(query.limit));
    EV_RETURN_IF_ERROR(CheckSearchText(query.email, "email"));
    EV_RETURN_IF_ERROR(CheckSearchText(query.name, "name"));
    EV_ASSIGN_OR_RETURN(const auto before, DecodePageCursor(query.cursor));
    const spi::UserFilter filter{.email_contains = query.email,
                                 .name_contains = query.name,
                                 .role = query.role,
                                 .blocked = query.blocked,
                                 .email_verified = query.email_verified,
                                 .before = before,
                                 .limit = query.limit + 1};  // one more: is there another page?
    std::vector<UserRecord> rows;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(rows, tx.accounts().ListUsers(filter));
      return Status::Ok();
    }));
    UserPage page;
    page.next_cursor = TrimPage(rows, query.limit, [](const UserRecord& user) {
      return spi::Keyset{user.created_at, user.id};
    });
    for (const UserRecord& row : rows) page.items.push_back(ToUser(row));
    return page;
  }

  Result<TokenPair> OpenSession(Transaction& tx, const UserRecord& user) override {
    const Timestamp now = clock_->Now();
    EV_ASSIGN_OR_RETURN(const SessionRecord session, InsertSession(tx.accounts(), user, now));
    return IssueTokens(tx, user, session, now);
  }

  Status ProvePassword(const RequestContext& context, const UserRecord& user,
                       std::string_view password) override {
    EV_ASSIGN_OR_RETURN(PendingGuess guess, throttle_.BeginGuess("login", user.email, context));
    return SettlePassword(guess, password.size() > kMaxPasswordBytes ? nullptr : &user, password);
  }

  User ToPublicUser(const UserRecord& user) const override { return ToUser(user); }

 private:
  // Checks `password` against `user`'s and settles `guess` by the verdict. Without a user, or for
  // an account without a password, a dummy check takes as long and fails.
  Status SettlePassword(PendingGuess& guess, const UserRecord* user,
                        std::string_view password) const {
    if (user == nullptr || user->password_hash.empty()) {
      hasher_.VerifyAgainstDummy(password);
      guess.Wrong();
      return InvalidCredentials();
    }
    if (!hasher_.Verify(user->password_hash, password)) {
      guess.Wrong();
      return InvalidCredentials();
    }
    guess.Right();
    return Status::Ok();
  }

  Result<SessionRecord> InsertSession(spi::AccountRepository& repo, const UserRecord& user,
                                      Timestamp now) {
    SessionRecord session;
    session.id = NewId(now);
    session.user_id = user.id;
    session.created_at = now;
    session.expires_at = now + options_.session_max_age;
    EV_RETURN_IF_ERROR(repo.InsertSession(session));
    return session;
  }

  // The account a one-time code sent to `email` belongs to, locked. An unknown address answers
  // like an address without a code (so that addresses cannot be probed): no account, and
  // `outcome` set to no_pending_code.
  static Result<std::optional<UserRecord>> FindCodeHolder(spi::AccountRepository& repo,
                                                          const std::string& email,
                                                          Status& outcome) {
    auto user = repo.FindUserByEmail(email, LockMode::kForUpdate);
    if (user.ok()) return std::optional<UserRecord>(std::move(user).value());
    if (user.status().code() != StatusCode::kNotFound) return user.status();
    outcome = NoPendingCode();
    return std::optional<UserRecord>();
  }

  // A code check's verdict decides its guess: the right code forgets the pair's failures, any
  // other verdict counts.
  static void Settle(PendingGuess& guess, const Status& verdict) {
    if (verdict.ok()) {
      guess.Right();
    } else {
      guess.Wrong();
    }
  }

  static Status NoPendingCode() {
    return NotFound("no_pending_code", "no code is pending for this address; request a new one");
  }
  static Status Forbidden() {
    return PermissionDenied("forbidden", "your role does not allow this");
  }
  static Status CannotModifySelf() {
    return FailedPrecondition("cannot_modify_self", "admins cannot block or re-role themselves");
  }
  static Status UserNotFound() { return NotFound("user_not_found", "no such user"); }

  Result<User> CreateAccount(const Registration& registration, bool verified) {
    EV_ASSIGN_OR_RETURN(const std::string email, NormalizeEmail(registration.email));
    EV_RETURN_IF_ERROR(CheckPasswordPolicy(registration.password, email, "password"));
    EV_ASSIGN_OR_RETURN(const std::string full_name, NormalizeFullName(registration.full_name));
    EV_ASSIGN_OR_RETURN(const std::string hash, hasher_.Hash(registration.password));
    UserRecord user;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      const Timestamp now = clock_->Now();
      user = UserRecord{};
      user.id = NewId(now);
      user.email = email;
      user.password_hash = hash;
      user.full_name = full_name;
      user.role = registration.role;
      user.email_verified = verified;
      user.created_at = now;
      user.updated_at = now;
      EV_RETURN_IF_ERROR(tx.accounts().InsertUser(user));
      return verified ? Status::Ok() : IssueCode(tx, user, CodePurpose::kVerifyEmail);
    }));
    if (!verified) mail_->NotifyCommitted();
    return ToUser(user);
  }

  // Issues a code of `purpose` to the account of `email` when `eligible` says it should get one,
  // with its mail in the same transaction (the outbox). Every other address (unknown, or not
  // eligible) goes through the same send rule in the throttle instead, so that all addresses
  // get the same answers and accounts cannot be probed.
  template <typename Eligible>
  Status MailCode(const RequestContext& context, std::string_view email, CodePurpose purpose,
                  Eligible&& eligible) {
    EV_ASSIGN_OR_RETURN(const std::string normalized, NormalizeEmail(email));
    EV_RETURN_IF_ERROR(throttle_.CountMailRequest(context));
    bool issued = false;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      auto user = tx.accounts().FindUserByEmail(normalized, LockMode::kForUpdate);
      issued = user.ok() && eligible(*user);
      if (!user.ok() && user.status().code() != StatusCode::kNotFound) return user.status();
      if (!issued) return Status::Ok();
      return IssueCode(tx, *user, purpose);
    }));
    if (!issued) return throttle_.CountUnsentCode(PurposeName(purpose), normalized);
    mail_->NotifyCommitted();
    return Status::Ok();
  }

  // Creates (or replaces) the code of (user, purpose) under the resend throttle and writes its
  // e-mail to the outbox in `tx`, not worth sending once the code has expired. The caller calls
  // mail_->NotifyCommitted() after the commit.
  // Errors: kResourceExhausted resend_throttled.
  Status IssueCode(Transaction& tx, const UserRecord& user, CodePurpose purpose) {
    auto& repo = tx.accounts();
    const Timestamp now = clock_->Now();
    AttemptWindow sent;
    auto existing = repo.FindCode(user.id, purpose, LockMode::kForUpdate);
    if (existing.ok()) {
      sent.count = existing->sends_in_window;
      sent.started_at = existing->window_started_at;
      sent.last_at = existing->last_sent_at;
    } else if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status();
    }
    const Duration wait = CodeSendWait(sent, now, options_);
    if (wait > Duration::zero()) return ResendThrottled(wait);
    CountCodeSend(sent, now, options_);
    OneTimeCodeRecord record;
    record.user_id = user.id;
    record.purpose = purpose;
    record.window_started_at = sent.started_at;
    record.sends_in_window = sent.count;
    record.last_sent_at = sent.last_at;
    const std::string code = fmt::format("{:06}", crypto::RandomUniform(1000000));
    record.code_hash = HashCode(user.id, purpose, code);
    record.expires_at = now + options_.code_ttl;
    record.attempts_left = options_.code_max_attempts;
    EV_RETURN_IF_ERROR(repo.PutCode(record));

    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(options_.code_ttl);
    const mail::CodeMailValues values{user.email, options_.product_name, user.full_name, code,
                                      minutes.count()};
    return mail_->Add(tx,
                      purpose == CodePurpose::kVerifyEmail ? mail::VerificationCodeMail(values)
                                                           : mail::PasswordResetCodeMail(values),
                      record.expires_at);
  }

  // Checks `code` against the live code of (user, purpose) and puts the verdict in `verdict`. A
  // wrong code spends one attempt; the last attempt kills the code. The caller commits even when
  // the verdict is a failure, so that spent attempts are kept; the returned Status is only for
  // storage failures.
  Status ConsumeCode(Transaction& tx, const std::string& user_id, CodePurpose purpose,
                     std::string_view code, Status& verdict) {
    auto& repo = tx.accounts();
    auto record = repo.FindCode(user_id, purpose, LockMode::kForUpdate);
    if (!record.ok()) {
      if (record.status().code() != StatusCode::kNotFound) return record.status();
      verdict = NoPendingCode();
      return Status::Ok();
    }
    if (record->attempts_left <= 0) {
      verdict = TooManyAttempts();
      return Status::Ok();
    }
    if (clock_->Now() >= record->expires_at) {
      verdict =
          FailedPrecondition("code_expired", "the code has expired; request a new one", "code");
      return Status::Ok();
    }
    const bool match = IsWellFormedCode(code) &&
                       crypto::ConstantTimeEquals(record->code_hash,
                                                  HashCode(user_id, purpose, code));
    if (!match) {
      record->attempts_left -= 1;
      EV_RETURN_IF_ERROR(repo.PutCode(*record));
      verdict = record->attempts_left <= 0
                    ? TooManyAttempts()
                    : InvalidArgument("invalid_code",
                                      fmt::format("the code is not correct; {} tries left",
                                                  record->attempts_left),
                                      "code");
      return Status::Ok();
    }
    verdict = Status::Ok();
    return repo.DeleteCode(user_id, purpose);
  }

  static Status TooManyAttempts() {
    return FailedPrecondition("too_many_attempts",
                              "too many wrong codes; request a new code", "code");
  }

  std::string HashCode(std::string_view user_id, CodePurpose purpose, std::string_view code) const {
    return crypto::HexEncode(crypto::HmacSha256(
        code_key_, fmt::format("{}|{}|{}", user_id, PurposeName(purpose), code)));
  }

  Result<TokenPair> IssueTokens(Transaction& tx, const UserRecord& user,
                                const SessionRecord& session, Timestamp now) {
    RefreshTokenRecord record;
    const std::string refresh = crypto::Base64UrlEncode(crypto::RandomBytes(kRefreshTokenBytes));
    record.token_hash = crypto::Sha256Hex(refresh);
    record.session_id = session.id;
    record.issued_at = now;
    record.expires_at = std::min(now + options_.refresh_token_ttl, session.expires_at);
    EV_RETURN_IF_ERROR(tx.accounts().InsertRefreshToken(record));

    AccessClaims claims;
    claims.user_id = user.id;
    claims.session_id = session.id;
    claims.role = user.role;
    claims.issued_at = std::chrono::floor<std::chrono::seconds>(now);
    claims.expires_at = claims.issued_at + options_.access_token_ttl;
    TokenPair pair;
    pair.access_token = tokens_.Sign(claims);
    pair.access_expires_at = claims.expires_at;
    pair.refresh_token = refresh;
    pair.refresh_expires_at = record.expires_at;
    pair.user = ToUser(user);
    return pair;
  }

  Result<UserRecord> LoadUser(std::string_view user_id) {
    return LoadUserWhere(
        [&](spi::AccountRepository& repo) { return repo.FindUserById(user_id, LockMode::kNone); });
  }

  // The user `find(repo)` reads in a read-only transaction; a miss is user_not_found.
  template <typename Find>
  Result<UserRecord> LoadUserWhere(Find&& find) {
    UserRecord user;
    Status status = storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(user, find(tx.accounts()));
      return Status::Ok();
    });
    if (status.code() == StatusCode::kNotFound) return UserNotFound();
    if (!status.ok()) return status;
    return user;
  }

  // A part of an address or name to search for: longer than any address is a mistake.
  static Status CheckSearchText(std::string_view text, std::string_view field) {
    if (text.size() <= kMaxEmailLength) return Status::Ok();
    return InvalidArgument("search_too_long",
                           fmt::format("'{}' may be at most {} bytes", field, kMaxEmailLength),
                           std::string(field));
  }

  // An admin's change of `user` by `principal`, for the audit log; its id and time are set by
  // MutateUser in the change's transaction.
  static AuditEntry Audit(const Principal& principal, AuditAction action, const std::string& user,
                          std::string_view from, std::string_view to) {
    AuditEntry entry;
    entry.actor_id = principal.user_id;
    entry.action = action;
    entry.target_user_id = user;
    entry.from = std::string(from);
    entry.to = std::string(to);
    return entry;
  }

  // Locks the user, applies `change(user, repo)` (which may read more in the same transaction),
  // stamps updated_at and saves; with a revoke reason, also ends every session of the user in the
  // same transaction.
  // `audit`, when given, is what `change` set it to (nothing when it changed nothing): it is
  // written in the same commit (eventify/admin.h). `change` runs again when the transaction is
  // retried, and sets it again.
  template <typename Change>
  Result<User> MutateUser(std::string_view user_id, Change&& change,
                          std::string_view revoke_reason = "",
                          std::optional<AuditEntry>* audit = nullptr) {
    UserRecord user;
    Status status = storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      auto& repo = tx.accounts();
      if (audit != nullptr) audit->reset();
      EV_ASSIGN_OR_RETURN(user, repo.FindUserById(user_id, LockMode::kForUpdate));
      EV_RETURN_IF_ERROR(change(user, repo));
      const Timestamp now = clock_->Now();
      user.updated_at = now;
      EV_RETURN_IF_ERROR(repo.UpdateUser(user));
      if (audit != nullptr && audit->has_value()) {
        AuditEntry& entry = **audit;
        entry.id = NewId(now);
        entry.created_at = now;
        EV_RETURN_IF_ERROR(tx.store<spi::AdminStore>()->InsertAuditEntry(entry));
      }
      if (!revoke_reason.empty()) {
        EV_RETURN_IF_ERROR(repo.RevokeSessionsOfUser(user.id, now, revoke_reason).status());
      }
      return Status::Ok();
    });
    if (status.code() == StatusCode::kNotFound) return UserNotFound();
    if (!status.ok()) return status;
    return ToUser(user);
  }

  User ToUser(const UserRecord& record) const {
    User user;
    user.id = record.id;
    user.email = record.email;
    user.full_name = record.full_name;
    user.role = record.role;
    user.email_verified = record.email_verified;
    user.blocked = record.blocked;
    if (record.avatar_key) user.avatar_url = media_->UrlFor(*record.avatar_key);
    user.created_at = record.created_at;
    user.updated_at = record.updated_at;
    return user;
  }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<const mail::MailJobs> mail_;
  const std::shared_ptr<spi::MediaStore> media_;
  const std::shared_ptr<spi::Clock> clock_;
  const AccountsOptions options_;
  const PasswordHasher hasher_;
  const AccessTokenCodec tokens_;
  const std::string code_key_;
  Throttle throttle_;
};

}  // namespace

std::unique_ptr<AccountsService> MakeAccountsService(AccountsDependencies dependencies) {
  return std::make_unique<AccountsServiceImpl>(std::move(dependencies));
}

}  // namespace eventify::accounts
