#include "cors.h"

#include <algorithm>
#include <array>

#include "http_errors.h"

namespace eventify::server {
namespace {

constexpr std::array<std::string_view, 6> kMethods = {"GET",   "HEAD",   "POST",
                                                      "PUT",   "PATCH", "DELETE"};
constexpr std::string_view kAllowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE";
constexpr std::string_view kAllowedHeaders =
    "Authorization, Content-Type, Idempotency-Key, X-Request-Id";
constexpr std::string_view kExposedHeaders = "Retry-After, X-Request-Id, Location, WWW-Authenticate";

}  // namespace

std::optional<std::string> CorsPolicy::AllowedOrigin(std::string_view origin) const {
  for (const std::string& allowed : config_.allowed_origins) {
    if (allowed == "*") {
      // With credentials a browser refuses "*": echo the origin instead (config refuses the pair,
      // this keeps the rule in one place should that change).
      return config_.allow_credentials ? std::string(origin) : std::string("*");
    }
    if (allowed == origin) return std::string(origin);
  }
  return std::nullopt;
}

std::optional<ApiResponse> CorsPolicy::Preflight(const ApiRequest& request) const {
  if (request.method() != "OPTIONS") return std::nullopt;
  const auto origin = request.header("Origin");
  const auto method = request.header("Access-Control-Request-Method");
  if (!origin || !method) return std::nullopt;
  const auto allowed = AllowedOrigin(*origin);
  if (!allowed) {
    ApiResponse refused = ErrorResponse(403, "cors_origin_not_allowed",
                                        "this origin may not call the API from a browser");
    refused.headers.emplace_back("Vary", "Origin");
    return refused;
  }
  if (std::find(kMethods.begin(), kMethods.end(), *method) == kMethods.end()) {
    ApiResponse refused = ErrorResponse(403, "cors_method_not_allowed",
                                        "the API takes GET, HEAD, POST, PUT, PATCH and DELETE");
    refused.headers.emplace_back("Vary", "Origin");
    return refused;
  }
  ApiResponse response = NoContent();
  response.headers.emplace_back("Access-Control-Allow-Origin", *allowed);
  response.headers.emplace_back("Access-Control-Allow-Methods", std::string(kAllowedMethods));
  response.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowedHeaders));
  response.headers.emplace_back("Access-Control-Max-Age", std::to_string(config_.max_age.count()));
  if (config_.allow_credentials) {
    response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  }
  response.headers.emplace_back("Vary", "Origin");
  return response;
}

void CorsPolicy::Decorate(const ApiRequest& request, ApiResponse& response) const {
  const auto origin = request.header("Origin");
  if (!origin || config_.allowed_origins.empty()) return;
  if (request.method() == "OPTIONS" && request.header("Access-Control-Request-Method")) {
    return;  // a preflight: Preflight wrote the whole answer
  }
  const auto allowed = AllowedOrigin(*origin);
  if (!allowed) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", *allowed);
  if (config_.allow_credentials) {
    response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  }
  response.headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposedHeaders));
  response.headers.emplace_back("Vary", "Origin");
}

}  // namespace eventify::server
