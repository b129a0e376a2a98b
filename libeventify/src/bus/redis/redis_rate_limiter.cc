// The Redis token buckets (eventify/backends/redis_rate_limiter.h).
#include "eventify/backends/redis_rate_limiter.h"

#include <hiredis.h>

#include <cmath>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "bus/redis/redis_connection.h"

namespace eventify::spi {
namespace {

using bus::RedisConnection;

// KEYS: the bucket. ARGV: burst, refill per millisecond. Returns {1, 0} when a token was spent,
// {0, wait in ms} otherwise. The time is Redis's (TIME), so every node measures on one clock.
constexpr std::string_view kTakeScript = R"lua(
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'v')
local tokens = burst
if state[1] then
  local elapsed = now - tonumber(state[1])
  if elapsed < 0 then elapsed = 0 end
  tokens = math.min(burst, tonumber(state[2]) + elapsed * rate)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate - 1e-6)
  if wait < 1 then wait = 1 end
end
redis.call('HSET', KEYS[1], 't', now, 'v', string.format('%.17g', tokens))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return {allowed, wait}
)lua";

Status LimiterUnavailable(const Status& cause) {
  return Status(StatusCode::kUnavailable, "rate_limiter_unavailable",
                "the rate limiter cannot reach Redis: " + cause.message());
}

class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(RedisBusOptions options) : options_(std::move(options)) {}

  Result<RateDecision> Take(std::string_view key, const RateLimit& limit) override {
    if (Status checked = CheckRateLimitArguments(key, limit); !checked.ok()) return checked;
    const std::string bucket = options_.key_prefix + "rate:" + std::string(key);
    const std::string burst = std::to_string(limit.burst);
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.17g", limit.refill_per_second / 1000.0);
    std::unique_ptr<RedisConnection> connection = Checkout();
    if (connection == nullptr) {
      Result<std::unique_ptr<RedisConnection>> opened = RedisConnection::Open(options_);
      if (!opened.ok()) return LimiterUnavailable(opened.status());
      connection = std::move(opened).value();
    }
    Result<bus::Reply> reply =
        connection->Command({"EVAL", kTakeScript, "1", bucket, burst, std::string_view(rate)});
    if (!reply.ok()) return LimiterUnavailable(reply.status());  // the connection is dropped
    const redisReply& answer = **reply;
    if (answer.type != REDIS_REPLY_ARRAY || answer.elements != 2 ||
        answer.element[0]->type != REDIS_REPLY_INTEGER ||
        answer.element[1]->type != REDIS_REPLY_INTEGER) {
      Checkin(std::move(connection));
      return Status(StatusCode::kInternal, "rate_limiter_failed",
                    "unexpected answer from Redis: " + bus::ErrorText(answer));
    }
    RateDecision decision;
    decision.allowed = answer.element[0]->integer == 1;
    decision.retry_after = std::chrono::milliseconds(answer.element[1]->integer);
    Checkin(std::move(connection));
    return decision;
  }

 private:
  std::unique_ptr<RedisConnection> Checkout() {
    std::lock_guard lock(mu_);
    if (idle_.empty()) return nullptr;
    std::unique_ptr<RedisConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
  }
  void Checkin(std::unique_ptr<RedisConnection> connection) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(connection));
  }

  const RedisBusOptions options_;
  std::mutex mu_;  // guards idle_ only, never held over a round trip
  std::vector<std::unique_ptr<RedisConnection>> idle_;
};

}  // namespace

Result<std::shared_ptr<RateLimiter>> MakeRedisRateLimiter(RedisBusOptions options) {
  if (Status checked = bus::CheckRedisOptions(options); !checked.ok()) return checked;
  return std::shared_ptr<RateLimiter>(std::make_shared<RedisRateLimiter>(std::move(options)));
}

Status PingRedis(const RedisBusOptions& options) {
  if (Status checked = bus::CheckRedisOptions(options); !checked.ok()) return checked;
  Result<std::unique_ptr<RedisConnection>> connection = RedisConnection::Open(options);
  if (!connection.ok()) return connection.status();
  Result<bus::Reply> reply = (*connection)->Command({"PING"});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) {
    return Status(StatusCode::kUnavailable, "redis_unavailable",
                  "Redis refused PING: " + bus::ErrorText(**reply));
  }
  return Status::Ok();
}

}  // namespace eventify::spi
