#include "oidc/provider_directory.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

#include "core/status_macros.h"

namespace eventify::oidc {
namespace {

constexpr std::chrono::seconds kDefaultMaxAge{3600};

std::string StringMember(const rapidjson::Value& object, const char* name) {
  const auto member = object.FindMember(name);
  if (member == object.MemberEnd() || !member->value.IsString()) return {};
  return std::string(member->value.GetString(), member->value.GetStringLength());
}

// max-age of a Cache-Control header; none for no-store, no-cache or without one.
std::optional<std::chrono::seconds> MaxAge(std::string_view header) {
  std::string lower(header);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("no-store") != std::string::npos || lower.find("no-cache") != std::string::npos) {
    return std::chrono::seconds(0);
  }
  const std::size_t at = lower.find("max-age=");
  if (at == std::string::npos) return std::nullopt;
  long long seconds = 0;
  std::size_t digits = 0;
  for (std::size_t i = at + 8; i < lower.size() && std::isdigit(static_cast<unsigned char>(lower[i]));
       ++i, ++digits) {
    if (seconds > 1'000'000'000) break;
    seconds = seconds * 10 + (lower[i] - '0');
  }
  if (digits == 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

}  // namespace

Status ProviderUnavailable(std::string_view what) {
  return Unavailable("provider_unavailable",
                     fmt::format("the sign-in provider cannot be reached: {}", what));
}

ProviderDirectory::ProviderDirectory(OidcProvider provider,
                                     std::shared_ptr<spi::HttpFetcher> fetcher,
                                     std::shared_ptr<spi::Clock> clock,
                                     const SignInOptions& options)
    : provider_(std::move(provider)),
      fetcher_(std::move(fetcher)),
      clock_(std::move(clock)),
      options_(options) {}

Timestamp ProviderDirectory::ExpiryFor(const spi::HttpFetchResponse& response,
                                       Timestamp now) const {
  const std::chrono::seconds age = std::clamp(MaxAge(response.cache_control).value_or(kDefaultMaxAge),
                                              options_.key_cache_min, options_.key_cache_max);
  return now + age;
}

Result<ProviderMetadata> ProviderDirectory::Metadata() {
  std::lock_guard lock(mutex_);
  return MetadataLocked(clock_->Now());
}

Result<ProviderMetadata> ProviderDirectory::MetadataLocked(Timestamp now) {
  if (metadata_ && now < metadata_expires_at_) return *metadata_;
  std::string url = provider_.issuer;
  if (!url.empty() && url.back() == '/') url.pop_back();
  url += "/.well-known/openid-configuration";
  auto response = fetcher_->Get(url);
  if (!response.ok()) return ProviderUnavailable(response.status().message());
  if (response->status != 200) {
    return ProviderUnavailable(fmt::format("discovery answered HTTP {}", response->status));
  }
  rapidjson::Document document;
  document.Parse(response->body.data(), response->body.size());
  if (document.HasParseError() || !document.IsObject()) {
    return ProviderUnavailable("the discovery document is not a JSON object");
  }
  // OpenID Connect Discovery 1.0, section 4.3: the issuer must be exactly the one asked for.
  if (StringMember(document, "issuer") != provider_.issuer) {
    return ProviderUnavailable("the discovery document names another issuer");
  }
  ProviderMetadata metadata;
  metadata.authorization_endpoint = StringMember(document, "authorization_endpoint");
  metadata.token_endpoint = StringMember(document, "token_endpoint");
  metadata.jwks_uri = StringMember(document, "jwks_uri");
  if (metadata.jwks_uri.empty()) return ProviderUnavailable("the discovery document has no jwks_uri");
  metadata_ = metadata;
  metadata_expires_at_ = ExpiryFor(*response, now);
  return metadata;
}

Status ProviderDirectory::FetchKeysLocked(Timestamp now) {
  EV_ASSIGN_OR_RETURN(const ProviderMetadata metadata, MetadataLocked(now));
  keys_fetched_at_ = now;
  auto response = fetcher_->Get(metadata.jwks_uri);
  if (!response.ok()) return ProviderUnavailable(response.status().message());
  if (response->status != 200) {
    return ProviderUnavailable(fmt::format("the JWKS answered HTTP {}", response->status));
  }
  auto keys = ParseJwks(response->body);
  if (!keys.ok()) return ProviderUnavailable(keys.status().message());
  keys_ = std::move(keys).value();
  keys_fetched_ = true;
  keys_expires_at_ = ExpiryFor(*response, now);
  return Status::Ok();
}

std::shared_ptr<const SigningKey> ProviderDirectory::FindLocked(const std::string& kid) const {
  if (kid.empty()) return keys_.size() == 1 ? keys_.front() : nullptr;
  for (const auto& key : keys_) {
    if (key->kid() == kid) return key;
  }
  return nullptr;
}

Result<std::shared_ptr<const SigningKey>> ProviderDirectory::KeyFor(const std::string& kid) {
  std::lock_guard lock(mutex_);
  const Timestamp now = clock_->Now();
  if (!keys_fetched_ || now >= keys_expires_at_) {
    EV_RETURN_IF_ERROR(FetchKeysLocked(now));
  }
  if (auto key = FindLocked(kid)) return key;
  // The provider may have rotated its keys since: fetch once more, unless that was just done.
  if (now - keys_fetched_at_ >= options_.key_refresh_interval) {
    EV_RETURN_IF_ERROR(FetchKeysLocked(now));
    if (auto key = FindLocked(kid)) return key;
  }
  return Unauthenticated("id_token_key_unknown",
                         "the ID token is signed with a key the provider does not publish");
}

}  // namespace eventify::oidc
