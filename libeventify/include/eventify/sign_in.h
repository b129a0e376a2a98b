// SignIn: signing in with an OpenID Connect provider (docs/accounts-api.md, "Sign-in with an
// OpenID Connect provider"). Two ways in: the authorization-code flow with PKCE, state and nonce
// run by the engine (BeginCodeFlow, then CompleteCodeFlow with what the provider's redirect
// brought back), and SignInWithIdToken for a client that already holds an ID token. Both end in
// the usual access and refresh tokens of eventify/accounts.h.
//
// An identity is the pair (issuer, subject). Its first sign-in creates an attendee account, unless
// the provider's verified e-mail belongs to an existing account: then the identity is linked only
// once that account proves itself (its password, or a code e-mailed to it), and until then the
// sign-in answers a link token instead of tokens.
//
// ID tokens are checked against the provider's keys (discovery document and JWKS, fetched through
// spi::HttpFetcher and cached for their Cache-Control max-age within SignInOptions' bounds, fetched
// again once on an unknown key id and never more often than key_refresh_interval). The algorithm
// comes from the key (RS256 for an RSA key, ES256 for a P-256 key); a token naming another, `none`
// or an HMAC algorithm is refused. Issuer, audience, `azp`, expiry and issued-at (within
// clock_skew) and the nonce are checked.
//
// Obtained from Engine::sign_in(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any thread. Calls block
// on storage and on the provider (HTTP), so never call them on a network I/O thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

// One provider the engine trusts.
struct OidcProvider {
  std::string name;       // in URLs and answers: lower-case letters, digits, '-' and '_'
  std::string issuer;     // exactly as the provider's ID tokens name it, e.g. https://accounts.example
  std::string client_id;  // ours at the provider: the audience its ID tokens must name
  std::string client_secret;  // for the code exchange; empty when only ID tokens are verified
  // Domains (lower-case, e.g. "example.com") whose addresses may sign in; empty: any.
  std::vector<std::string> allowed_email_domains;
  // Where the provider sends the browser back after the code flow; empty: no code flow.
  std::string redirect_uri;
};

struct SignInOptions {
  std::vector<OidcProvider> providers;
  std::chrono::seconds clock_skew{60};          // tolerated on exp and iat
  std::chrono::seconds flow_ttl{10 * 60};       // between BeginCodeFlow and its callback
  std::chrono::seconds link_ttl{10 * 60};       // for proving an existing account
  std::chrono::seconds key_cache_min{60};       // keys are kept at least this long...
  std::chrono::seconds key_cache_max{24 * 3600};  // ...and at most this, whatever max-age says
  std::chrono::seconds key_refresh_interval{60};  // at most one refetch per provider this often
  int link_max_attempts = 5;                      // wrong passwords or codes per link token
};

// Where to send the browser to start the code flow.
struct AuthorizationRequest {
  std::string url;    // the provider's authorization endpoint with every parameter
  std::string state;  // also in `url`; the callback must bring it back
  Timestamp expires_at;
};

// The outcome of a sign-in: tokens, or a link waiting for the existing account to prove itself.
struct SignInOutcome {
  std::optional<TokenPair> tokens;
  bool account_created = false;  // with tokens: the identity's first sign-in created the account
  // Without tokens: present the link token with LinkWithPassword or LinkWithCode.
  std::string link_token;
  std::string link_email;  // the account's address
  Timestamp link_expires_at;
};

// An identity as its owner sees it.
struct Identity {
  std::string id;
  std::string provider;
  std::string issuer;
  std::string subject;
  std::string email;
  Timestamp created_at;
  Timestamp last_used_at;
};

class EVENTIFY_EXPORT SignIn {
 public:
  virtual ~SignIn() = default;

  // The configured providers' names, in configuration order.
  virtual std::vector<std::string> Providers() const = 0;

  // Starts the code flow: a fresh state, nonce and PKCE verifier kept by the engine for flow_ttl.
  // Errors: kNotFound (unknown_provider), kFailedPrecondition (code_flow_not_configured: no
  // redirect_uri or client_secret), kUnavailable (provider_unavailable: discovery failed).
  virtual Result<AuthorizationRequest> BeginCodeFlow(std::string_view provider) = 0;

  // Finishes the code flow with the `state` and `code` the provider's redirect brought: the state
  // is spent (a second callback with it fails), the code exchanged with the PKCE verifier and the
  // ID token checked with the flow's nonce.
  // Errors: kUnauthenticated (invalid_state: unknown, spent or expired; code_rejected: the token
  // endpoint refused the code; and the ID-token errors of SignInWithIdToken), kUnavailable
  // (provider_unavailable), and the account errors of SignInWithIdToken.
  virtual Result<SignInOutcome> CompleteCodeFlow(const RequestContext& context,
                                                 std::string_view state,
                                                 std::string_view code) = 0;

  // Signs in with an ID token the client got from `provider` itself, for a request that carried
  // `nonce`. Each nonce is good once.
  // Errors: kNotFound (unknown_provider), kInvalidArgument (missing_nonce, field "nonce"),
  // kUnauthenticated (id_token_malformed, id_token_algorithm: none, HMAC, or not the key's,
  // id_token_key_unknown: no such key id even after refetching the keys, id_token_signature,
  // id_token_issuer, id_token_audience: aud or azp is not our client id, id_token_expired,
  // id_token_not_yet_valid: iat in the future, id_token_nonce, nonce_reused),
  // kUnavailable (provider_unavailable), kPermissionDenied (account_blocked,
  // email_domain_not_allowed), kFailedPrecondition (email_not_verified: a first sign-in needs a
  // verified e-mail from the provider).
  virtual Result<SignInOutcome> SignInWithIdToken(const RequestContext& context,
                                                  std::string_view provider,
                                                  std::string_view id_token,
                                                  std::string_view nonce) = 0;

  // Links the waiting identity to its account with the account's password, and signs in.
  // A wrong password counts as a login guess (throttled as Login) and spends one of
  // link_max_attempts.
  // Errors: kUnauthenticated (invalid_link_token: unknown, spent or expired; invalid_credentials),
  // kFailedPrecondition (too_many_attempts), kPermissionDenied (account_blocked),
  // kResourceExhausted (attempts_throttled).
  virtual Result<TokenPair> LinkWithPassword(const RequestContext& context,
                                             std::string_view link_token,
                                             std::string_view password) = 0;

  // E-mails a 6-digit code to the account the link token waits for (replacing an earlier one).
  // Each mail spends one of the link's attempts, so a link token can never flood the address.
  // Errors: kUnauthenticated (invalid_link_token), kFailedPrecondition (too_many_attempts).
  virtual Status SendLinkCode(std::string_view link_token) = 0;

  // Links with the e-mailed code instead of the password, and signs in. A wrong code spends an
  // attempt.
  // Errors: kUnauthenticated (invalid_link_token), kInvalidArgument (invalid_code, field "code"),
  // kNotFound (no_pending_code), kFailedPrecondition (too_many_attempts),
  // kPermissionDenied (account_blocked).
  virtual Result<TokenPair> LinkWithCode(std::string_view link_token, std::string_view code) = 0;

  // The caller's identities, oldest first.
  virtual Result<std::vector<Identity>> ListIdentities(const Principal& principal) = 0;

  // Removes one of the caller's identities, unless it is their last way to sign in (no password
  // and no other identity).
  // Errors: kNotFound (identity_not_found), kFailedPrecondition (last_sign_in_method).
  virtual Status UnlinkIdentity(const Principal& principal, std::string_view identity_id) = 0;
};

}  // namespace eventify
