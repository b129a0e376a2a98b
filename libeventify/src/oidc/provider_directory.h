// ProviderDirectory: what the engine knows of one OpenID Connect provider — its discovery document
// and its signing keys (JWKS) — fetched through spi::HttpFetcher and cached until they expire
// (Cache-Control max-age, bounded by SignInOptions). An unknown key id refetches the keys once,
// and at most once per key_refresh_interval, so that a flood of tokens with made-up key ids never
// turns into a flood of requests to the provider.
//
// Thread-safety: every method may be called from any thread; fetches of one provider are
// serialised (one mutex per provider), so concurrent misses make one request.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "eventify/sign_in.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/http_fetcher.h"
#include "oidc/jose.h"

namespace eventify::oidc {

struct ProviderMetadata {
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
};

class ProviderDirectory {
 public:
  ProviderDirectory(OidcProvider provider, std::shared_ptr<spi::HttpFetcher> fetcher,
                    std::shared_ptr<spi::Clock> clock, const SignInOptions& options);

  const OidcProvider& provider() const { return provider_; }
  spi::HttpFetcher& fetcher() const { return *fetcher_; }

  // The discovery document, from the cache or fetched. Its issuer must be the configured one.
  // Errors: kUnavailable (provider_unavailable).
  Result<ProviderMetadata> Metadata();

  // The key `kid` names (with an empty kid: the only key, when there is one).
  // Errors: kUnauthenticated (id_token_key_unknown), kUnavailable (provider_unavailable).
  Result<std::shared_ptr<const SigningKey>> KeyFor(const std::string& kid);

 private:
  Result<ProviderMetadata> MetadataLocked(Timestamp now);
  Status FetchKeysLocked(Timestamp now);
  std::shared_ptr<const SigningKey> FindLocked(const std::string& kid) const;
  Timestamp ExpiryFor(const spi::HttpFetchResponse& response, Timestamp now) const;

  const OidcProvider provider_;
  const std::shared_ptr<spi::HttpFetcher> fetcher_;
  const std::shared_ptr<spi::Clock> clock_;
  const SignInOptions options_;

  std::mutex mutex_;
  std::optional<ProviderMetadata> metadata_;
  Timestamp metadata_expires_at_;
  std::vector<std::shared_ptr<const SigningKey>> keys_;
  bool keys_fetched_ = false;
  Timestamp keys_expires_at_;
  Timestamp keys_fetched_at_;
};

// Status kUnavailable provider_unavailable with `what` went wrong.
Status ProviderUnavailable(std::string_view what);

}  // namespace eventify::oidc
