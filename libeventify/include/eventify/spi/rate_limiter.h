// RateLimiter: token buckets keyed by a string, for hosts that limit how often a client may call
// them (eventify-server's HTTP rate limits, docs/http.md "Rate limits"). A bucket holds at most
// RateLimit::burst tokens and gains refill_per_second tokens a second; each Take spends one token
// or, when the bucket is empty, refuses and says how long until a token is back.
//
// Two implementations: MakeInProcessRateLimiter below (one process, on the injected clock), and
// the Redis one of eventify::redis (backends/redis_rate_limiter.h), which several processes share
// so that a limit holds across them. Both pass tests/ratelimit/rate_limiter_conformance.cc.
//
// Thread-safety: implementations allow Take from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include "eventify/export.h"
#include "eventify/spi/clock.h"
#include "eventify/status.h"

namespace eventify::spi {

struct RateLimit {
  double refill_per_second = 1;  // > 0
  int burst = 1;                 // >= 1: the bucket's size, and what a new bucket holds
};

struct RateDecision {
  bool allowed = false;
  // When refused: the wait until one token is back (rounded up to a millisecond, at least 1 ms).
  // Zero when allowed.
  std::chrono::milliseconds retry_after{0};
};

class EVENTIFY_EXPORT RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Spends one token of the bucket `key` under `limit` (a key should always be used with the same
  // limit; a bucket is created full). Errors: kInvalidArgument invalid_rate_limit (burst < 1 or
  // refill_per_second not positive), invalid_rate_key (empty or over 512 bytes);
  // kUnavailable rate_limiter_unavailable (a shared store cannot be reached: the caller decides
  // whether to let the request through).
  virtual Result<RateDecision> Take(std::string_view key, const RateLimit& limit) = 0;
};

// Buckets in this process's memory, timed on `clock`. At most `max_keys` buckets are kept: when
// full, the buckets that have refilled completely (which hold nothing worth keeping) are dropped,
// and if none has, the oldest half, so memory stays bounded whatever the number of clients.
EVENTIFY_EXPORT std::shared_ptr<RateLimiter> MakeInProcessRateLimiter(
    std::shared_ptr<const Clock> clock, std::size_t max_keys = 100'000);

// The argument checks both implementations share (invalid_rate_limit, invalid_rate_key).
EVENTIFY_EXPORT Status CheckRateLimitArguments(std::string_view key, const RateLimit& limit);

}  // namespace eventify::spi
