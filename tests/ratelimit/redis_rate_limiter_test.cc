// The Redis token buckets, against a throwaway redis-server (tests/support/with-redis.sh): the
// conformance checks, two limiters (two processes' worth) sharing one bucket, and what happens
// while Redis cannot be reached.
#define BOOST_TEST_MODULE redis_rate_limiter
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "eventify/backends/redis_rate_limiter.h"
#include "rate_limiter_checks.h"

namespace eventify::testing {
namespace {

spi::RedisBusOptions Options(const std::string& prefix) {
  const char* port = std::getenv("EVENTIFY_TEST_REDIS_PORT");
  BOOST_REQUIRE_MESSAGE(port != nullptr, "run through tests/support/with-redis.sh");
  return {.host = "127.0.0.1", .port = std::atoi(port), .key_prefix = prefix};
}

std::shared_ptr<spi::RateLimiter> NewLimiter(const spi::RedisBusOptions& options) {
  auto limiter = spi::MakeRedisRateLimiter(options);
  BOOST_REQUIRE_MESSAGE(limiter.ok(), limiter.status().ToString());
  return *limiter;
}

BOOST_AUTO_TEST_CASE(conformance) {
  auto limiter = NewLimiter(Options("conformance:"));
  CheckBurstThenRefusal(*limiter, "burst");
  CheckKeysAreApart(*limiter, "apart:");
  CheckArguments(*limiter);
}

BOOST_AUTO_TEST_CASE(two_limiters_share_one_bucket) {
  auto first = NewLimiter(Options("shared:"));
  auto second = NewLimiter(Options("shared:"));
  auto other_installation = NewLimiter(Options("other:"));
  BOOST_TEST(first->Take("k", kHourly)->allowed);
  BOOST_TEST(second->Take("k", kHourly)->allowed);
  BOOST_TEST(first->Take("k", kHourly)->allowed);
  BOOST_TEST(!second->Take("k", kHourly)->allowed);
  BOOST_TEST(!first->Take("k", kHourly)->allowed);
  // Another key prefix is another installation's bucket.
  BOOST_TEST(other_installation->Take("k", kHourly)->allowed);
}

BOOST_AUTO_TEST_CASE(an_unreachable_redis_is_reported) {
  spi::RedisBusOptions closed = Options("closed:");
  closed.port = 1;  // nothing listens on port 1
  auto limiter = NewLimiter(closed);
  auto taken = limiter->Take("k", kHourly);
  BOOST_REQUIRE(!taken.ok());
  BOOST_TEST((taken.status().code() == StatusCode::kUnavailable));
  BOOST_TEST(taken.status().reason() == "rate_limiter_unavailable");
  BOOST_TEST(spi::PingRedis(closed).reason() == "redis_unavailable");
  BOOST_TEST(spi::PingRedis(Options("ping:")).ok());
  spi::RedisBusOptions no_host = Options("x:");
  no_host.host.clear();
  BOOST_TEST(spi::MakeRedisRateLimiter(no_host).status().reason() == "invalid_redis_address");
}

}  // namespace
}  // namespace eventify::testing
