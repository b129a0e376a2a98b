// The operational keys of the configuration table: CORS, the HTTP rate limits, Redis and the chat
// hub (docs/configuration.md lists them; docs/http.md and docs/operations.md say what they do).
#include <fmt/format.h>

#include <cmath>

#include "config_keys.h"

namespace eventify::server {
namespace {

using C = ServerConfig;

// A rate as `N/s`, `N/m` or `N/h` (N a positive integer), or `off`.
template <typename Access>
KeySpec RateKey(std::string name, std::string help, Access access) {
  return {name, help,
          [=](ServerConfig& config, std::string_view text) -> std::string {
            const std::string value = Lower(Trim(text));
            RateRule& rule = access(config);
            if (value == "off") {
              rule.enabled = false;
              return {};
            }
            const std::size_t slash = value.find('/');
            const auto count = ParseUnsigned(std::string_view(value).substr(0, slash));
            const std::string unit = slash == std::string::npos ? "" : value.substr(slash + 1);
            const double per = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
            if (!count || *count < 1 || *count > 1'000'000 || per == 0) {
              return "must be off or N/s, N/m or N/h with N from 1 to 1000000";
            }
            rule.enabled = true;
            rule.limit.refill_per_second = static_cast<double>(*count) / per;
            return {};
          },
          [=](ServerConfig& config) -> std::string {
            const RateRule& rule = access(config);
            if (!rule.enabled) return "off";
            const double per_second = rule.limit.refill_per_second;
            if (per_second >= 1 && per_second == std::floor(per_second)) {
              return fmt::format("{}/s", per_second);
            }
            if (per_second * 60 == std::floor(per_second * 60)) {
              return fmt::format("{}/m", per_second * 60);
            }
            return fmt::format("{}/h", std::round(per_second * 3600));
          }};
}

// A duration in milliseconds, written with ms, s, m or h (no unit: seconds).
template <typename Access>
KeySpec MillisecondsKey(std::string name, std::string help, Access access,
                        std::uint64_t min_ms) {
  constexpr std::uint64_t kMax = 24ull * 3600 * 1000;  // a day
  return {name, help,
          [=](ServerConfig& config, std::string_view text) -> std::string {
            const auto value = ParseWithUnit(
                text, {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}});
            if (!value || *value < min_ms || *value > kMax) {
              return fmt::format("must be a duration from {} ms to 24h (with ms, s, m or h)",
                                 min_ms);
            }
            access(config) = std::chrono::milliseconds(static_cast<std::int64_t>(*value));
            return {};
          },
          [=](ServerConfig& config) -> std::string {
            const auto ms = access(config).count();
            if (ms % 1000 != 0) return fmt::format("{}ms", ms);
            return ShowSeconds(std::chrono::seconds(ms / 1000));
          }};
}

void AddRateRule(std::vector<KeySpec>& k, std::string_view name, std::string_view what,
                 RateRule RateLimitsConfig::*rule) {
  k.push_back(RateKey(
      fmt::format("http.rate_limit.{}", name),
      fmt::format("token refill rate of the bucket {} (N/s, N/m, N/h or off)", what),
      [rule](C& c) -> RateRule& { return c.rate_limits.*rule; }));
  k.push_back(IntKey(
      fmt::format("http.rate_limit.{}_burst", name),
      fmt::format("size of the bucket {}: requests allowed at once", what),
      [rule](C& c) -> int& { return (c.rate_limits.*rule).limit.burst; }, 1, 1'000'000));
}

}  // namespace

void AddOperationsKeys(std::vector<KeySpec>& k) {
  k.push_back(WordListKey(
      "http.cors.allowed_origins",
      "browser origins (scheme://host[:port], comma-separated) that may call the API; * any, "
      "none no cross-origin browser",
      [](C& c) -> std::vector<std::string>& { return c.cors.allowed_origins; }));
  k.push_back(BoolKey("http.cors.allow_credentials",
                      "let browsers send cookies and HTTP authentication (never with *)",
                      [](C& c) -> bool& { return c.cors.allow_credentials; }));
  k.push_back(SecondsKey(
      "http.cors.max_age", "how long a browser may cache a preflight answer",
      [](C& c) -> std::chrono::seconds& { return c.cors.max_age; }, 0));
  AddRateRule(k, "per_address", "of each client address (every request)",
              &RateLimitsConfig::per_address);
  AddRateRule(k, "per_user", "of each user (requests with a valid access token)",
              &RateLimitsConfig::per_user);
  AddRateRule(k, "auth_per_address",
              "of each client address on the /api/v1/auth/ routes (besides per_address)",
              &RateLimitsConfig::auth_per_address);
  k.push_back(StringKey(
      "redis.host",
      "Redis host: rate limits shared by every node on it, and checked by /readyz; unset: none",
      [](C& c) -> std::string& { return c.redis.host; }, "(none)"));
  k.push_back(IntKey(
      "redis.port", "Redis TCP port", [](C& c) -> int& { return c.redis.port; }, 1, 65535));
  KeySpec password = StringKey("redis.password", "Redis AUTH password (file or env only)",
                               [](C& c) -> std::string& { return c.redis.password; });
  password.secret = true;
  k.push_back(std::move(password));
  k.push_back(StringKey("redis.key_prefix",
                        "prefix of every Redis key, so that installations can share one Redis",
                        [](C& c) -> std::string& { return c.redis.key_prefix; }));
  k.push_back(MillisecondsKey(
      "redis.timeout", "time allowed to connect to Redis, and for one round trip",
      [](C& c) -> std::chrono::milliseconds& { return c.redis.timeout; }, 1));
  k.push_back(StringKey(
      "node.id",
      "this server's name among the nodes on one Redis (1-64 of A-Z a-z 0-9 . _ -, unique among "
      "live nodes)",
      [](C& c) -> std::string& { return c.node_id; }, "<host name>-<process id>"));
  k.push_back(MillisecondsKey(
      "hub.typing_interval", "at most one typing frame per user and conversation this often",
      [](C& c) -> std::chrono::milliseconds& { return c.hub.typing_interval; }, 0));
  k.push_back(IntKey(
      "hub.replay_limit", "events a resume replays at most (else resync_required)",
      [](C& c) -> int& { return c.hub.replay_limit; }, 1, kMaxStreamLimit));
  k.push_back(MillisecondsKey(
      "hub.heartbeat_timeout", "a socket silent this long is closed (heartbeat_timeout)",
      [](C& c) -> std::chrono::milliseconds& { return c.hub.heartbeat_timeout; }, 1000));
  k.push_back(MillisecondsKey(
      "hub.offline_grace", "a user is announced offline this long after their last socket closed",
      [](C& c) -> std::chrono::milliseconds& { return c.hub.offline_grace; }, 0));
  k.push_back(MillisecondsKey(
      "hub.session_check_interval",
      "how often the open sockets' login sessions are checked (0: never; an ended one closes)",
      [](C& c) -> std::chrono::milliseconds& { return c.hub.session_check_interval; }, 0));
  k.push_back(MillisecondsKey(
      "hub.tick_interval", "how often the hub runs its timers (heartbeats, offline grace)",
      [](C& c) -> std::chrono::milliseconds& { return c.hub.tick_interval; }, 10));
  k.push_back(MillisecondsKey(
      "hub.unread_total_interval", "a user's unread total goes out at most this often",
      [](C& c) -> std::chrono::milliseconds& { return c.hub.unread_total_interval; }, 0));
}

Status CheckOperationsConfig(const ServerConfig& config) {
  if (!config.node_id.empty() && !spi::CheckNodeId(config.node_id).ok()) {
    return ConfigError(fmt::format(
        "invalid value for node.id: '{}': 1 to 64 characters of A-Z a-z 0-9 . _ -",
        config.node_id));
  }
  for (const std::string& origin : config.cors.allowed_origins) {
    if (std::string problem = CheckCorsOrigin(origin); !problem.empty()) {
      return ConfigError(
          fmt::format("invalid value for http.cors.allowed_origins: '{}': {}", origin, problem));
    }
    if (origin == "*" && config.cors.allow_credentials) {
      return ConfigError(
          "http.cors.allow_credentials cannot be true when http.cors.allowed_origins is *: "
          "browsers refuse credentials with a wildcard origin; list the origins");
    }
  }
  return Status::Ok();
}

}  // namespace eventify::server
