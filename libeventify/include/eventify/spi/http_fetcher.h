// HttpFetcher: how the engine reaches other HTTP services — today the OpenID Connect providers of
// eventify/sign_in.h (their discovery documents, signing keys and token endpoints). The core links
// no HTTP library; the bundled implementation is eventify::curl_fetcher
// (eventify/backends/curl_http_fetcher.h), and tests or hosts may bring their own.
//
// Ownership: injected as a shared_ptr through EngineOptions::http_fetcher.
// Thread-safety: implementations must allow concurrent calls from any thread. Calls block until
// the answer is read or the implementation's own timeout passes; they run on the caller's thread
// (a server worker), never on a network I/O thread of the engine.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventify/export.h"
#include "eventify/status.h"

namespace eventify::spi {

// What a server answered. Any HTTP status is an answer (the caller judges it); only failing to
// get one is an error.
struct HttpFetchResponse {
  int status = 0;
  std::string content_type;   // the Content-Type header, empty when absent
  std::string cache_control;  // the Cache-Control header, empty when absent
  std::string body;
};

using FormFields = std::vector<std::pair<std::string, std::string>>;

class EVENTIFY_EXPORT HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;

  // GET `url` (http or https). Errors: kUnavailable (fetch_failed: no connection, TLS failure,
  // timeout, a body over the implementation's limit).
  virtual Result<HttpFetchResponse> Get(std::string_view url) = 0;

  // POST `fields` as application/x-www-form-urlencoded to `url`. Errors: as Get.
  virtual Result<HttpFetchResponse> PostForm(std::string_view url, const FormFields& fields) = 0;
};

}  // namespace eventify::spi
