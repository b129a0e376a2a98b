#include "rate_limits.h"

#include <fmt/format.h>

#include <chrono>
#include <string>

#include "http_errors.h"

namespace eventify::server {
namespace {

std::int64_t WholeSeconds(std::chrono::milliseconds wait) {
  return std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
}

}  // namespace

RateLimits::RateLimits(const RateLimitsConfig& config, std::shared_ptr<spi::RateLimiter> limiter)
    : config_(config), limiter_(std::move(limiter)) {}

bool RateLimits::IsAuthRoute(std::string_view pattern) {
  return pattern.rfind("/api/v1/auth/", 0) == 0;
}

bool RateLimits::IsExempt(std::string_view pattern) {
  return pattern == "/healthz" || pattern == "/readyz" || pattern == "/metrics";
}

std::int64_t RateLimits::Take(std::string_view key, const RateRule& rule,
                              std::string_view request_id) {
  if (!rule.enabled) return 0;
  Result<spi::RateDecision> decision = limiter_->Take(key, rule.limit);
  if (!decision.ok()) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    std::int64_t last = last_failure_log_.load(std::memory_order_relaxed);
    if (now - last >= 60 && last_failure_log_.compare_exchange_strong(last, now)) {
      fmt::print(stderr, "eventify-server: id={} rate limits not applied: {}\n", request_id,
                 decision.status().ToString());
    }
    return 0;
  }
  if (decision->allowed) return 0;
  refused_.fetch_add(1, std::memory_order_relaxed);
  return WholeSeconds(decision->retry_after);
}

std::optional<ApiResponse> RateLimits::AdmitAddress(std::string_view address, bool auth_route,
                                                    std::string_view request_id) {
  std::int64_t wait = 0;
  if (auth_route) {
    wait = Take(fmt::format("auth:{}", address), config_.auth_per_address, request_id);
  }
  if (wait == 0) wait = Take(fmt::format("address:{}", address), config_.per_address, request_id);
  if (wait == 0) return std::nullopt;
  ApiResponse response = ErrorResponse(
      429, "rate_limited",
      "too many requests from this address; retry after the time in Retry-After");
  response.headers.emplace_back("Retry-After", std::to_string(wait));
  return response;
}

Status RateLimits::AdmitUser(std::string_view user_id, std::string_view request_id) {
  const std::int64_t wait = Take(fmt::format("user:{}", user_id), config_.per_user, request_id);
  if (wait == 0) return Status::Ok();
  return ResourceExhausted("rate_limited",
                           "too many requests from this user; retry after the time in Retry-After",
                           std::chrono::seconds(wait));
}

}  // namespace eventify::server
