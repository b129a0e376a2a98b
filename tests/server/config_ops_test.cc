// Unit tests of the operational keys of the server's configuration (server/config_ops_keys.cc):
// CORS, the HTTP rate limits, Redis and the chat hub parse from flags, the environment and a
// file, default to what docs/configuration.md says, and bad values are refused with the exact
// message naming the key.
#define BOOST_TEST_MODULE server_config_ops
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <vector>

#include "config.h"
#include "config_loading.h"

using namespace eventify;
using namespace eventify::server;

namespace {

using testing::Environment;
using testing::F;
using testing::Load;

std::string Refusal(const std::vector<Flag>& flags) {
  const auto config = Load(flags);
  return config.ok() ? std::string("accepted") : config.status().message();
}

}  // namespace

BOOST_AUTO_TEST_CASE(defaults) {
  const auto config = Load({});
  BOOST_TEST_REQUIRE(config.ok());
  BOOST_TEST(config->cors.allowed_origins.empty());
  BOOST_TEST(!config->cors.allow_credentials);
  BOOST_TEST(config->cors.max_age.count() == 600);
  BOOST_TEST(config->rate_limits.per_address.enabled);
  BOOST_TEST(config->rate_limits.per_address.limit.refill_per_second == 50);
  BOOST_TEST(config->rate_limits.per_address.limit.burst == 100);
  BOOST_TEST(config->rate_limits.per_user.limit.refill_per_second == 20);
  BOOST_TEST(config->rate_limits.per_user.limit.burst == 40);
  BOOST_TEST(config->rate_limits.auth_per_address.limit.refill_per_second == 0.5);
  BOOST_TEST(config->rate_limits.auth_per_address.limit.burst == 10);
  BOOST_TEST(config->redis.host == "");
  BOOST_TEST(config->redis.port == 6379);
  BOOST_TEST(config->redis.key_prefix == "eventify:");
  const HubOptions hub;
  BOOST_TEST(config->hub.typing_interval.count() == hub.typing_interval.count());
  BOOST_TEST(config->hub.replay_limit == hub.replay_limit);
  BOOST_TEST(config->hub.heartbeat_timeout.count() == hub.heartbeat_timeout.count());
  BOOST_TEST(config->hub.offline_grace.count() == hub.offline_grace.count());
  BOOST_TEST(config->hub.session_check_interval.count() == 5000);
  BOOST_TEST(config->hub.tick_interval.count() == hub.tick_interval.count());
  BOOST_TEST(config->hub.unread_total_interval.count() == hub.unread_total_interval.count());
}

BOOST_AUTO_TEST_CASE(cors_keys) {
  const auto config =
      Load({F("http.cors.allowed_origins", "https://app.example.com, http://localhost:3000"),
            F("http.cors.allow_credentials", "true"), F("http.cors.max_age", "1h")});
  BOOST_TEST_REQUIRE(config.ok(), config.status().message());
  BOOST_TEST(config->cors.allowed_origins ==
                 (std::vector<std::string>{"https://app.example.com", "http://localhost:3000"}),
             boost::test_tools::per_element());
  BOOST_TEST(config->cors.allow_credentials);
  BOOST_TEST(config->cors.max_age.count() == 3600);

  BOOST_TEST(Refusal({F("http.cors.allowed_origins", "https://app.example.com/")}) ==
             "invalid value for http.cors.allowed_origins: 'https://app.example.com/': an origin "
             "is scheme://host[:port], without a path or a trailing slash");
  BOOST_TEST(Refusal({F("http.cors.allowed_origins", "app.example.com")}) ==
             "invalid value for http.cors.allowed_origins: 'app.example.com': origins start with "
             "http:// or https://");
  BOOST_TEST(Refusal({F("http.cors.allowed_origins", "*"), F("http.cors.allow_credentials", "on")}) ==
             "http.cors.allow_credentials cannot be true when http.cors.allowed_origins is *: "
             "browsers refuse credentials with a wildcard origin; list the origins");
  BOOST_TEST(Load({F("http.cors.allowed_origins", "*")}).ok());
}

BOOST_AUTO_TEST_CASE(rate_limit_keys) {
  const auto config = Load({F("http.rate_limit.per_address", "120/m"),
                            F("http.rate_limit.per_address_burst", "7"),
                            F("http.rate_limit.per_user", "off")},
                           {{"EVENTIFY_HTTP_RATE_LIMIT_AUTH_PER_ADDRESS", "3/h"}});
  BOOST_TEST_REQUIRE(config.ok(), config.status().message());
  BOOST_TEST(config->rate_limits.per_address.limit.refill_per_second == 2);
  BOOST_TEST(config->rate_limits.per_address.limit.burst == 7);
  BOOST_TEST(!config->rate_limits.per_user.enabled);
  BOOST_TEST(config->rate_limits.auth_per_address.limit.refill_per_second == 3.0 / 3600);
  const std::string rule = "must be off or N/s, N/m or N/h with N from 1 to 1000000";
  for (const char* bad : {"10", "0/s", "10/d", "ten/s", "-1/s", "1000001/s"}) {
    BOOST_TEST(Refusal({F("http.rate_limit.per_user", bad)}) ==
                   "invalid value for http.rate_limit.per_user (--http.rate_limit.per_user): " +
                       rule,
               bad);
  }
  BOOST_TEST(Refusal({F("http.rate_limit.per_user_burst", "0")}) ==
             "invalid value for http.rate_limit.per_user_burst "
             "(--http.rate_limit.per_user_burst): must be an integer from 1 to 1000000");
}

BOOST_AUTO_TEST_CASE(redis_keys) {
  const auto config = Load({F("redis.host", "10.0.0.5"), F("redis.port", "6380"),
                            F("redis.key_prefix", "prod:"), F("redis.timeout", "250ms")},
                           {{"EVENTIFY_REDIS_PASSWORD", "s3cret"}});
  BOOST_TEST_REQUIRE(config.ok(), config.status().message());
  BOOST_TEST(config->redis.host == "10.0.0.5");
  BOOST_TEST(config->redis.port == 6380);
  BOOST_TEST(config->redis.key_prefix == "prod:");
  BOOST_TEST(config->redis.timeout.count() == 250);
  BOOST_TEST(config->redis.password == "s3cret");
  BOOST_TEST(Refusal({F("redis.password", "s3cret")}) ==
             "redis.password cannot be given on the command line, where other users of the "
             "machine can read it; use EVENTIFY_REDIS_PASSWORD or the config file");
}

BOOST_AUTO_TEST_CASE(hub_keys) {
  const auto config =
      Load({F("hub.typing_interval", "500ms"), F("hub.replay_limit", "1000"),
            F("hub.heartbeat_timeout", "90"), F("hub.offline_grace", "0"),
            F("hub.tick_interval", "250ms"), F("hub.unread_total_interval", "2s"),
            F("hub.session_check_interval", "0")});
  BOOST_TEST_REQUIRE(config.ok(), config.status().message());
  BOOST_TEST(config->hub.typing_interval.count() == 500);
  BOOST_TEST(config->hub.replay_limit == 1000);
  BOOST_TEST(config->hub.heartbeat_timeout.count() == 90'000);
  BOOST_TEST(config->hub.offline_grace.count() == 0);
  BOOST_TEST(config->hub.tick_interval.count() == 250);
  BOOST_TEST(config->hub.unread_total_interval.count() == 2000);
  BOOST_TEST(config->hub.session_check_interval.count() == 0);
  BOOST_TEST(Refusal({F("hub.replay_limit", "1001")}) ==
             "invalid value for hub.replay_limit (--hub.replay_limit): must be an integer from 1 "
             "to 1000");
  BOOST_TEST(Refusal({F("hub.tick_interval", "5ms")}) ==
             "invalid value for hub.tick_interval (--hub.tick_interval): must be a duration from "
             "10 ms to 24h (with ms, s, m or h)");
  BOOST_TEST(Refusal({F("hub.heartbeat_timeout", "2d")}) ==
             "invalid value for hub.heartbeat_timeout (--hub.heartbeat_timeout): must be a "
             "duration from 1000 ms to 24h (with ms, s, m or h)");
}

BOOST_AUTO_TEST_CASE(help_shows_the_defaults) {
  const std::string usage = ConfigUsage();
  for (const char* line : {"default 50/s; env EVENTIFY_HTTP_RATE_LIMIT_PER_ADDRESS",
                           "default 30/m; env EVENTIFY_HTTP_RATE_LIMIT_AUTH_PER_ADDRESS",
                           "default none; env EVENTIFY_HTTP_CORS_ALLOWED_ORIGINS",
                           "default (none); env EVENTIFY_REDIS_HOST",
                           "default 2s; env EVENTIFY_HUB_TYPING_INTERVAL",
                           "default 1m; env EVENTIFY_HUB_HEARTBEAT_TIMEOUT"}) {
    BOOST_TEST(usage.find(line) != std::string::npos, line);
  }
}
