// CORS (the Fetch standard's cross-origin checks) for a browser client served from another
// origin (docs/http.md, "CORS"). Configured by http.cors.*: the allowed origins (exact
// scheme://host[:port], or * for any), whether credentials (cookies, HTTP authentication) may be
// sent, and how long a browser may cache a preflight. Bearer tokens in Authorization need no
// credentials mode: the header is simply allowed.
//
// Thread-safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api.h"
#include "config.h"

namespace eventify::server {

class CorsPolicy {
 public:
  explicit CorsPolicy(const CorsConfig& config) : config_(config) {}

  // A preflight (OPTIONS with Origin and Access-Control-Request-Method) gets its whole answer
  // here: 204 with the Access-Control-Allow-* headers when the origin is allowed, 403
  // cors_origin_not_allowed otherwise (and 403 cors_method_not_allowed for a method the API does
  // not use). Any other request: nullopt.
  std::optional<ApiResponse> Preflight(const ApiRequest& request) const;

  // Adds to the response of a request from an allowed origin the headers that let the browser
  // read it (Access-Control-Allow-Origin, -Allow-Credentials, -Expose-Headers) and Vary: Origin.
  void Decorate(const ApiRequest& request, ApiResponse& response) const;

 private:
  // The Access-Control-Allow-Origin value for `origin`, or nullopt when it is not allowed.
  std::optional<std::string> AllowedOrigin(std::string_view origin) const;

  const CorsConfig& config_;
};

}  // namespace eventify::server
