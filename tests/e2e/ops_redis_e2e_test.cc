// End to end with a throwaway Redis (tests/support/with-redis.sh): /readyz checks Redis, and two
// server processes on one Redis share each rate limit.
#define BOOST_TEST_MODULE e2e_ops_redis
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <string>

#include "e2e_client.h"

namespace eventify::testing {
namespace {

using e2e::CheckError;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;

std::string RedisPortFlag() {
  const char* port = std::getenv("EVENTIFY_TEST_REDIS_PORT");
  BOOST_REQUIRE_MESSAGE(port != nullptr, "run through tests/support/with-redis.sh");
  return std::string("--redis.port=") + port;
}

// Stops ("down") or starts ("up") the throwaway Redis.
void Redis(const std::string& action) {
  const char* restart = std::getenv("EVENTIFY_TEST_REDIS_RESTART");
  BOOST_REQUIRE(restart != nullptr);
  BOOST_REQUIRE(std::system((std::string(restart) + " " + action).c_str()) == 0);
}

BOOST_AUTO_TEST_CASE(readyz_checks_redis) {
  e2e::Deployment deployment(
      kServer, {"--redis.host=127.0.0.1", RedisPortFlag(), "--redis.key_prefix=ready:"});
  e2e::Api api = deployment.api();
  const e2e::Reply ready = api.Get("/readyz");
  BOOST_TEST(ready.status == 200);
  BOOST_TEST(ready.body ==
             "{\"status\":\"ready\",\"checks\":{\"database\":\"ok\",\"redis\":\"ok\"}}");

  Redis("down");
  const e2e::Reply down = api.Get("/readyz");
  CheckError(down, 503, "redis_unavailable");
  // Alive all the same, and the API still answers: the limits let requests through meanwhile.
  BOOST_TEST(api.Get("/healthz").status == 200);
  BOOST_TEST(api.Get("/api/v1/categories").status == 200);
  Redis("up");
  BOOST_TEST(api.Get("/readyz").status == 200);
  const std::string metrics = api.Get("/metrics").body;
  // The one limited request made while Redis was down went through, counted as a failure.
  BOOST_TEST(metrics.find("eventify_http_rate_limiter_errors_total 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(two_servers_on_one_redis_share_the_limit) {
  const std::vector<std::string> flags = {
      "--redis.host=127.0.0.1", RedisPortFlag(), "--redis.key_prefix=shared:",
      "--http.rate_limit.per_address=1/h", "--http.rate_limit.per_address_burst=3"};
  e2e::Deployment first(kServer, flags);
  e2e::Deployment second(kServer, flags);
  e2e::Api a = first.api();
  e2e::Api b = second.api();
  BOOST_TEST(a.Get("/api/v1/categories").status == 200);
  BOOST_TEST(b.Get("/api/v1/categories").status == 200);
  BOOST_TEST(a.Get("/api/v1/categories").status == 200);
  const e2e::Reply limited_b = b.Get("/api/v1/categories");
  CheckError(limited_b, 429, "rate_limited");
  const int seconds = std::stoi(limited_b.Header("Retry-After"));
  BOOST_TEST(seconds <= 3600);
  BOOST_TEST(seconds > 3500);
  CheckError(a.Get("/api/v1/categories"), 429, "rate_limited");

  // A server with another key prefix is another installation: its own buckets.
  std::vector<std::string> other_flags = flags;
  other_flags[2] = "--redis.key_prefix=other:";
  e2e::Deployment other(kServer, other_flags);
  BOOST_TEST(other.api().Get("/api/v1/categories").status == 200);
}

}  // namespace
}  // namespace eventify::testing
