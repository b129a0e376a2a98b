#include "storage/soci/account_repository.h"

#include <soci/soci.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/native_statements.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/select_by_keys.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

// The words stored in the role and purpose columns. They are part of the schema: never change one,
// add new ones in a migration that widens the CHECK constraint. Roles are stored by their public
// names (eventify::RoleName, ParseRole).

std::string_view PurposeText(spi::CodePurpose purpose) {
  switch (purpose) {
    case spi::CodePurpose::kVerifyEmail:
      return "verify_email";
    case spi::CodePurpose::kResetPassword:
      return "reset_password";
  }
  return "invalid";  // rejected by the CHECK constraint
}

Status EmailTaken() {
  return AlreadyExists("email_taken", "an account with this e-mail address already exists",
                       "email");
}
Status UserNotFound() { return NotFound("user_not_found", "no such user"); }
Status SessionNotFound() { return NotFound("session_not_found", "no such session"); }
Status InvalidToken() { return NotFound("invalid_token", "no such refresh token"); }

// A NULLable BIGINT timestamp column: bound and fetched with an indicator.
struct OptionalMicros {
  long long micros = 0;
  soci::indicator indicator = soci::i_null;

  static OptionalMicros From(const std::optional<Timestamp>& t) {
    return t ? OptionalMicros{ToMicros(*t), soci::i_ok} : OptionalMicros{};
  }
  std::optional<Timestamp> Get() const {
    if (indicator == soci::i_null) return std::nullopt;
    return FromMicros(micros);
  }
};

constexpr std::string_view kUserColumns =
    "id, email, password_hash, full_name, role, email_verified, blocked, avatar_key, created_at, "
    "updated_at";

// The bound form of the mutable user columns.
struct UserParams {
  explicit UserParams(const spi::UserRecord& user)
      : role(RoleName(user.role)),
        email_verified(user.email_verified ? 1 : 0),
        blocked(user.blocked ? 1 : 0),
        avatar_key(user.avatar_key.value_or("")),
        avatar_indicator(user.avatar_key ? soci::i_ok : soci::i_null),
        created_at(ToMicros(user.created_at)),
        updated_at(ToMicros(user.updated_at)) {}

  std::string role;
  int email_verified;
  int blocked;
  std::string avatar_key;
  soci::indicator avatar_indicator;
  long long created_at;
  long long updated_at;
};

// The columns of kUserColumns as fetched, and the record they make.
struct UserFields {
  spi::UserRecord user;
  std::string role;
  int email_verified = 0;
  int blocked = 0;
  std::string avatar_key;
  soci::indicator avatar_indicator = soci::i_null;
  long long created_at = 0;
  long long updated_at = 0;

  void Into(soci::statement& statement) {
    statement.exchange(soci::into(user.id));
    statement.exchange(soci::into(user.email));
    statement.exchange(soci::into(user.password_hash));
    statement.exchange(soci::into(user.full_name));
    statement.exchange(soci::into(role));
    statement.exchange(soci::into(email_verified));
    statement.exchange(soci::into(blocked));
    statement.exchange(soci::into(avatar_key, avatar_indicator));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(updated_at));
  }

  // The same columns from a native row (native_statements.h: SqliteStatement, PgRow).
  template <typename Row>
  void Read(const Row& row) {
    user.id = row.Text(0);
    user.email = row.Text(1);
    user.password_hash = row.Text(2);
    user.full_name = row.Text(3);
    role = row.Text(4);
    email_verified = static_cast<int>(row.Int(5));
    blocked = static_cast<int>(row.Int(6));
    avatar_indicator = row.IsNull(7) ? soci::i_null : soci::i_ok;
    avatar_key = row.IsNull(7) ? std::string() : std::string(row.Text(7));
    created_at = row.Int(8);
    updated_at = row.Int(9);
  }

  Result<spi::UserRecord> Get() const {
    const Result<Role> parsed_role = ParseRole(role);
    if (!parsed_role.ok()) return Internal("a users row holds an unknown role");
    spi::UserRecord record = user;
    record.role = *parsed_role;
    record.email_verified = email_verified != 0;
    record.blocked = blocked != 0;
    record.avatar_key.reset();
    if (avatar_indicator == soci::i_ok) record.avatar_key = avatar_key;
    record.created_at = FromMicros(created_at);
    record.updated_at = FromMicros(updated_at);
    return record;
  }
};

// LIKE patterns escape their wildcards with a backslash (both databases take ESCAPE '\').
constexpr char kLikeEscape[] = " ESCAPE '\\'";

// "%text%" with text lower-cased (ASCII) and its '%', '_' and backslashes matching only themselves.
std::string ContainsPattern(std::string_view text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return pattern + "%";
}

}  // namespace

// ---- Users ------------------------------------------------------------------------------------

Status SociAccountRepository::InsertUser(const spi::UserRecord& user) {
  return context_.Call(
      Access::kWrite, "InsertUser",
      [&]() -> Status {
        UserParams p(user);
        // ON CONFLICT DO NOTHING reports a duplicate without failing the statement, which on
        // PostgreSQL would abort the whole transaction.
        const Executed inserted = Execute(
            context_.sql(),
            "INSERT INTO users (id, email, password_hash, full_name, role, email_verified, "
            "blocked, avatar_key, created_at, updated_at) VALUES (:id, :email, :password_hash, "
            ":full_name, :role, :email_verified, :blocked, :avatar_key, :created_at, :updated_at)"
            " ON CONFLICT DO NOTHING",
            soci::use(user.id), soci::use(user.email), soci::use(user.password_hash),
            soci::use(user.full_name), soci::use(p.role), soci::use(p.email_verified),
            soci::use(p.blocked), soci::use(p.avatar_key, p.avatar_indicator),
            soci::use(p.created_at), soci::use(p.updated_at));
        if (inserted.affected_rows == 1) return Status::Ok();
        long long same_email = 0;
        Execute(context_.sql(), "SELECT COUNT(*) FROM users WHERE email = :email",
                soci::into(same_email), soci::use(user.email));
        if (same_email > 0) return EmailTaken();
        return AlreadyExists("user_exists", "a user with this id already exists", "id");
      },
      {.unique = EmailTaken()});
}

Status SociAccountRepository::UpdateUser(const spi::UserRecord& user) {
  return context_.Call(
      Access::kWrite, "UpdateUser",
      [&]() -> Status {
        long long same_email = 0;
        Execute(context_.sql(), "SELECT COUNT(*) FROM users WHERE email = :email AND id <> :id",
                soci::into(same_email), soci::use(user.email), soci::use(user.id));
        if (same_email > 0) return EmailTaken();
        UserParams p(user);
        // A concurrent PostgreSQL writer may still take the address between the check and the
        // update; the unique constraint then fails the statement, reported as email_taken too.
        const Executed updated =
            Execute(context_.sql(),
                    "UPDATE users SET email = :email, password_hash = :password_hash, "
                    "full_name = :full_name, role = :role, email_verified = :email_verified, "
                    "blocked = :blocked, avatar_key = :avatar_key, updated_at = :updated_at "
                    "WHERE id = :id",
                    soci::use(user.email), soci::use(user.password_hash), soci::use(user.full_name),
                    soci::use(p.role), soci::use(p.email_verified), soci::use(p.blocked),
                    soci::use(p.avatar_key, p.avatar_indicator), soci::use(p.updated_at),
                    soci::use(user.id));
        if (updated.affected_rows == 0) return UserNotFound();
        return Status::Ok();
      },
      {.unique = EmailTaken()});
}

Result<spi::UserRecord> SociAccountRepository::FindUserWhere(std::string_view operation,
                                                             std::string_view column,
                                                             std::string_view value,
                                                             spi::LockMode lock) {
  return context_.Call(Access::kRead, operation, [&]() -> Result<spi::UserRecord> {
    const std::string key(value);
    UserFields fields;
    const std::string query = std::string("SELECT ") + std::string(kUserColumns) +
                              " FROM users WHERE " + std::string(column) + " = :key" +
                              std::string(context_.LockClause(lock));
    const Executed found = ExecuteBound(context_.sql(), query, [&](soci::statement& statement) {
      fields.Into(statement);
      statement.exchange(soci::use(key));
    });
    if (!found.got_row) return UserNotFound();
    return fields.Get();
  });
}

Result<spi::UserRecord> SociAccountRepository::FindUserById(std::string_view id,
                                                            spi::LockMode lock) {
  return FindUserWhere("FindUserById", "id", id, lock);
}

Result<std::vector<spi::UserRecord>> SociAccountRepository::FindUsersByIds(
    std::span<const std::string> ids) {
  // The commit path's read (booking mails): native (select_by_keys.h).
  return context_.Call(
      Access::kRead, "FindUsersByIds", [&]() -> Result<std::vector<spi::UserRecord>> {
        static const std::string kSelect =
            "SELECT " + std::string(kUserColumns) + " FROM users WHERE";
        std::vector<spi::UserRecord> users;
        EV_RETURN_IF_ERROR(SelectByKeys<UserFields>(context_, kSelect, "id", ids, users));
        return users;
      });
}

Result<spi::UserRecord> SociAccountRepository::FindUserByEmail(std::string_view email,
                                                               spi::LockMode lock) {
  return FindUserWhere("FindUserByEmail", "email", email, lock);
}

Result<std::int64_t> SociAccountRepository::CountUsersWithRole(Role role, spi::LockMode lock) {
  return context_.Call(Access::kRead, "CountUsersWithRole", [&]() -> Result<std::int64_t> {
    const std::string role_text(RoleName(role));
    const std::string_view lock_clause = context_.LockClause(lock);
    if (lock_clause.empty()) {
      long long count = 0;
      Execute(context_.sql(), "SELECT COUNT(*) FROM users WHERE role = :role", soci::into(count),
              soci::use(role_text));
      return static_cast<std::int64_t>(count);
    }
    // Aggregates cannot lock rows: select them, and count here.
    std::string id;
    return static_cast<std::int64_t>(ForEachRow(
        context_.sql(), "SELECT id FROM users WHERE role = :role" + std::string(lock_clause),
        [&](soci::statement& statement) {
          statement.exchange(soci::into(id));
          statement.exchange(soci::use(role_text));
        },
        [] {}));
  });
}

Result<std::vector<spi::UserRecord>> SociAccountRepository::ListUsers(
    const spi::UserFilter& filter) {
  return context_.Call(Access::kRead, "ListUsers", [&]() -> Result<std::vector<spi::UserRecord>> {
    Params p(context_.dialect());
    // E-mail addresses are stored lower-case; names are compared through LOWER().
    std::string where = "1 = 1";
    if (!filter.email_contains.empty()) {
      where += " AND email LIKE " + p.Add(ContainsPattern(filter.email_contains)) + kLikeEscape;
    }
    if (!filter.name_contains.empty()) {
      where += " AND LOWER(full_name) LIKE " + p.Add(ContainsPattern(filter.name_contains)) +
               kLikeEscape;
    }
    if (filter.role) where += " AND role = " + p.Add(RoleName(*filter.role));
    if (filter.blocked) where += " AND blocked = " + p.Add(*filter.blocked ? 1LL : 0LL);
    if (filter.email_verified) {
      where += " AND email_verified = " + p.Add(*filter.email_verified ? 1LL : 0LL);
    }
    if (filter.before) where += KeysetBefore(p, "", *filter.before);
    const std::string query = "SELECT " + std::string(kUserColumns) + " FROM users WHERE " + where +
                              " ORDER BY created_at DESC, id DESC LIMIT " +
                              p.Add(static_cast<long long>(filter.limit));
    std::vector<spi::UserRecord> users;
    UserFields fields;
    Status bad_row;
    ForEachRow(
        context_.sql(), query,
        [&](soci::statement& statement) {
          fields.Into(statement);
          p.Bind(statement);
        },
        [&] {
          Result<spi::UserRecord> user = fields.Get();
          if (user.ok()) {
            users.push_back(std::move(user).value());
          } else if (bad_row.ok()) {
            bad_row = user.status();
          }
        });
    if (!bad_row.ok()) return bad_row;
    return users;
  });
}

// ---- One-time codes -----------------------------------------------------------------------------

Status SociAccountRepository::PutCode(const spi::OneTimeCodeRecord& code) {
  return context_.Call(
      Access::kWrite, "PutCode",
      [&]() -> Status {
        const std::string purpose(PurposeText(code.purpose));
        const long long expires_at = ToMicros(code.expires_at);
        const long long last_sent_at = ToMicros(code.last_sent_at);
        const long long window_started_at = ToMicros(code.window_started_at);
        Execute(context_.sql(),
                "INSERT INTO one_time_codes (user_id, purpose, code_hash, expires_at, "
                "attempts_left, last_sent_at, window_started_at, sends_in_window) VALUES "
                "(:user_id, :purpose, :code_hash, :expires_at, :attempts_left, :last_sent_at, "
                ":window_started_at, :sends_in_window) "
                "ON CONFLICT (user_id, purpose) DO UPDATE SET code_hash = excluded.code_hash, "
                "expires_at = excluded.expires_at, attempts_left = excluded.attempts_left, "
                "last_sent_at = excluded.last_sent_at, "
                "window_started_at = excluded.window_started_at, "
                "sends_in_window = excluded.sends_in_window",
                soci::use(code.user_id), soci::use(purpose), soci::use(code.code_hash),
                soci::use(expires_at), soci::use(code.attempts_left), soci::use(last_sent_at),
                soci::use(window_started_at), soci::use(code.sends_in_window));
        return Status::Ok();
      },
      {.foreign_key = UserNotFound()});
}

Result<spi::OneTimeCodeRecord> SociAccountRepository::FindCode(std::string_view user_id,
                                                               spi::CodePurpose purpose,
                                                               spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindCode", [&]() -> Result<spi::OneTimeCodeRecord> {
    spi::OneTimeCodeRecord code;
    code.user_id = std::string(user_id);
    code.purpose = purpose;
    const std::string purpose_text(PurposeText(purpose));
    long long expires_at = 0;
    long long last_sent_at = 0;
    long long window_started_at = 0;
    const std::string query =
        "SELECT code_hash, expires_at, attempts_left, last_sent_at, window_started_at, "
        "sends_in_window FROM one_time_codes WHERE user_id = :user_id AND purpose = :purpose" +
        std::string(context_.LockClause(lock));
    const Executed found = Execute(
        context_.sql(), query, soci::into(code.code_hash), soci::into(expires_at),
        soci::into(code.attempts_left), soci::into(last_sent_at), soci::into(window_started_at),
        soci::into(code.sends_in_window), soci::use(code.user_id), soci::use(purpose_text));
    if (!found.got_row) return NotFound("no_pending_code", "no code is pending");
    code.expires_at = FromMicros(expires_at);
    code.last_sent_at = FromMicros(last_sent_at);
    code.window_started_at = FromMicros(window_started_at);
    return code;
  });
}

Status SociAccountRepository::DeleteCode(std::string_view user_id, spi::CodePurpose purpose) {
  return context_.Call(Access::kWrite, "DeleteCode", [&]() -> Status {
    const std::string user(user_id);
    const std::string purpose_text(PurposeText(purpose));
    Execute(context_.sql(),
            "DELETE FROM one_time_codes WHERE user_id = :user_id AND purpose = :purpose",
            soci::use(user), soci::use(purpose_text));
    return Status::Ok();
  });
}

// ---- Sessions -----------------------------------------------------------------------------------

Status SociAccountRepository::InsertSession(const spi::SessionRecord& session) {
  return context_.Call(
      Access::kWrite, "InsertSession",
      [&]() -> Status {
        const long long created_at = ToMicros(session.created_at);
        const long long expires_at = ToMicros(session.expires_at);
        OptionalMicros revoked_at = OptionalMicros::From(session.revoked_at);
        const Executed inserted =
            Execute(context_.sql(),
                    "INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at, "
                    "revoke_reason) VALUES (:id, :user_id, :created_at, :expires_at, :revoked_at, "
                    ":revoke_reason) ON CONFLICT DO NOTHING",
                    soci::use(session.id), soci::use(session.user_id), soci::use(created_at),
                    soci::use(expires_at), soci::use(revoked_at.micros, revoked_at.indicator),
                    soci::use(session.revoke_reason));
        if (inserted.affected_rows == 0) {
          return AlreadyExists("session_exists", "a session with this id already exists");
        }
        return Status::Ok();
      },
      {.foreign_key = UserNotFound()});
}

Result<spi::SessionRecord> SociAccountRepository::FindSession(std::string_view id,
                                                              spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindSession", [&]() -> Result<spi::SessionRecord> {
    spi::SessionRecord session;
    session.id = std::string(id);
    long long created_at = 0;
    long long expires_at = 0;
    OptionalMicros revoked_at;
    const std::string query =
        "SELECT user_id, created_at, expires_at, revoked_at, revoke_reason FROM sessions "
        "WHERE id = :id" +
        std::string(context_.LockClause(lock));
    const Executed found =
        Execute(context_.sql(), query, soci::into(session.user_id), soci::into(created_at),
                soci::into(expires_at), soci::into(revoked_at.micros, revoked_at.indicator),
                soci::into(session.revoke_reason), soci::use(session.id));
    if (!found.got_row) return SessionNotFound();
    session.created_at = FromMicros(created_at);
    session.expires_at = FromMicros(expires_at);
    session.revoked_at = revoked_at.Get();
    return session;
  });
}

namespace {

// A sessions row from a native row (select_by_keys.h).
struct SessionFields {
  spi::SessionRecord session;

  template <typename Row>
  void Read(const Row& row) {
    session.id = row.Text(0);
    session.user_id = row.Text(1);
    session.created_at = FromMicros(row.Int(2));
    session.expires_at = FromMicros(row.Int(3));
    session.revoked_at.reset();
    if (!row.IsNull(4)) session.revoked_at = FromMicros(row.Int(4));
    session.revoke_reason = row.Text(5);
  }

  Result<spi::SessionRecord> Get() const { return session; }
};

}  // namespace

Result<std::vector<spi::SessionRecord>> SociAccountRepository::FindSessionsByIds(
    std::span<const std::string> ids) {
  return context_.Call(
      Access::kRead, "FindSessionsByIds", [&]() -> Result<std::vector<spi::SessionRecord>> {
        static const std::string kSelect =
            "SELECT id, user_id, created_at, expires_at, revoked_at, revoke_reason FROM sessions"
            " WHERE";
        std::vector<spi::SessionRecord> sessions;
        EV_RETURN_IF_ERROR(SelectByKeys<SessionFields>(context_, kSelect, "id", ids, sessions));
        return sessions;
      });
}

Status SociAccountRepository::RevokeSession(std::string_view id, Timestamp at,
                                            std::string_view reason) {
  return context_.Call(Access::kWrite, "RevokeSession", [&]() -> Status {
    const std::string session_id(id);
    const std::string reason_text(reason);
    const long long revoked_at = ToMicros(at);
    Execute(context_.sql(),
            "UPDATE sessions SET revoked_at = :revoked_at, revoke_reason = :reason "
            "WHERE id = :id AND revoked_at IS NULL",
            soci::use(revoked_at), soci::use(reason_text), soci::use(session_id));
    return Status::Ok();
  });
}

Result<std::int64_t> SociAccountRepository::RevokeSessionsOfUser(std::string_view user_id,
                                                                 Timestamp at,
                                                                 std::string_view reason) {
  return context_.Call(Access::kWrite, "RevokeSessionsOfUser", [&]() -> Result<std::int64_t> {
    const std::string user(user_id);
    const std::string reason_text(reason);
    const long long revoked_at = ToMicros(at);
    const Executed updated =
        Execute(context_.sql(),
                "UPDATE sessions SET revoked_at = :revoked_at, revoke_reason = :reason "
                "WHERE user_id = :user_id AND revoked_at IS NULL",
                soci::use(revoked_at), soci::use(reason_text), soci::use(user));
    return static_cast<std::int64_t>(updated.affected_rows);
  });
}

// ---- Refresh tokens -----------------------------------------------------------------------------

Status SociAccountRepository::InsertRefreshToken(const spi::RefreshTokenRecord& token) {
  return context_.Call(
      Access::kWrite, "InsertRefreshToken",
      [&]() -> Status {
        const long long issued_at = ToMicros(token.issued_at);
        const long long expires_at = ToMicros(token.expires_at);
        OptionalMicros used_at = OptionalMicros::From(token.used_at);
        const Executed inserted = Execute(
            context_.sql(),
            "INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at, used_at) "
            "VALUES (:token_hash, :session_id, :issued_at, :expires_at, :used_at) "
            "ON CONFLICT DO NOTHING",
            soci::use(token.token_hash), soci::use(token.session_id), soci::use(issued_at),
            soci::use(expires_at), soci::use(used_at.micros, used_at.indicator));
        if (inserted.affected_rows == 0) {
          return AlreadyExists("token_exists", "this refresh token hash is already stored");
        }
        return Status::Ok();
      },
      {.foreign_key = SessionNotFound()});
}

Result<spi::RefreshTokenRecord> SociAccountRepository::FindRefreshToken(std::string_view token_hash,
                                                                        spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindRefreshToken", [&]() -> Result<spi::RefreshTokenRecord> {
    spi::RefreshTokenRecord token;
    token.token_hash = std::string(token_hash);
    long long issued_at = 0;
    long long expires_at = 0;
    OptionalMicros used_at;
    const std::string query =
        "SELECT session_id, issued_at, expires_at, used_at FROM refresh_tokens "
        "WHERE token_hash = :token_hash" +
        std::string(context_.LockClause(lock));
    const Executed found =
        Execute(context_.sql(), query, soci::into(token.session_id), soci::into(issued_at),
                soci::into(expires_at), soci::into(used_at.micros, used_at.indicator),
                soci::use(token.token_hash));
    if (!found.got_row) return InvalidToken();
    token.issued_at = FromMicros(issued_at);
    token.expires_at = FromMicros(expires_at);
    token.used_at = used_at.Get();
    return token;
  });
}

Status SociAccountRepository::MarkRefreshTokenUsed(std::string_view token_hash, Timestamp at) {
  return context_.Call(Access::kWrite, "MarkRefreshTokenUsed", [&]() -> Status {
    const std::string hash(token_hash);
    const long long used_at = ToMicros(at);
    const Executed updated = Execute(context_.sql(),
                                     "UPDATE refresh_tokens SET used_at = :used_at "
                                     "WHERE token_hash = :token_hash AND used_at IS NULL",
                                     soci::use(used_at), soci::use(hash));
    if (updated.affected_rows > 0) return Status::Ok();
    long long known = 0;
    Execute(context_.sql(), "SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = :token_hash",
            soci::into(known), soci::use(hash));
    return known > 0 ? Status::Ok() : InvalidToken();
  });
}

}  // namespace eventify::storage
