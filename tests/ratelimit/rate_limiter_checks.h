// The rate limiter conformance checks (spi/rate_limiter.h), run on each implementation by its
// test program: a bucket starts full, spends one token a Take, refuses when empty with the wait
// for the next token, keeps keys apart, and refuses bad arguments with their codes.
#pragma once

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include "eventify/spi/rate_limiter.h"

namespace eventify::testing {

// One token an hour: nothing refills while a check runs, whatever the machine's speed.
inline constexpr spi::RateLimit kHourly{1.0 / 3600, 3};

inline void CheckBurstThenRefusal(spi::RateLimiter& limiter, const std::string& key) {
  for (int i = 0; i < kHourly.burst; ++i) {
    auto taken = limiter.Take(key, kHourly);
    BOOST_REQUIRE_MESSAGE(taken.ok(), taken.status().ToString());
    BOOST_TEST(taken->allowed);
    BOOST_TEST(taken->retry_after.count() == 0);
  }
  auto refused = limiter.Take(key, kHourly);
  BOOST_REQUIRE(refused.ok());
  BOOST_TEST(!refused->allowed);
  // The wait for one token: an hour, less the moments the takes above took.
  BOOST_TEST(refused->retry_after.count() <= 3'600'000);
  BOOST_TEST(refused->retry_after.count() > 3'500'000);
}

inline void CheckKeysAreApart(spi::RateLimiter& limiter, const std::string& prefix) {
  const spi::RateLimit one{1.0 / 3600, 1};
  BOOST_TEST(limiter.Take(prefix + "a", one)->allowed);
  BOOST_TEST(!limiter.Take(prefix + "a", one)->allowed);
  BOOST_TEST(limiter.Take(prefix + "b", one)->allowed);
  BOOST_TEST(!limiter.Take(prefix + "b", one)->allowed);
}

inline void CheckArguments(spi::RateLimiter& limiter) {
  const auto code = [&](std::string_view key, spi::RateLimit limit) {
    auto taken = limiter.Take(key, limit);
    return taken.ok() ? std::string("ok") : std::string(taken.status().reason());
  };
  BOOST_TEST(code("k", {1, 0}) == "invalid_rate_limit");
  BOOST_TEST(code("k", {0, 1}) == "invalid_rate_limit");
  BOOST_TEST(code("k", {-1, 1}) == "invalid_rate_limit");
  BOOST_TEST(code("", {1, 1}) == "invalid_rate_key");
  BOOST_TEST(code(std::string(513, 'k'), {1, 1}) == "invalid_rate_key");
  BOOST_TEST(code(std::string(512, 'k'), {1, 1}) == "ok");
}

}  // namespace eventify::testing
