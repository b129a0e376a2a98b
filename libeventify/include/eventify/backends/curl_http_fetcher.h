// The bundled spi::HttpFetcher over libcurl, used to reach OpenID Connect providers
// (eventify/sign_in.h). It is its own library, eventify::curl_fetcher, so that the core never
// links curl; a host makes one and hands it to the engine:
//
//   options.http_fetcher = eventify::spi::MakeCurlHttpFetcher({});  // EngineOptions
//
// Each call uses its own curl handle and connection. TLS certificates and host names are always
// checked (system trust store, or ca_file); redirects are not followed (a provider's endpoints
// are fetched exactly as its discovery document names them); answers larger than max_body_bytes
// fail.
//
// Ownership: the fetcher is shared; the engine and the host may both keep it.
// Thread-safety: MakeCurlHttpFetcher initialises libcurl once per process and may be called from
// any thread; Get and PostForm may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "eventify/export.h"
#include "eventify/spi/http_fetcher.h"

namespace eventify::spi {

struct CurlHttpFetcherOptions {
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds timeout{10};  // the whole exchange
  std::size_t max_body_bytes = 1024 * 1024;
  std::string ca_file;  // PEM bundle to trust instead of the system's; empty: the system's
};

EVENTIFY_EXPORT std::shared_ptr<HttpFetcher> MakeCurlHttpFetcher(const CurlHttpFetcherOptions& options);

}  // namespace eventify::spi
