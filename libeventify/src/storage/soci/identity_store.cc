#include "storage/soci/identity_store.h"

#include <soci/soci.h>

#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

Status IdentityNotFound() { return NotFound("identity_not_found", "no such identity"); }

constexpr std::string_view kIdentityColumns =
    "id, user_id, provider, issuer, subject, email, created_at, last_used_at";

struct IdentityRow {
  spi::IdentityRecord identity;
  long long created_at = 0;
  long long last_used_at = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(identity.id));
    statement.exchange(soci::into(identity.user_id));
    statement.exchange(soci::into(identity.provider));
    statement.exchange(soci::into(identity.issuer));
    statement.exchange(soci::into(identity.subject));
    statement.exchange(soci::into(identity.email));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(last_used_at));
  }

  spi::IdentityRecord Get() const {
    spi::IdentityRecord out = identity;
    out.created_at = FromMicros(created_at);
    out.last_used_at = FromMicros(last_used_at);
    return out;
  }
};

Result<std::vector<spi::IdentityRecord>> SelectIdentities(TransactionContext& context,
                                                          const std::string& tail, Params& p) {
  std::vector<spi::IdentityRecord> rows;
  EV_RETURN_IF_ERROR((SelectInto<IdentityRow>(
      context, "SELECT " + std::string(kIdentityColumns) + " FROM oidc_identities" + tail, p,
      rows)));
  return rows;
}

}  // namespace

Status SociIdentityStore::InsertIdentity(const spi::IdentityRecord& identity) {
  return context_.Call(
      Access::kWrite, "InsertIdentity",
      [&]() -> Status {
        spi::IdentityRecord r = identity;
        long long created_at = ToMicros(r.created_at);
        long long last_used_at = ToMicros(r.last_used_at);
        Execute(context_.sql(),
                "INSERT INTO oidc_identities (id, user_id, provider, issuer, subject, email,"
                " created_at, last_used_at) VALUES (:id, :user_id, :provider, :issuer, :subject,"
                " :email, :created_at, :last_used_at)",
                soci::use(r.id), soci::use(r.user_id), soci::use(r.provider), soci::use(r.issuer),
                soci::use(r.subject), soci::use(r.email), soci::use(created_at),
                soci::use(last_used_at));
        return Status::Ok();
      },
      {.unique = AlreadyExists("identity_taken",
                               "this identity is already linked to an account")});
}

Result<spi::IdentityRecord> SociIdentityStore::FindIdentity(std::string_view issuer,
                                                            std::string_view subject,
                                                            spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindIdentity", [&]() -> Result<spi::IdentityRecord> {
    Params p(context_.dialect());
    std::string tail = " WHERE issuer = " + p.Add(issuer);
    tail += " AND subject = " + p.Add(subject);
    tail += context_.LockClause(lock);
    EV_ASSIGN_OR_RETURN(auto rows, SelectIdentities(context_, tail, p));
    if (rows.empty()) return IdentityNotFound();
    return std::move(rows.front());
  });
}

Status SociIdentityStore::TouchIdentity(std::string_view id, std::string_view email,
                                        Timestamp at) {
  return context_.Call(Access::kWrite, "TouchIdentity", [&]() -> Status {
    std::string key(id);
    std::string address(email);
    long long when = ToMicros(at);
    const Executed updated = Execute(
        context_.sql(),
        "UPDATE oidc_identities SET email = :email, last_used_at = :at WHERE id = :id",
        soci::use(address), soci::use(when), soci::use(key));
    if (updated.affected_rows == 0) return IdentityNotFound();
    return Status::Ok();
  });
}

Result<std::vector<spi::IdentityRecord>> SociIdentityStore::ListIdentities(
    std::string_view user_id, spi::LockMode lock) {
  return context_.Call(Access::kRead, "ListIdentities",
                       [&]() -> Result<std::vector<spi::IdentityRecord>> {
                         Params p(context_.dialect());
                         std::string tail = " WHERE user_id = " + p.Add(user_id);
                         tail += " ORDER BY created_at, id";
                         tail += context_.LockClause(lock);
                         return SelectIdentities(context_, tail, p);
                       });
}

Status SociIdentityStore::DeleteIdentity(std::string_view user_id, std::string_view id) {
  return context_.Call(Access::kWrite, "DeleteIdentity", [&]() -> Status {
    std::string key(id);
    std::string owner(user_id);
    const Executed deleted =
        Execute(context_.sql(), "DELETE FROM oidc_identities WHERE id = :id AND user_id = :user",
                soci::use(key), soci::use(owner));
    if (deleted.affected_rows == 0) return IdentityNotFound();
    return Status::Ok();
  });
}

Status SociIdentityStore::InsertFlow(const spi::SignInFlowRecord& flow) {
  return context_.Call(
      Access::kWrite, "InsertFlow",
      [&]() -> Status {
        spi::SignInFlowRecord r = flow;
        long long expires_at = ToMicros(r.expires_at);
        Execute(context_.sql(),
                "INSERT INTO oidc_flows (state_hash, provider, nonce, code_verifier, expires_at)"
                " VALUES (:state_hash, :provider, :nonce, :code_verifier, :expires_at)",
                soci::use(r.state_hash), soci::use(r.provider), soci::use(r.nonce),
                soci::use(r.code_verifier), soci::use(expires_at));
        return Status::Ok();
      },
      {.unique = AlreadyExists("flow_exists", "this sign-in state is already stored")});
}

Result<spi::SignInFlowRecord> SociIdentityStore::TakeFlow(std::string_view state_hash) {
  return context_.Call(Access::kWrite, "TakeFlow", [&]() -> Result<spi::SignInFlowRecord> {
    spi::SignInFlowRecord flow;
    std::string key(state_hash);
    long long expires_at = 0;
    const Executed found = Execute(
        context_.sql(),
        "SELECT state_hash, provider, nonce, code_verifier, expires_at FROM oidc_flows"
        " WHERE state_hash = :state_hash",
        soci::into(flow.state_hash), soci::into(flow.provider), soci::into(flow.nonce),
        soci::into(flow.code_verifier), soci::into(expires_at), soci::use(key));
    // The DELETE decides: of two callbacks racing with one state, only one removes the row.
    const Executed deleted = Execute(
        context_.sql(), "DELETE FROM oidc_flows WHERE state_hash = :state_hash", soci::use(key));
    if (!found.got_row || deleted.affected_rows == 0) {
      return NotFound("flow_not_found", "no sign-in has this state");
    }
    flow.expires_at = FromMicros(expires_at);
    return flow;
  });
}

Status SociIdentityStore::RecordNonce(std::string_view issuer, std::string_view nonce_hash,
                                      Timestamp expires_at) {
  return context_.Call(
      Access::kWrite, "RecordNonce",
      [&]() -> Status {
        std::string iss(issuer);
        std::string hash(nonce_hash);
        long long until = ToMicros(expires_at);
        Execute(context_.sql(),
                "INSERT INTO oidc_nonces (issuer, nonce_hash, expires_at)"
                " VALUES (:issuer, :nonce_hash, :expires_at)",
                soci::use(iss), soci::use(hash), soci::use(until));
        return Status::Ok();
      },
      {.unique = AlreadyExists("nonce_reused", "this nonce was already used")});
}

Status SociIdentityStore::PutPendingLink(const spi::PendingLinkRecord& link) {
  return context_.Call(Access::kWrite, "PutPendingLink", [&]() -> Status {
    spi::PendingLinkRecord r = link;
    long long attempts_left = r.attempts_left;
    long long expires_at = ToMicros(r.expires_at);
    Execute(context_.sql(),
            "INSERT INTO oidc_pending_links (token_hash, user_id, provider, issuer, subject,"
            " email, code_hash, attempts_left, expires_at) VALUES (:token_hash, :user_id,"
            " :provider, :issuer, :subject, :email, :code_hash, :attempts_left, :expires_at)"
            " ON CONFLICT (token_hash) DO UPDATE SET code_hash = excluded.code_hash,"
            " attempts_left = excluded.attempts_left, expires_at = excluded.expires_at",
            soci::use(r.token_hash), soci::use(r.user_id), soci::use(r.provider),
            soci::use(r.issuer), soci::use(r.subject), soci::use(r.email), soci::use(r.code_hash),
            soci::use(attempts_left), soci::use(expires_at));
    return Status::Ok();
  });
}

Result<spi::PendingLinkRecord> SociIdentityStore::FindPendingLink(std::string_view token_hash,
                                                                  spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindPendingLink", [&]() -> Result<spi::PendingLinkRecord> {
    spi::PendingLinkRecord link;
    std::string key(token_hash);
    long long attempts_left = 0;
    long long expires_at = 0;
    const Executed found = Execute(
        context_.sql(),
        "SELECT token_hash, user_id, provider, issuer, subject, email, code_hash, attempts_left,"
        " expires_at FROM oidc_pending_links WHERE token_hash = :token_hash" +
            std::string(context_.LockClause(lock)),
        soci::into(link.token_hash), soci::into(link.user_id), soci::into(link.provider),
        soci::into(link.issuer), soci::into(link.subject), soci::into(link.email),
        soci::into(link.code_hash), soci::into(attempts_left), soci::into(expires_at),
        soci::use(key));
    if (!found.got_row) return NotFound("link_not_found", "no link waits with this token");
    link.attempts_left = static_cast<int>(attempts_left);
    link.expires_at = FromMicros(expires_at);
    return link;
  });
}

Status SociIdentityStore::DeletePendingLink(std::string_view token_hash) {
  return context_.Call(Access::kWrite, "DeletePendingLink", [&]() -> Status {
    std::string key(token_hash);
    Execute(context_.sql(), "DELETE FROM oidc_pending_links WHERE token_hash = :token_hash",
            soci::use(key));
    return Status::Ok();
  });
}

Result<std::int64_t> SociIdentityStore::DeleteExpired(Timestamp now) {
  return context_.Call(Access::kWrite, "DeleteExpired", [&]() -> Result<std::int64_t> {
    std::int64_t removed = 0;
    for (const char* table : {"oidc_flows", "oidc_nonces", "oidc_pending_links"}) {
      long long before = ToMicros(now);
      removed += Execute(context_.sql(),
                         std::string("DELETE FROM ") + table + " WHERE expires_at < :now",
                         soci::use(before))
                     .affected_rows;
    }
    return removed;
  });
}

}  // namespace eventify::storage
