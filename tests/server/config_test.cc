// Unit tests of the server's configuration (server/config.cc): the bookings keys parse into
// BookingsOptions from flags, the environment and a config file, and a bad value is refused with
// the exact message naming the key and where it came from.
#define BOOST_TEST_MODULE server_config
#include "config.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>
#include <string>
#include <vector>

using namespace eventify;
using namespace eventify::server;
using std::chrono::seconds;

namespace {

using Environment = std::map<std::string, std::string>;

Result<ServerConfig> Load(const std::vector<Flag>& flags, const Environment& environment = {}) {
  return LoadConfig(flags, [&](const std::string& name) -> std::optional<std::string> {
    const auto found = environment.find(name);
    if (found == environment.end()) return std::nullopt;
    return found->second;
  });
}

Flag F(std::string name, std::string value) { return {std::move(name), std::move(value), true}; }

constexpr const char* kDurationRule =
    "must be a duration of at least 1 s and at most 10 years (seconds, or with s/m/h/d)";

}  // namespace

BOOST_AUTO_TEST_CASE(the_bookings_keys_default_to_the_library_defaults) {
  const auto config = Load({});
  BOOST_TEST_REQUIRE(config.ok());
  const BookingsOptions library;
  BOOST_TEST(config->bookings.hold_ttl.count() == library.hold_ttl.count());
  BOOST_TEST(config->bookings.waitlist_offer_ttl.count() == library.waitlist_offer_ttl.count());
  BOOST_TEST(config->bookings.card_payment_hold.count() == library.card_payment_hold.count());
  BOOST_TEST(config->bookings.reminder_lead.count() == library.reminder_lead.count());
}

BOOST_AUTO_TEST_CASE(the_bookings_keys_parse_durations_from_flags) {
  const auto config = Load({F("bookings.hold_ttl", "90"), F("bookings.waitlist_offer_ttl", "5m"),
                            F("bookings.card_payment_hold", "2h"),
                            F("bookings.reminder_lead", "1d")});
  BOOST_TEST_REQUIRE(config.ok(), config.status().message());
  BOOST_TEST(config->bookings.hold_ttl.count() == 90);
  BOOST_TEST(config->bookings.waitlist_offer_ttl.count() == 5 * 60);
  BOOST_TEST(config->bookings.card_payment_hold.count() == 2 * 3600);
  BOOST_TEST(config->bookings.reminder_lead.count() == 86400);
}

BOOST_AUTO_TEST_CASE(the_bookings_keys_parse_from_the_environment_and_a_file) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("eventify-config-test-" + std::to_string(::getpid()) + ".conf");
  std::ofstream(file) << "bookings.waitlist_offer_ttl = 20m\nbookings.card_payment_hold = 45s\n";
  const auto config =
      Load({F("config", file.string())}, {{"EVENTIFY_BOOKINGS_HOLD_TTL", "3m"},
                                          {"EVENTIFY_BOOKINGS_CARD_PAYMENT_HOLD", "30m"}});
  std::filesystem::remove(file);
  BOOST_TEST_REQUIRE(config.ok(), config.status().message());
  BOOST_TEST(config->bookings.hold_ttl.count() == 3 * 60);
  BOOST_TEST(config->bookings.waitlist_offer_ttl.count() == 20 * 60);
  // The environment outranks the file.
  BOOST_TEST(config->bookings.card_payment_hold.count() == 30 * 60);
}

BOOST_AUTO_TEST_CASE(a_bad_bookings_duration_is_refused_naming_the_key_and_its_source) {
  for (const std::string key :
       {"bookings.hold_ttl", "bookings.waitlist_offer_ttl", "bookings.card_payment_hold"}) {
    for (const std::string value : {"0", "soon", "-5m", "10w", "3651d"}) {
      BOOST_TEST_INFO(key << "=" << value);
      const auto config = Load({F(key, value)});
      BOOST_TEST_REQUIRE(!config.ok());
      BOOST_TEST((config.status().code() == StatusCode::kInvalidArgument));
      BOOST_TEST(config.status().reason() == "invalid_config");
      BOOST_TEST(config.status().message() ==
                 "invalid value for " + key + " (--" + key + "): " + kDurationRule);
    }
  }
  const auto from_env = Load({}, {{"EVENTIFY_BOOKINGS_WAITLIST_OFFER_TTL", "0s"}});
  BOOST_TEST_REQUIRE(!from_env.ok());
  BOOST_TEST(from_env.status().message() ==
             std::string("invalid value for bookings.waitlist_offer_ttl (environment variable "
                         "EVENTIFY_BOOKINGS_WAITLIST_OFFER_TTL): ") +
                 kDurationRule);
}

BOOST_AUTO_TEST_CASE(help_lists_the_bookings_keys_with_their_defaults) {
  const std::string usage = ConfigUsage();
  for (const std::string line :
       {"--bookings.hold_ttl=", "default 10m; env EVENTIFY_BOOKINGS_HOLD_TTL",
        "--bookings.waitlist_offer_ttl=", "default 10m; env EVENTIFY_BOOKINGS_WAITLIST_OFFER_TTL",
        "--bookings.card_payment_hold=", "default 15m; env EVENTIFY_BOOKINGS_CARD_PAYMENT_HOLD"}) {
    BOOST_TEST(usage.find(line) != std::string::npos, line);
  }
}
