// The HTTP rate limits (docs/http.md, "Rate limits"): token buckets (spi::RateLimiter) per client
// address on every request, stricter per address on the authentication routes (/api/v1/auth/...),
// and per user on every request whose access token checked out. The buckets live in this process,
// or in Redis when redis.host is set, so that several nodes share each limit. The accounts'
// own throttling of wrong passwords and codes (docs/accounts-api.md, "Throttling") is separate and
// still applies.
//
// A refused request gets 429 rate_limited with Retry-After (whole seconds, rounded up). When the
// limiter fails (Redis unreachable) the request is let through: an outage of Redis must not take
// the API down; the failures are counted (/metrics) and logged at most once a minute.
//
// Thread-safety: every member may be called from many threads at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "api.h"
#include "config.h"
#include "eventify/spi/rate_limiter.h"

namespace eventify::server {

class RateLimits {
 public:
  RateLimits(const RateLimitsConfig& config, std::shared_ptr<spi::RateLimiter> limiter);

  // Before routing: the address's buckets (and the authentication routes' when `auth_route`).
  // nullopt: go on; otherwise the 429 to answer.
  std::optional<ApiResponse> AdmitAddress(std::string_view address, bool auth_route,
                                          std::string_view request_id);

  // Once the caller is known (authentication.h): the user's bucket. Errors: kResourceExhausted
  // (rate_limited, with retry_after).
  Status AdmitUser(std::string_view user_id, std::string_view request_id);

  // Whether `pattern` is an authentication route (its own stricter bucket), or exempt from the
  // limits altogether (the health and metrics routes, polled by machines).
  static bool IsAuthRoute(std::string_view pattern);
  static bool IsExempt(std::string_view pattern);

  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  // The wait before the next token, or 0 when allowed (also when the limiter failed).
  std::int64_t Take(std::string_view key, const RateRule& rule, std::string_view request_id);

  const RateLimitsConfig& config_;
  std::shared_ptr<spi::RateLimiter> limiter_;
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::int64_t> last_failure_log_{0};  // steady clock, seconds
};

}  // namespace eventify::server
