#include "eventify/backends/curl_http_fetcher.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cctype>
#include <memory>
#include <string_view>

namespace eventify::spi {
namespace {

// curl_global_init is not thread-safe against itself; once per process, never undone.
bool InitialiseCurl() {
  static const CURLcode initialised = curl_global_init(CURL_GLOBAL_DEFAULT);
  return initialised == CURLE_OK;
}

struct Exchange {
  HttpFetchResponse response;
  std::size_t max_body_bytes = 0;
  bool too_large = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  if (exchange.response.body.size() + bytes > exchange.max_body_bytes) {
    exchange.too_large = true;
    return 0;  // makes curl fail the transfer
  }
  exchange.response.body.append(data, bytes);
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto& exchange = *static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  if (name == "cache-control") exchange.response.cache_control = std::string(value);
  if (name == "content-type") exchange.response.content_type = std::string(value);
  return size * count;
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};

class CurlHttpFetcher final : public HttpFetcher {
 public:
  explicit CurlHttpFetcher(CurlHttpFetcherOptions options) : options_(std::move(options)) {}

  Result<HttpFetchResponse> Get(std::string_view url) override { return Perform(url, nullptr); }

  Result<HttpFetchResponse> PostForm(std::string_view url, const FormFields& fields) override {
    std::unique_ptr<CURL, CurlDeleter> encoder(curl_easy_init());
    if (!encoder) return Failed("cannot create a curl handle");
    std::string body;
    for (const auto& [name, value] : fields) {
      char* name_escaped = curl_easy_escape(encoder.get(), name.data(), static_cast<int>(name.size()));
      char* value_escaped =
          curl_easy_escape(encoder.get(), value.data(), static_cast<int>(value.size()));
      if (name_escaped != nullptr && value_escaped != nullptr) {
        if (!body.empty()) body += '&';
        body += fmt::format("{}={}", name_escaped, value_escaped);
      }
      curl_free(name_escaped);
      curl_free(value_escaped);
    }
    return Perform(url, &body);
  }

 private:
  static Status Failed(std::string_view what) {
    return Unavailable("fetch_failed", fmt::format("HTTP request failed: {}", what));
  }

  // GET `url`, or POST `form` (application/x-www-form-urlencoded) when it is not null.
  Result<HttpFetchResponse> Perform(std::string_view url, const std::string* form) {
    if (!InitialiseCurl()) return Failed("libcurl could not be initialised");
    std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
    if (!handle) return Failed("cannot create a curl handle");
    CURL* curl = handle.get();
    const std::string target(url);
    Exchange exchange;
    exchange.max_body_bytes = options_.max_body_bytes;
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
    curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    if (form != nullptr) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(form->size()));
    }
    const CURLcode result = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (exchange.too_large) return Failed("the answer is too large");
    if (result != CURLE_OK) return Failed(error[0] != 0 ? error : curl_easy_strerror(result));
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    exchange.response.status = static_cast<int>(status);
    return std::move(exchange.response);
  }

  const CurlHttpFetcherOptions options_;
};

}  // namespace

std::shared_ptr<HttpFetcher> MakeCurlHttpFetcher(const CurlHttpFetcherOptions& options) {
  InitialiseCurl();
  return std::make_shared<CurlHttpFetcher>(options);
}

}  // namespace eventify::spi
