#include "oidc/sign_in_service.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>

#include "accounts/validation.h"
#include "core/status_macros.h"
#include "crypto/sodium.h"
#include "eventify/spi/identity_store.h"
#include "mail/templates.h"
#include "oidc/id_token.h"
#include "oidc/provider_directory.h"

namespace eventify::oidc {
namespace {

using spi::IdentityRecord;
using spi::IdentityStore;
using spi::LockMode;
using spi::PendingLinkRecord;
using spi::Transaction;
using spi::TransactionMode;
using spi::UserRecord;

constexpr std::size_t kRandomBytes = 32;
constexpr std::chrono::minutes kSweepInterval{1};

// Engine::Open has checked that the storage serves the area.
IdentityStore& Identities(Transaction& tx) { return *tx.store<IdentityStore>(); }

std::string RandomToken() { return crypto::Base64UrlEncode(crypto::RandomBytes(kRandomBytes)); }

// RFC 3986 unreserved characters stay, everything else is percent-encoded.
std::string UrlEncode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

Status InvalidState() {
  return Unauthenticated("invalid_state",
                         "this sign-in is unknown, already finished or expired; start again");
}
Status InvalidLinkToken() {
  return Unauthenticated("invalid_link_token",
                         "this link request is unknown, already used or expired; sign in again");
}
Status TooManyAttempts() {
  return FailedPrecondition("too_many_attempts", "too many wrong tries; sign in again");
}
Status Blocked() {
  return PermissionDenied("account_blocked", "this account is blocked; contact support");
}
Status IdentityNotFound() { return NotFound("identity_not_found", "no such identity"); }

// The name a new account gets: the provider's, else the e-mail's local part.
std::string NameFor(const IdTokenClaims& claims) {
  auto name = accounts::NormalizeFullName(claims.name);
  if (name.ok()) return *name;
  auto local = accounts::NormalizeFullName(claims.email.substr(0, claims.email.find('@')));
  return local.ok() ? *local : std::string("Eventify user");
}

bool IsProviderName(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

class SignInServiceImpl final : public SignIn {
 public:
  explicit SignInServiceImpl(SignInDependencies deps)
      : storage_(std::move(deps.storage)),
        mail_(std::move(deps.mail)),
        clock_(std::move(deps.clock)),
        accounts_(*deps.accounts),
        options_(std::move(deps.options)),
        product_name_(std::move(deps.product_name)),
        code_key_(crypto::DeriveKey(deps.secret_key, "eventify/link-code/v1")) {
    for (const OidcProvider& provider : options_.providers) {
      names_.push_back(provider.name);
      directories_.emplace(provider.name, std::make_unique<ProviderDirectory>(
                                              provider, deps.fetcher, clock_, options_));
    }
  }

  std::vector<std::string> Providers() const override { return names_; }

  Result<AuthorizationRequest> BeginCodeFlow(std::string_view name) override {
    EV_ASSIGN_OR_RETURN(ProviderDirectory * directory, Find(name));
    const OidcProvider& provider = directory->provider();
    if (provider.redirect_uri.empty() || provider.client_secret.empty()) {
      return FailedPrecondition("code_flow_not_configured",
                                "this provider is configured for ID tokens only");
    }
    EV_ASSIGN_OR_RETURN(const ProviderMetadata metadata, directory->Metadata());
    if (metadata.authorization_endpoint.empty() || metadata.token_endpoint.empty()) {
      return ProviderUnavailable("the discovery document lacks the code flow's endpoints");
    }
    AuthorizationRequest request;
    request.state = RandomToken();
    spi::SignInFlowRecord flow;
    flow.state_hash = crypto::Sha256Hex(request.state);
    flow.provider = provider.name;
    flow.nonce = RandomToken();
    flow.code_verifier = RandomToken();
    const Timestamp now = clock_->Now();
    flow.expires_at = now + options_.flow_ttl;
    request.expires_at = flow.expires_at;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      EV_RETURN_IF_ERROR(SweepExpired(tx, now));
      return Identities(tx).InsertFlow(flow);
    }));
    const char separator =
        metadata.authorization_endpoint.find('?') == std::string::npos ? '?' : '&';
    request.url = fmt::format(
        "{}{}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&nonce={}"
        "&code_challenge={}&code_challenge_method=S256",
        metadata.authorization_endpoint, separator, UrlEncode(provider.client_id),
        UrlEncode(provider.redirect_uri), UrlEncode("openid email profile"),
        UrlEncode(request.state), UrlEncode(flow.nonce), S256Challenge(flow.code_verifier));
    return request;
  }

  Result<SignInOutcome> CompleteCodeFlow(const RequestContext& context, std::string_view state,
                                         std::string_view code) override {
    if (state.empty() || state.size() > 256) return InvalidState();
    spi::SignInFlowRecord flow;
    Status taken = storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(flow, Identities(tx).TakeFlow(crypto::Sha256Hex(state)));
      return Status::Ok();
    });
    if (taken.code() == StatusCode::kNotFound) return InvalidState();
    EV_RETURN_IF_ERROR(taken);
    if (clock_->Now() >= flow.expires_at) return InvalidState();
    EV_ASSIGN_OR_RETURN(ProviderDirectory * directory, Find(flow.provider));
    EV_ASSIGN_OR_RETURN(const std::string id_token, ExchangeCode(*directory, flow, code));
    return SignInVerified(context, *directory, id_token, flow.nonce);
  }

  Result<SignInOutcome> SignInWithIdToken(const RequestContext& context, std::string_view name,
                                          std::string_view id_token,
                                          std::string_view nonce) override {
    EV_ASSIGN_OR_RETURN(ProviderDirectory * directory, Find(name));
    if (nonce.empty()) {
      return InvalidArgument("missing_nonce", "the nonce of the sign-in request is required",
                             "nonce");
    }
    return SignInVerified(context, *directory, id_token, nonce);
  }

  Result<TokenPair> LinkWithPassword(const RequestContext& context, std::string_view link_token,
                                     std::string_view password) override {
    const std::string token_hash = crypto::Sha256Hex(link_token);
    PendingLinkRecord link;
    UserRecord user;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(link, LiveLink(tx, token_hash, LockMode::kNone));
      EV_ASSIGN_OR_RETURN(user, tx.accounts().FindUserById(link.user_id, LockMode::kNone));
      return Status::Ok();
    }));
    // Outside any transaction: argon2id takes tens of milliseconds.
    const Status proof = accounts_.ProvePassword(context, user, password);
    if (proof.code() == StatusCode::kResourceExhausted) return proof;
    TokenPair pair;
    Status outcome;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(PendingLinkRecord current, LiveLink(tx, token_hash, LockMode::kForUpdate));
      if (!proof.ok()) {
        outcome = SpendAttempt(tx, current, proof);
        return Status::Ok();  // keep the spent attempt
      }
      EV_ASSIGN_OR_RETURN(pair, FinishLink(tx, current));
      return Status::Ok();
    }));
    if (!outcome.ok()) return outcome;
    return pair;
  }

  Status SendLinkCode(std::string_view link_token) override {
    const std::string token_hash = crypto::Sha256Hex(link_token);
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(PendingLinkRecord link, LiveLink(tx, token_hash, LockMode::kForUpdate));
      EV_ASSIGN_OR_RETURN(const UserRecord user,
                          tx.accounts().FindUserById(link.user_id, LockMode::kNone));
      const std::string code = fmt::format("{:06}", crypto::RandomUniform(1000000));
      link.code_hash = HashCode(token_hash, code);
      link.attempts_left -= 1;
      EV_RETURN_IF_ERROR(Identities(tx).PutPendingLink(link));
      const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(
          link.expires_at - clock_->Now());
      return mail_->Add(tx,
                        mail::LinkIdentityCodeMail({user.email, product_name_, user.full_name,
                                                    code, std::max<long long>(1, minutes.count())}),
                        link.expires_at);
    }));
    mail_->NotifyCommitted();
    return Status::Ok();
  }

  Result<TokenPair> LinkWithCode(std::string_view link_token, std::string_view code) override {
    const std::string token_hash = crypto::Sha256Hex(link_token);
    TokenPair pair;
    Status outcome;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(PendingLinkRecord link, LiveLink(tx, token_hash, LockMode::kForUpdate));
      if (link.code_hash.empty()) {
        outcome = NotFound("no_pending_code", "no code was sent for this link; request one");
        return Status::Ok();
      }
      const bool match = accounts::IsWellFormedCode(code) &&
                         crypto::ConstantTimeEquals(link.code_hash, HashCode(token_hash, code));
      if (!match) {
        outcome = SpendAttempt(
            tx, link, InvalidArgument("invalid_code", "the code is not correct", "code"));
        return Status::Ok();
      }
      EV_ASSIGN_OR_RETURN(pair, FinishLink(tx, link));
      return Status::Ok();
    }));
    if (!outcome.ok()) return outcome;
    return pair;
  }

  Result<std::vector<Identity>> ListIdentities(const Principal& principal) override {
    std::vector<IdentityRecord> rows;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      EV_ASSIGN_OR_RETURN(rows, Identities(tx).ListIdentities(principal.user_id,
                                                                         LockMode::kNone));
      return Status::Ok();
    }));
    std::vector<Identity> identities;
    for (const IdentityRecord& row : rows) {
      identities.push_back(Identity{row.id, row.provider, row.issuer, row.subject, row.email,
                                    row.created_at, row.last_used_at});
    }
    return identities;
  }

  Status UnlinkIdentity(const Principal& principal, std::string_view identity_id) override {
    return storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      // The user's row lock serialises two unlinks racing for the last identity.
      EV_ASSIGN_OR_RETURN(const UserRecord user,
                          tx.accounts().FindUserById(principal.user_id, LockMode::kForUpdate));
      auto& store = Identities(tx);
      EV_ASSIGN_OR_RETURN(const auto identities,
                          store.ListIdentities(user.id, LockMode::kForUpdate));
      const bool owned = std::any_of(identities.begin(), identities.end(),
                                     [&](const IdentityRecord& row) { return row.id == identity_id; });
      if (!owned) return IdentityNotFound();
      if (user.password_hash.empty() && identities.size() <= 1) {
        return FailedPrecondition("last_sign_in_method",
                                  "this is your only way to sign in; set a password first "
                                  "(password reset) or link another provider");
      }
      return store.DeleteIdentity(user.id, identity_id);
    });
  }

 private:
  // Removes expired flows, nonces and links, at most once per kSweepInterval on this engine, so
  // that the tables stay small without a delete in every sign-in.
  Status SweepExpired(Transaction& tx, Timestamp now) {
    std::int64_t last = last_sweep_micros_.load();
    if (ToMicros(now) - last < std::chrono::duration_cast<Duration>(kSweepInterval).count() ||
        !last_sweep_micros_.compare_exchange_strong(last, ToMicros(now))) {
      return Status::Ok();
    }
    return Identities(tx).DeleteExpired(now).status();
  }

  Result<ProviderDirectory*> Find(std::string_view name) {
    const auto found = directories_.find(std::string(name));
    if (found == directories_.end()) {
      return NotFound("unknown_provider", "no sign-in provider has this name");
    }
    return found->second.get();
  }

  // The ID token of the provider's token endpoint for `code` (RFC 6749 4.1.3, RFC 7636 4.5).
  Result<std::string> ExchangeCode(ProviderDirectory& directory,
                                   const spi::SignInFlowRecord& flow, std::string_view code) {
    const OidcProvider& provider = directory.provider();
    EV_ASSIGN_OR_RETURN(const ProviderMetadata metadata, directory.Metadata());
    auto response = directory.fetcher().PostForm(
        metadata.token_endpoint, {{"grant_type", "authorization_code"},
                                  {"code", std::string(code)},
                                  {"redirect_uri", provider.redirect_uri},
                                  {"client_id", provider.client_id},
                                  {"client_secret", provider.client_secret},
                                  {"code_verifier", flow.code_verifier}});
    if (!response.ok()) return ProviderUnavailable(response.status().message());
    if (response->status == 400 || response->status == 401) {
      return Unauthenticated("code_rejected", "the provider refused the authorization code");
    }
    if (response->status != 200) {
      return ProviderUnavailable(fmt::format("the token endpoint answered HTTP {}",
                                             response->status));
    }
    rapidjson::Document body;
    body.Parse(response->body.data(), response->body.size());
    if (body.HasParseError() || !body.IsObject() || !body.HasMember("id_token") ||
        !body["id_token"].IsString()) {
      return ProviderUnavailable("the token endpoint's answer has no id_token");
    }
    return std::string(body["id_token"].GetString(), body["id_token"].GetStringLength());
  }

  Result<SignInOutcome> SignInVerified(const RequestContext& context,
                                       ProviderDirectory& directory, std::string_view id_token,
                                       std::string_view nonce) {
    const Timestamp now = clock_->Now();
    EV_ASSIGN_OR_RETURN(const IdTokenClaims claims,
                        VerifyIdToken(directory, id_token, nonce, now, options_.clock_skew));
    EV_RETURN_IF_ERROR(CheckDomain(directory.provider(), claims));
    SignInOutcome result;
    Status outcome;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      result = SignInOutcome{};
      outcome = Status::Ok();
      EV_RETURN_IF_ERROR(SweepExpired(tx, now));
      auto& store = Identities(tx);
      // A nonce is good for one sign-in: a replayed ID token fails here.
      const Status recorded = store.RecordNonce(claims.issuer, crypto::Sha256Hex(nonce),
                                                claims.expires_at + options_.clock_skew);
      if (recorded.code() == StatusCode::kAlreadyExists) {
        return Unauthenticated("nonce_reused", "this sign-in was already used");
      }
      EV_RETURN_IF_ERROR(recorded);
      auto identity = store.FindIdentity(claims.issuer, claims.subject, LockMode::kForUpdate);
      if (identity.ok()) {
        EV_ASSIGN_OR_RETURN(const UserRecord user,
                            tx.accounts().FindUserById(identity->user_id, LockMode::kForUpdate));
        if (user.blocked) {
          outcome = Blocked();
          return Status::Ok();  // the nonce stays spent
        }
        EV_RETURN_IF_ERROR(store.TouchIdentity(identity->id, claims.email, now));
        EV_ASSIGN_OR_RETURN(result.tokens, accounts_.OpenSession(tx, user));
        return Status::Ok();
      }
      if (identity.status().code() != StatusCode::kNotFound) return identity.status();
      return FirstSignIn(tx, directory.provider(), claims, now, result, outcome);
    }));
    if (!outcome.ok()) return outcome;
    return result;
  }

  // An identity seen for the first time: a new account, or a link waiting for the account that
  // already has its verified address.
  Status FirstSignIn(Transaction& tx, const OidcProvider& provider, const IdTokenClaims& claims,
                     Timestamp now, SignInOutcome& result, Status& outcome) {
    if (claims.email.empty() || !claims.email_verified) {
      outcome = FailedPrecondition("email_not_verified",
                                   "the provider has no verified e-mail address for you");
      return Status::Ok();
    }
    auto existing = tx.accounts().FindUserByEmail(claims.email, LockMode::kForUpdate);
    if (existing.ok()) {
      if (existing->blocked) {
        outcome = Blocked();
        return Status::Ok();
      }
      const std::string token = RandomToken();
      PendingLinkRecord link;
      link.token_hash = crypto::Sha256Hex(token);
      link.user_id = existing->id;
      link.provider = provider.name;
      link.issuer = claims.issuer;
      link.subject = claims.subject;
      link.email = claims.email;
      link.attempts_left = options_.link_max_attempts;
      link.expires_at = now + options_.link_ttl;
      EV_RETURN_IF_ERROR(Identities(tx).PutPendingLink(link));
      result.link_token = token;
      result.link_email = existing->email;
      result.link_expires_at = link.expires_at;
      return Status::Ok();
    }
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    UserRecord user;
    user.id = NewId(now);
    user.email = claims.email;
    user.full_name = NameFor(claims);
    user.role = Role::kAttendee;
    user.email_verified = true;
    user.created_at = now;
    user.updated_at = now;
    EV_RETURN_IF_ERROR(tx.accounts().InsertUser(user));
    EV_RETURN_IF_ERROR(InsertIdentity(tx, user.id, provider.name, claims.issuer, claims.subject,
                                      claims.email, now));
    EV_ASSIGN_OR_RETURN(result.tokens, accounts_.OpenSession(tx, user));
    result.account_created = true;
    return Status::Ok();
  }

  static Status InsertIdentity(Transaction& tx, const std::string& user_id,
                               const std::string& provider, const std::string& issuer,
                               const std::string& subject, const std::string& email,
                               Timestamp now) {
    IdentityRecord identity;
    identity.id = NewId(now);
    identity.user_id = user_id;
    identity.provider = provider;
    identity.issuer = issuer;
    identity.subject = subject;
    identity.email = email;
    identity.created_at = now;
    identity.last_used_at = now;
    return Identities(tx).InsertIdentity(identity);
  }

  Status CheckDomain(const OidcProvider& provider, const IdTokenClaims& claims) const {
    if (provider.allowed_email_domains.empty()) return Status::Ok();
    const std::size_t at = claims.email.rfind('@');
    const std::string domain = at == std::string::npos ? "" : claims.email.substr(at + 1);
    const auto& allowed = provider.allowed_email_domains;
    if (claims.email_verified && !domain.empty() &&
        std::find(allowed.begin(), allowed.end(), domain) != allowed.end()) {
      return Status::Ok();
    }
    return PermissionDenied("email_domain_not_allowed",
                            "addresses of this domain may not sign in with this provider");
  }

  // The live link of `token_hash`. Errors: kUnauthenticated (invalid_link_token),
  // kFailedPrecondition (too_many_attempts).
  Result<PendingLinkRecord> LiveLink(Transaction& tx, const std::string& token_hash,
                                     LockMode lock) {
    auto link = Identities(tx).FindPendingLink(token_hash, lock);
    if (link.status().code() == StatusCode::kNotFound) return InvalidLinkToken();
    EV_RETURN_IF_ERROR(link.status());
    if (clock_->Now() >= link->expires_at) return InvalidLinkToken();
    if (link->attempts_left <= 0) return TooManyAttempts();
    return link;
  }

  // Spends one attempt of `link` after a wrong proof; the verdict to report.
  Status SpendAttempt(Transaction& tx, PendingLinkRecord& link, const Status& wrong) {
    link.attempts_left -= 1;
    const Status saved = Identities(tx).PutPendingLink(link);
    if (!saved.ok()) return saved;
    return link.attempts_left <= 0 ? TooManyAttempts() : wrong;
  }

  // The account proved itself: link the identity, spend the link, sign in.
  Result<TokenPair> FinishLink(Transaction& tx, const PendingLinkRecord& link) {
    EV_ASSIGN_OR_RETURN(const UserRecord user,
                        tx.accounts().FindUserById(link.user_id, LockMode::kForUpdate));
    if (user.blocked) return Blocked();
    const Timestamp now = clock_->Now();
    EV_RETURN_IF_ERROR(
        InsertIdentity(tx, user.id, link.provider, link.issuer, link.subject, link.email, now));
    EV_RETURN_IF_ERROR(Identities(tx).DeletePendingLink(link.token_hash));
    return accounts_.OpenSession(tx, user);
  }

  std::string HashCode(std::string_view token_hash, std::string_view code) const {
    return crypto::HexEncode(crypto::HmacSha256(code_key_, fmt::format("{}|{}", token_hash, code)));
  }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<const mail::MailJobs> mail_;
  const std::shared_ptr<spi::Clock> clock_;
  accounts::AccountsInternals& accounts_;
  const SignInOptions options_;
  const std::string product_name_;
  const std::string code_key_;
  std::atomic<std::int64_t> last_sweep_micros_{0};
  std::vector<std::string> names_;
  std::map<std::string, std::unique_ptr<ProviderDirectory>, std::less<>> directories_;
};

}  // namespace

Status ValidateSignInOptions(const SignInOptions& options, bool has_fetcher) {
  const auto invalid = [](std::string message) {
    return InvalidArgument("invalid_sign_in_options", std::move(message), "sign_in");
  };
  if (options.clock_skew.count() < 0 || options.flow_ttl.count() <= 0 ||
      options.link_ttl.count() <= 0 || options.key_cache_min.count() < 0 ||
      options.key_cache_max < options.key_cache_min || options.key_refresh_interval.count() < 0 ||
      options.link_max_attempts < 1) {
    return invalid("sign-in durations must be positive and ordered, attempts at least 1");
  }
  std::vector<std::string_view> seen;
  for (const OidcProvider& provider : options.providers) {
    if (!IsProviderName(provider.name)) {
      return invalid("a provider's name is 1-64 of a-z, 0-9, '-' and '_'");
    }
    if (std::find(seen.begin(), seen.end(), provider.name) != seen.end()) {
      return invalid(fmt::format("the provider '{}' is configured twice", provider.name));
    }
    seen.push_back(provider.name);
    if (provider.issuer.empty() || provider.client_id.empty()) {
      return invalid(fmt::format("the provider '{}' needs an issuer and a client id", provider.name));
    }
  }
  if (!options.providers.empty() && !has_fetcher) {
    return InvalidArgument("missing_http_fetcher",
                           "sign-in providers need an HTTP fetcher (EngineOptions::http_fetcher)",
                           "http_fetcher");
  }
  return Status::Ok();
}

std::unique_ptr<SignIn> MakeSignInService(SignInDependencies dependencies) {
  return std::make_unique<SignInServiceImpl>(std::move(dependencies));
}

}  // namespace eventify::oidc
