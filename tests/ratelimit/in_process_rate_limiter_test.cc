// The in-process token buckets: the conformance checks, and refilling exactly on a manual clock.
#define BOOST_TEST_MODULE in_process_rate_limiter
#include <boost/test/unit_test.hpp>

#include "eventify/spi/rate_limiter.h"
#include "rate_limiter_checks.h"

namespace eventify::testing {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<spi::ManualClock> NewClock() {
  return std::make_shared<spi::ManualClock>(FromMicros(1'800'000'000'000'000));
}

BOOST_AUTO_TEST_CASE(conformance) {
  auto limiter = spi::MakeInProcessRateLimiter(NewClock());
  CheckBurstThenRefusal(*limiter, "burst");
  CheckKeysAreApart(*limiter, "apart:");
  CheckArguments(*limiter);
}

BOOST_AUTO_TEST_CASE(refills_at_its_rate_up_to_the_burst) {
  auto clock = NewClock();
  auto limiter = spi::MakeInProcessRateLimiter(clock);
  const spi::RateLimit limit{2, 4};  // two tokens a second, four at most
  for (int i = 0; i < 4; ++i) BOOST_TEST(limiter->Take("k", limit)->allowed);
  auto refused = limiter->Take("k", limit);
  BOOST_TEST(!refused->allowed);
  BOOST_TEST(refused->retry_after.count() == 500);
  clock->Advance(250ms);
  refused = limiter->Take("k", limit);
  BOOST_TEST(!refused->allowed);
  BOOST_TEST(refused->retry_after.count() == 250);
  clock->Advance(250ms);
  BOOST_TEST(limiter->Take("k", limit)->allowed);
  BOOST_TEST(!limiter->Take("k", limit)->allowed);
  // A long pause refills no more than the burst.
  clock->Advance(1h);
  for (int i = 0; i < 4; ++i) BOOST_TEST(limiter->Take("k", limit)->allowed);
  BOOST_TEST(!limiter->Take("k", limit)->allowed);
}

BOOST_AUTO_TEST_CASE(a_clock_moving_back_refills_nothing) {
  auto clock = NewClock();
  auto limiter = spi::MakeInProcessRateLimiter(clock);
  const spi::RateLimit limit{1, 1};
  BOOST_TEST(limiter->Take("k", limit)->allowed);
  clock->Advance(-10s);
  auto refused = limiter->Take("k", limit);
  BOOST_TEST(!refused->allowed);
  BOOST_TEST(refused->retry_after.count() == 1000);
}

BOOST_AUTO_TEST_CASE(memory_stays_bounded_and_empty_buckets_survive_eviction) {
  auto clock = NewClock();
  // 16 shards of 2 buckets each.
  auto limiter = spi::MakeInProcessRateLimiter(clock, 32);
  const spi::RateLimit limit{1.0 / 3600, 1};
  BOOST_TEST(limiter->Take("spent", limit)->allowed);
  // Thousands of other clients, each leaving a full bucket after a refill.
  for (int i = 0; i < 5000; ++i) {
    BOOST_TEST(limiter->Take("client" + std::to_string(i), {1000, 1})->allowed);
    clock->Advance(1ms);
  }
  // Each client's bucket is full again 1 ms later, so evictions drop those and the spent one is
  // still remembered.
  BOOST_TEST(!limiter->Take("spent", limit)->allowed);
}

}  // namespace
}  // namespace eventify::testing
