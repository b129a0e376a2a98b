// The statements of migration 21 ("sign-in identities"): the tables of spi::IdentityStore. Kept
// out of migrations.cc, which lists every version. Portable between SQLite and PostgreSQL.
#pragma once

#include <string_view>

namespace eventify::storage {

// An account's identities at OpenID Connect providers: (issuer, subject) names one.
constexpr std::string_view kV21Identities =
    "CREATE TABLE oidc_identities ("
    " id TEXT PRIMARY KEY,"
    " user_id TEXT NOT NULL REFERENCES users (id),"
    " provider TEXT NOT NULL,"
    " issuer TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " email TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " last_used_at BIGINT NOT NULL,"
    " CONSTRAINT oidc_identities_subject_key UNIQUE (issuer, subject))";
constexpr std::string_view kV21IdentitiesUserIndex =
    "CREATE INDEX oidc_identities_user_idx ON oidc_identities (user_id, created_at, id)";

// Authorization-code flows between redirect and callback, keyed by the hash of their state.
constexpr std::string_view kV21Flows =
    "CREATE TABLE oidc_flows ("
    " state_hash TEXT PRIMARY KEY,"
    " provider TEXT NOT NULL,"
    " nonce TEXT NOT NULL,"
    " code_verifier TEXT NOT NULL,"
    " expires_at BIGINT NOT NULL)";
constexpr std::string_view kV21FlowsExpiryIndex =
    "CREATE INDEX oidc_flows_expiry_idx ON oidc_flows (expires_at)";

// Nonces already used, until their ID token would have expired anyway.
constexpr std::string_view kV21Nonces =
    "CREATE TABLE oidc_nonces ("
    " issuer TEXT NOT NULL,"
    " nonce_hash TEXT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " PRIMARY KEY (issuer, nonce_hash))";
constexpr std::string_view kV21NoncesExpiryIndex =
    "CREATE INDEX oidc_nonces_expiry_idx ON oidc_nonces (expires_at)";

// Identities waiting for the existing account with their address to prove itself.
constexpr std::string_view kV21PendingLinks =
    "CREATE TABLE oidc_pending_links ("
    " token_hash TEXT PRIMARY KEY,"
    " user_id TEXT NOT NULL REFERENCES users (id),"
    " provider TEXT NOT NULL,"
    " issuer TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " email TEXT NOT NULL,"
    " code_hash TEXT NOT NULL,"
    " attempts_left INTEGER NOT NULL,"
    " expires_at BIGINT NOT NULL)";
constexpr std::string_view kV21PendingLinksExpiryIndex =
    "CREATE INDEX oidc_pending_links_expiry_idx ON oidc_pending_links (expires_at)";

}  // namespace eventify::storage
