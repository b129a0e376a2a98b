// The in-process token buckets of spi/rate_limiter.h. Buckets are spread over shards, each with
// its own mutex held only for the arithmetic of one Take, so that requests of different clients
// rarely wait on each other.
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "eventify/spi/rate_limiter.h"

namespace eventify::spi {

Status CheckRateLimitArguments(std::string_view key, const RateLimit& limit) {
  if (limit.burst < 1 || !(limit.refill_per_second > 0) || !std::isfinite(limit.refill_per_second)) {
    return InvalidArgument("invalid_rate_limit",
                           "a rate limit needs a burst of at least 1 and a positive refill rate");
  }
  if (key.empty() || key.size() > 512) {
    return InvalidArgument("invalid_rate_key", "a rate limit key has 1 to 512 bytes");
  }
  return Status::Ok();
}

namespace {

constexpr std::size_t kShards = 16;

struct Bucket {
  double tokens = 0;
  std::int64_t updated_micros = 0;
  double burst = 0;
  double refill_per_micro = 0;
};

class InProcessRateLimiter final : public RateLimiter {
 public:
  InProcessRateLimiter(std::shared_ptr<const Clock> clock, std::size_t max_keys)
      : clock_(std::move(clock)), max_per_shard_(std::max<std::size_t>(1, max_keys / kShards)) {}

  Result<RateDecision> Take(std::string_view key, const RateLimit& limit) override {
    if (Status checked = CheckRateLimitArguments(key, limit); !checked.ok()) return checked;
    const std::int64_t now = ToMicros(clock_->Now());
    const double per_micro = limit.refill_per_second / 1e6;
    Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
    std::lock_guard lock(shard.mu);
    auto it = shard.buckets.find(std::string(key));
    if (it == shard.buckets.end()) {
      if (shard.buckets.size() >= max_per_shard_) Evict(shard, now);
      it = shard.buckets
               .emplace(std::string(key), Bucket{static_cast<double>(limit.burst), now,
                                                 static_cast<double>(limit.burst), per_micro})
               .first;
    }
    Bucket& bucket = it->second;
    bucket.burst = limit.burst;
    bucket.refill_per_micro = per_micro;
    const std::int64_t elapsed = std::max<std::int64_t>(0, now - bucket.updated_micros);
    bucket.tokens = std::min(bucket.burst, bucket.tokens + static_cast<double>(elapsed) * per_micro);
    bucket.updated_micros = std::max(bucket.updated_micros, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return RateDecision{true, std::chrono::milliseconds(0)};
    }
    const double wait_micros = (1 - bucket.tokens) / per_micro;
    const auto wait_ms = static_cast<std::int64_t>(std::ceil(wait_micros / 1000 - 1e-6));
    return RateDecision{false, std::chrono::milliseconds(std::max<std::int64_t>(1, wait_ms))};
  }

 private:
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };

  // Drops the full buckets (a new one would be the same); when none is full, the half least
  // recently used.
  void Evict(Shard& shard, std::int64_t now) const {
    std::erase_if(shard.buckets, [now](const auto& entry) {
      const Bucket& b = entry.second;
      return b.tokens + static_cast<double>(now - b.updated_micros) * b.refill_per_micro >= b.burst;
    });
    if (shard.buckets.size() >= max_per_shard_) {
      std::vector<std::int64_t> times;
      times.reserve(shard.buckets.size());
      for (const auto& [key, bucket] : shard.buckets) times.push_back(bucket.updated_micros);
      auto middle = times.begin() + static_cast<std::ptrdiff_t>((times.size() - 1) / 2);
      std::nth_element(times.begin(), middle, times.end());
      const std::int64_t cutoff = *middle;
      std::erase_if(shard.buckets,
                    [cutoff](const auto& entry) { return entry.second.updated_micros <= cutoff; });
    }
  }

  std::shared_ptr<const Clock> clock_;
  const std::size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace

std::shared_ptr<RateLimiter> MakeInProcessRateLimiter(std::shared_ptr<const Clock> clock,
                                                      std::size_t max_keys) {
  if (!clock) clock = std::make_shared<SystemClock>();
  return std::make_shared<InProcessRateLimiter>(std::move(clock), max_keys);
}

}  // namespace eventify::spi
