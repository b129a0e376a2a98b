// Unit tests of the server's configuration (server/config.cc): the bookings keys parse into
// BookingsOptions from flags, the environment and a config file, and a bad value is refused with
// the exact message naming the key and where it came from; the command line's bare flags.
#define BOOST_TEST_MODULE server_config
#include "config.h"
#include "config_loading.h"

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

using testing::Environment;
using testing::F;
using testing::Load;

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

BOOST_AUTO_TEST_CASE(the_websocket_keys_parse_and_share_the_listen_host) {
  const auto defaults = Load({});
  BOOST_TEST_REQUIRE(defaults.ok());
  BOOST_TEST(defaults->ws.port == 8001);
  BOOST_TEST(defaults->ws.allowed_origins.empty());
  BOOST_TEST(defaults->ws.host == "127.0.0.1");

  const auto config =
      Load({F("listen.host", "0.0.0.0"), F("ws.port", "0"),
            F("ws.allowed_origins", " https://app.example , http://localhost:3000"),
            F("ws.auth_timeout", "3s"), F("ws.max_frame_bytes", "8KiB"),
            F("ws.max_messages_per_second", "7"), F("ws.send_queue_max_bytes", "2MiB")},
           {{"EVENTIFY_WS_MAX_CONNECTIONS_PER_USER", "4"}});
  BOOST_TEST_REQUIRE(config.ok(), config.status().message());
  BOOST_TEST(config->ws.host == "0.0.0.0");
  BOOST_TEST(config->ws.port == 0);
  BOOST_TEST((config->ws.allowed_origins ==
              std::vector<std::string>{"https://app.example", "http://localhost:3000"}));
  BOOST_TEST(config->ws.auth_timeout.count() == 3);
  BOOST_TEST(config->ws.max_frame_bytes == 8u * 1024);
  BOOST_TEST(config->ws.max_messages_per_second == 7);
  BOOST_TEST(config->ws.send_queue_max_bytes == 2u * 1024 * 1024);
  BOOST_TEST(config->ws.max_connections_per_user == 4);

  const auto none = Load({F("ws.allowed_origins", "none")});
  BOOST_TEST_REQUIRE(none.ok());
  BOOST_TEST(none->ws.allowed_origins.empty());
  const auto empty_item = Load({F("ws.allowed_origins", "https://a.example,,https://b.example")});
  BOOST_TEST_REQUIRE(!empty_item.ok());
  BOOST_TEST(empty_item.status().message() ==
             "invalid value for ws.allowed_origins (--ws.allowed_origins): must be a "
             "comma-separated list without empty items");
  const auto zero_rate = Load({F("ws.max_messages_per_second", "0")});
  BOOST_TEST_REQUIRE(!zero_rate.ok());
  BOOST_TEST(zero_rate.status().message() ==
             "invalid value for ws.max_messages_per_second (--ws.max_messages_per_second): must "
             "be an integer from 1 to 1000000");
  BOOST_TEST(ConfigUsage().find("default none; env EVENTIFY_WS_ALLOWED_ORIGINS") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(oidc_slots_become_providers_with_their_redirect_uri) {
  const auto config = Load({F("oidc.1.name", "corp"), F("oidc.1.issuer", "https://id.example"),
                            F("oidc.1.client_id", "eventify"),
                            F("oidc.1.allowed_domains", "Corp.Example,example.org"),
                            F("oidc.redirect_base", "https://events.example/"),
                            F("oidc.key_refresh_interval", "0s")},
                           {{"EVENTIFY_OIDC_1_CLIENT_SECRET", "s3cret"}});
  BOOST_TEST_REQUIRE(config.ok(), config.status().ToString());
  BOOST_TEST_REQUIRE(config->sign_in.providers.size() == 1u);
  const OidcProvider& provider = config->sign_in.providers[0];
  BOOST_TEST(provider.name == "corp");
  BOOST_TEST(provider.issuer == "https://id.example");
  BOOST_TEST(provider.client_id == "eventify");
  BOOST_TEST(provider.client_secret == "s3cret");
  BOOST_TEST(provider.redirect_uri == "https://events.example/api/v1/auth/oidc/corp/callback");
  BOOST_TEST((provider.allowed_email_domains ==
              std::vector<std::string>{"corp.example", "example.org"}));
  BOOST_TEST(config->sign_in.key_refresh_interval == seconds(0));
  const auto none = Load({});
  BOOST_TEST_REQUIRE(none.ok());
  BOOST_TEST(none->sign_in.providers.empty());
}

BOOST_AUTO_TEST_CASE(an_incomplete_oidc_slot_and_a_secret_flag_are_refused) {
  const auto incomplete = Load({F("oidc.2.issuer", "https://id.example")});
  BOOST_TEST_REQUIRE(!incomplete.ok());
  BOOST_TEST(incomplete.status().reason() == "invalid_config");
  BOOST_TEST(incomplete.status().message() ==
             "oidc.2: a provider needs oidc.2.name, oidc.2.issuer and oidc.2.client_id");
  const auto secret_flag = Load({F("oidc.1.client_secret", "s3cret")});
  BOOST_TEST_REQUIRE(!secret_flag.ok());
  BOOST_TEST(secret_flag.status().reason() == "invalid_config");
}

BOOST_AUTO_TEST_CASE(print_routes_is_a_bare_flag_like_help_and_version) {
  const auto flags = ParseFlags({"--print-routes", "--listen.port", "0", "--help", "--version"});
  BOOST_TEST_REQUIRE(flags.ok());
  BOOST_TEST_REQUIRE(flags->size() == 4u);
  BOOST_TEST((*flags)[0].name == "print-routes");
  BOOST_TEST(!(*flags)[0].has_value);
  BOOST_TEST((*flags)[1].name == "listen.port");
  BOOST_TEST((*flags)[1].value == "0");
  BOOST_TEST((*flags)[2].name == "help");
  BOOST_TEST((*flags)[3].name == "version");
  // Any other option still needs its value.
  const auto missing = ParseFlags({"--listen.port"});
  BOOST_TEST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.status().reason() == "usage");
  BOOST_TEST(missing.status().message() == "option --listen.port needs a value");
}

BOOST_AUTO_TEST_CASE(media_store_follows_the_database_unless_set) {
  const auto sqlite = Load({});
  BOOST_TEST_REQUIRE(sqlite.ok());
  BOOST_TEST((sqlite->media_store == MediaStoreKind::kFilesystem));
  for (const std::string url : {"postgresql://u@localhost:5432/db", "postgres://u@h/db"}) {
    const auto postgres = Load({F("database.url", url)});
    BOOST_TEST_REQUIRE(postgres.ok());
    BOOST_TEST((postgres->media_store == MediaStoreKind::kDatabase), url);
  }
  const auto forced = Load({F("database.url", "postgresql://u@h/db"), F("media.store", "filesystem")});
  BOOST_TEST_REQUIRE(forced.ok());
  BOOST_TEST((forced->media_store == MediaStoreKind::kFilesystem));
  const auto from_env = Load({}, {{"EVENTIFY_MEDIA_STORE", "Database"}});
  BOOST_TEST_REQUIRE(from_env.ok());
  BOOST_TEST((from_env->media_store == MediaStoreKind::kDatabase));
}

BOOST_AUTO_TEST_CASE(a_bad_media_store_is_refused_naming_the_key) {
  const auto config = Load({F("media.store", "s3")});
  BOOST_TEST_REQUIRE(!config.ok());
  BOOST_TEST((config.status().code() == StatusCode::kInvalidArgument));
  BOOST_TEST(config.status().reason() == "invalid_config");
  BOOST_TEST(config.status().message() ==
             "invalid value for media.store (--media.store): must be filesystem or database");
  const std::string usage = ConfigUsage();
  BOOST_TEST(usage.find("default database with PostgreSQL, filesystem with SQLite; env "
                        "EVENTIFY_MEDIA_STORE") != std::string::npos);
}
