// Migration 26 on the bundled SOCI storage: the bookings of a version 25 database read the same
// afterwards, through one unique index (user_id, request_key) in place of the request key's own
// constraint and bookings_user_idx (libeventify/src/storage/soci/booking_schema.h): by id, by
// buyer and request key, a buyer's list newest first; a buyer's key stays unique, and the table's
// other indexes are there again. Migration 27 keeps only held bookings in bookings_lapse_idx:
// lapsed holds are still found, and a buyer's confirmed bookings are read through the index by
// buyer, not through that one. Runs on the backend EVENTIFY_TEST_BACKEND selects.
#include <soci/soci.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eventify/spi/booking_store.h"
#include "eventify/spi/storage.h"
#include "storage/fixtures.h"
#include "storage/raw_session.h"
#include "storage/soci/migrations.h"

namespace eventify::testing {

BOOST_AUTO_TEST_CASE(migrations_26_and_27_find_bookings_through_one_index_by_buyer) {
  const std::string url = FreshDatabaseUrl();
  const bool postgres = TestBackend() == "postgresql";
  auto id = [](int n) { return "00000000-0000-7000-8000-00000000010" + std::to_string(n); };
  {
    auto sql = RawSession(url);
    const auto dialect = postgres ? storage::Dialect::kPostgresql : storage::Dialect::kSqlite;
    auto migrated = storage::Migrate(*sql, dialect, /*up_to=*/25);
    BOOST_REQUIRE_MESSAGE(migrated.ok() && *migrated == 25, migrated.status().ToString());
    // u1: a confirmed booking with a coupon (1, reminded) and a later hold (2); u2: an offer (3).
    const std::string columns =
        "INSERT INTO bookings (id, event_id, user_id, request_key, client_key, seats, amount,"
        " currency, status, hold_expires_at, payment_transfer_id, refund_transfer_id,"
        " confirmed_at, cancelled_at, created_at, updated_at, coupon_id, coupon_code, discount,"
        " reminded_at) VALUES ";
    *sql << columns + "('" + id(1) +
                "', 'event', 'u1', 'u1:k1', 'k1', 2, 900, 'INR', 'confirmed', 50, 'pay-1', '',"
                " 20, NULL, 10, 20, 'coupon', 'SAVE10', 100, 30)";
    *sql << columns + "('" + id(2) +
                "', 'event', 'u1', 'u1:k2', 'k2', 1, 500, 'INR', 'held', 70, '', '', NULL, NULL,"
                " 11, 11, '', '', 0, NULL)";
    *sql << columns + "('" + id(3) +
                "', 'event', 'u2', 'waitlist:e1', 'waitlist:e1', 1, 500, 'INR', 'held', 80, '',"
                " '', NULL, NULL, 12, 12, '', '', 0, NULL)";
  }
  spi::SociStorageOptions options;
  options.url = url;
  auto upgraded = OpenStorageOrFail(options);
  BOOST_TEST(upgraded->schema_version() == storage::NewestSchemaVersion());
  REQUIRE_OK(upgraded->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<spi::BookingStore>();
    const std::vector<std::string> ids = {id(1)};
    auto first = store->FindBookings(ids);
    BOOST_REQUIRE_MESSAGE(first.ok(), first.status().ToString());
    BOOST_REQUIRE(first->size() == 1u);
    const Booking& b = first->front().booking;
    BOOST_TEST(b.user_id == "u1");
    BOOST_TEST(b.idempotency_key == "k1");
    BOOST_TEST(b.seats == 2);
    BOOST_TEST(b.amount.minor_units == 900);
    BOOST_TEST((b.status == BookingStatus::kConfirmed));
    BOOST_TEST(b.payment_transfer_id == "pay-1");
    BOOST_TEST((b.confirmed_at == std::optional<Timestamp>(FromMicros(20))));
    BOOST_TEST((b.created_at == FromMicros(10)));
    BOOST_TEST(b.coupon_code == "SAVE10");
    BOOST_TEST(b.discount.minor_units == 100);
    BOOST_TEST(first->front().coupon_id == "coupon");
    BOOST_TEST(first->front().request_key == "u1:k1");

    const std::vector<std::pair<std::string, std::string>> keys = {
        {"u1", "u1:k2"}, {"u2", "waitlist:e1"}, {"u2", "u1:k1"}};
    auto by_key = store->FindBookingsByRequestKey(keys);
    BOOST_REQUIRE_MESSAGE(by_key.ok(), by_key.status().ToString());
    std::vector<std::string> found;
    for (const auto& record : *by_key) found.push_back(record.booking.id);
    std::sort(found.begin(), found.end());
    BOOST_TEST((found == std::vector<std::string>{id(2), id(3)}));

    auto listed = store->ListUserBookings("u1", std::nullopt, 10);
    BOOST_REQUIRE_MESSAGE(listed.ok(), listed.status().ToString());
    BOOST_REQUIRE(listed->size() == 2u);
    BOOST_TEST((*listed)[0].booking.id == id(2));
    BOOST_TEST((*listed)[1].booking.id == id(1));

    // Holds lapsed at 100: u1's (70) and u2's offer (80); the confirmed booking is not held.
    auto lapsed = store->ListEventsWithLapsedHolds(FromMicros(100), 10);
    BOOST_REQUIRE_MESSAGE(lapsed.ok(), lapsed.status().ToString());
    BOOST_TEST((*lapsed == std::vector<std::string>{"event"}));
    auto none = store->ListEventsWithLapsedHolds(FromMicros(60), 10);
    BOOST_REQUIRE(none.ok());
    BOOST_TEST(none->empty());
    return Status::Ok();
  }));
  // A buyer's key is still taken; another buyer may use the same text.
  const Status taken =
      upgraded->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
        spi::BookingRecord again;
        again.booking.id = id(4);
        again.booking.event_id = "event";
        again.booking.user_id = "u1";
        again.booking.idempotency_key = "k1";
        again.booking.seats = 1;
        again.booking.amount = Money{500, "INR"};
        again.booking.created_at = again.booking.updated_at = FromMicros(13);
        again.request_key = "u1:k1";
        return tx.store<spi::BookingStore>()->InsertBookings(std::span(&again, 1));
      });
  BOOST_TEST((taken.code() == StatusCode::kAlreadyExists));
  BOOST_TEST(taken.reason() == "booking_exists");

  auto sql = RawSession(url);
  const std::string count = postgres ? "SELECT COUNT(*) FROM pg_indexes WHERE indexname = '"
                                     : "SELECT COUNT(*) FROM sqlite_master WHERE name = '";
  for (const char* index : {"bookings_event_idx", "bookings_lapse_idx", "bookings_coupon_idx",
                            "bookings_reminder_idx", "bookings_user_idx"}) {
    long long n = -1;
    *sql << count + index + "'", soci::into(n);
    BOOST_TEST_INFO(index);
    BOOST_TEST(n == (std::string(index) == "bookings_user_idx" ? 0 : 1));
  }
  std::string lapse;
  *sql << (postgres ? "SELECT indexdef FROM pg_indexes WHERE indexname = 'bookings_lapse_idx'"
                    : "SELECT sql FROM sqlite_master WHERE name = 'bookings_lapse_idx'"),
      soci::into(lapse);
  BOOST_TEST_INFO(lapse);
  BOOST_TEST(lapse.find(postgres ? "WHERE (status = 'held'::text)" : "WHERE status = 'held'") !=
             std::string::npos);
  if (!postgres) {
    // A buyer's confirmed bookings (chat's membership and contacts ask so) go through the index
    // by buyer; before migration 27 SQLite chose bookings_lapse_idx (status) and read them all.
    int node = 0, parent = 0, unused = 0;
    std::string detail;
    *sql << "EXPLAIN QUERY PLAN SELECT event_id FROM bookings"
            " WHERE user_id = 'u1' AND status = 'confirmed'",
        soci::into(node), soci::into(parent), soci::into(unused), soci::into(detail);
    BOOST_TEST_INFO(detail);
    BOOST_TEST(detail.find("(user_id=?)") != std::string::npos);
    // The expiry job's events with lapsed holds (SociBookingStore::ListEventsWithLapsedHolds).
    *sql << "EXPLAIN QUERY PLAN SELECT DISTINCT event_id FROM bookings WHERE status = 'held'"
            " AND hold_expires_at <= 100 ORDER BY +event_id LIMIT 10",
        soci::into(node), soci::into(parent), soci::into(unused), soci::into(detail);
    BOOST_TEST_INFO(detail);
    BOOST_TEST(detail.find("bookings_lapse_idx") != std::string::npos);
  }
  long long rows = -1;
  *sql << "SELECT COUNT(*) FROM bookings", soci::into(rows);
  BOOST_TEST(rows == 3);
  std::string name;
  *sql << "SELECT name FROM schema_migrations WHERE version = 26", soci::into(name);
  BOOST_TEST(name == "bookings unique per buyer through one index");
  *sql << "SELECT name FROM schema_migrations WHERE version = 27", soci::into(name);
  BOOST_TEST(name == "lapse index of held bookings only");
}

}  // namespace eventify::testing
