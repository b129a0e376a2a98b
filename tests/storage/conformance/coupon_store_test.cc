// The coupon calls of spi::BookingStore (spi/booking_store.h, "Coupons") that every storage
// serving the "bookings" area must keep: coupons by id, code and page, their row locks by code,
// and the count of the bookings that use them, live holds apart from lapsed ones.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/booking_store.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::BookingStore;

std::string CouponId(int n) { return IdOf(n, "a000"); }

struct CouponStoreFixture {
  CouponStoreFixture() : storage(conformance::OpenStorageUnderTest()) {}

  Status Write(const std::function<Status(BookingStore&)>& body) {
    return storage->Run(spi::TransactionMode::kReadWrite,
                        [&](spi::Transaction& tx) { return body(*tx.store<BookingStore>()); });
  }
  Status Read(const std::function<Status(BookingStore&)>& body) {
    return storage->Run(spi::TransactionMode::kReadOnly,
                        [&](spi::Transaction& tx) { return body(*tx.store<BookingStore>()); });
  }

  static Coupon Sample(int n, const std::string& organizer) {
    Coupon c;
    c.id = CouponId(n);
    c.code = "CODE-" + std::to_string(n);
    c.event_id = organizer.empty() ? "" : "event-" + std::to_string(n);
    c.organizer_id = organizer;
    c.created_by = "admin";
    c.percent_off_bp = n % 2 == 0 ? 2500 : 0;
    c.amount_off = n % 2 == 0 ? 0 : 300;
    c.minimum_purchase = 1000;
    c.valid_from = BaseTime();
    c.valid_until = BaseTime() + std::chrono::hours(24);
    c.total_limit = 50;
    c.per_user_limit = 2;
    c.created_at = c.updated_at = BaseTime() + std::chrono::seconds(n);
    return c;
  }

  // A booking of `user` using coupon `coupon_id` (empty: none).
  static spi::BookingRecord Use(int n, const std::string& coupon_id, const std::string& user,
                                BookingStatus status, Timestamp expires) {
    spi::BookingRecord record;
    Booking& b = record.booking;
    b.id = CouponId(500 + n);
    b.event_id = "event-1";
    b.user_id = user;
    b.idempotency_key = "k" + std::to_string(n);
    b.seats = 1;
    b.amount = Money{400, "INR"};
    b.discount = Money{coupon_id.empty() ? 0 : 100, "INR"};
    b.coupon_code = coupon_id.empty() ? "" : "CODE-1";
    b.status = status;
    b.hold_expires_at = expires;
    b.created_at = b.updated_at = BaseTime();
    record.request_key = user + ":" + b.idempotency_key;
    record.coupon_id = coupon_id;
    return record;
  }

  std::shared_ptr<spi::Storage> storage;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(coupon_store, CouponStoreFixture)

BOOST_AUTO_TEST_CASE(a_coupon_round_trips_and_its_code_is_unique) {
  const Coupon written = Sample(2, "organizer");
  BOOST_REQUIRE(Write([&](BookingStore& s) { return s.InsertCoupon(written); }).ok());
  Coupon read;
  BOOST_REQUIRE(Read([&](BookingStore& s) -> Status {
                  auto found = s.FindCoupon(written.id);
                  if (!found.ok()) return found.status();
                  read = *found;
                  return Status::Ok();
                }).ok());
  BOOST_TEST(read.code == written.code);
  BOOST_TEST(read.event_id == written.event_id);
  BOOST_TEST(read.organizer_id == written.organizer_id);
  BOOST_TEST(read.created_by == written.created_by);
  BOOST_TEST(read.percent_off_bp == 2500);
  BOOST_TEST(read.amount_off == 0);
  BOOST_TEST(read.minimum_purchase == 1000);
  BOOST_TEST((read.valid_from == written.valid_from));
  BOOST_TEST((read.valid_until == written.valid_until));
  BOOST_TEST(read.total_limit == 50);
  BOOST_TEST(read.per_user_limit == 2);
  BOOST_TEST(read.active);
  BOOST_TEST(!read.deactivated_at.has_value());
  BOOST_TEST((read.created_at == written.created_at));

  Coupon same_code = Sample(4, "organizer");
  same_code.code = written.code;
  const Status taken = Write([&](BookingStore& s) { return s.InsertCoupon(same_code); });
  BOOST_TEST(taken.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(taken.reason() == "coupon_code_taken");

  const Status missing = Read([&](BookingStore& s) { return s.FindCoupon(CouponId(99)).status(); });
  BOOST_TEST(missing.code() == StatusCode::kNotFound);
  BOOST_TEST(missing.reason() == "coupon_not_found");
}

BOOST_AUTO_TEST_CASE(an_update_deactivates_and_an_unknown_id_is_not_found) {
  Coupon coupon = Sample(1, "");
  BOOST_REQUIRE(Write([&](BookingStore& s) { return s.InsertCoupon(coupon); }).ok());
  coupon.active = false;
  coupon.deactivated_at = coupon.updated_at = BaseTime() + std::chrono::hours(1);
  BOOST_REQUIRE(Write([&](BookingStore& s) { return s.UpdateCoupon(coupon); }).ok());
  Coupon read;
  BOOST_REQUIRE(Read([&](BookingStore& s) -> Status {
                  auto found = s.FindCoupon(coupon.id);
                  if (found.ok()) read = *found;
                  return found.status();
                }).ok());
  BOOST_TEST(!read.active);
  BOOST_TEST((read.deactivated_at == coupon.deactivated_at));
  BOOST_TEST(read.amount_off == 300);
  BOOST_TEST(read.percent_off_bp == 0);
  Coupon unknown = Sample(7, "");
  const Status missing = Write([&](BookingStore& s) { return s.UpdateCoupon(unknown); });
  BOOST_TEST(missing.reason() == "coupon_not_found");
}

BOOST_AUTO_TEST_CASE(lists_are_newest_first_filtered_and_paged) {
  BOOST_REQUIRE(Write([&](BookingStore& s) -> Status {
                  for (int n = 1; n <= 5; ++n) {
                    const Status inserted = s.InsertCoupon(Sample(n, n <= 3 ? "org-a" : "org-b"));
                    if (!inserted.ok()) return inserted;
                  }
                  return Status::Ok();
                }).ok());
  const auto list = [&](spi::CouponFilter filter) {
    std::vector<std::string> codes;
    BOOST_REQUIRE(Read([&](BookingStore& s) -> Status {
                    auto found = s.ListCoupons(filter);
                    if (!found.ok()) return found.status();
                    for (const Coupon& c : *found) codes.push_back(c.code);
                    return Status::Ok();
                  }).ok());
    return codes;
  };
  spi::CouponFilter all;
  BOOST_TEST((list(all) == std::vector<std::string>{"CODE-5", "CODE-4", "CODE-3", "CODE-2",
                                                    "CODE-1"}));
  spi::CouponFilter org_a;
  org_a.organizer_id = "org-a";
  org_a.limit = 2;
  BOOST_TEST((list(org_a) == std::vector<std::string>{"CODE-3", "CODE-2"}));
  org_a.before = spi::Keyset{Sample(2, "org-a").created_at, CouponId(2)};
  BOOST_TEST((list(org_a) == std::vector<std::string>{"CODE-1"}));
  spi::CouponFilter one_event;
  one_event.event_id = "event-4";
  BOOST_TEST((list(one_event) == std::vector<std::string>{"CODE-4"}));
}

BOOST_AUTO_TEST_CASE(locks_find_coupons_by_code_and_leave_unknown_codes_out) {
  BOOST_REQUIRE(Write([&](BookingStore& s) -> Status {
                  for (int n = 1; n <= 3; ++n) {
                    if (Status st = s.InsertCoupon(Sample(n, "org")); !st.ok()) return st;
                  }
                  return Status::Ok();
                }).ok());
  std::vector<std::string> locked;
  BOOST_REQUIRE(Write([&](BookingStore& s) -> Status {
                  const std::vector<std::string> codes = {"CODE-3", "NOPE", "CODE-1"};
                  auto found = s.LockCoupons(codes);
                  if (!found.ok()) return found.status();
                  for (const Coupon& c : *found) locked.push_back(c.id);
                  return Status::Ok();
                }).ok());
  std::sort(locked.begin(), locked.end());
  BOOST_TEST((locked == std::vector<std::string>{CouponId(1), CouponId(3)}));
}

BOOST_AUTO_TEST_CASE(uses_count_paid_bookings_and_live_holds_in_all_and_per_buyer) {
  const Timestamp now = BaseTime() + std::chrono::minutes(30);
  const Timestamp live = now + std::chrono::minutes(5);
  const Timestamp lapsed = now;  // a hold is over at its expiry
  const std::string c1 = CouponId(1), c2 = CouponId(2);
  BOOST_REQUIRE(Write([&](BookingStore& s) -> Status {
                  if (Status st = s.InsertCoupon(Sample(1, "org")); !st.ok()) return st;
                  if (Status st = s.InsertCoupon(Sample(2, "org")); !st.ok()) return st;
                  const std::vector<spi::BookingRecord> uses = {
                      Use(1, c1, "ann", BookingStatus::kConfirmed, lapsed),
                      Use(2, c1, "ann", BookingStatus::kHeld, live),
                      Use(3, c1, "bob", BookingStatus::kHeld, lapsed),      // not counted
                      Use(4, c1, "bob", BookingStatus::kCancelled, live),   // not counted
                      Use(5, c1, "bob", BookingStatus::kExpired, live),     // not counted
                      Use(6, c1, "cid", BookingStatus::kConfirmed, lapsed),
                      Use(7, c2, "ann", BookingStatus::kHeld, live),
                      Use(8, "", "ann", BookingStatus::kConfirmed, lapsed),  // no coupon
                  };
                  return s.InsertBookings(uses);
                }).ok());

  std::vector<spi::CouponUses> totals, mine;
  BOOST_REQUIRE(Read([&](BookingStore& s) -> Status {
                  const std::vector<std::string> ids = {c1, c2, CouponId(3)};
                  auto all = s.CountCouponUses(ids, {}, now);
                  if (!all.ok()) return all.status();
                  totals = *all;
                  const std::vector<std::string> users = {"ann", "bob"};
                  auto per_user = s.CountCouponUses(ids, users, now);
                  if (!per_user.ok()) return per_user.status();
                  mine = *per_user;
                  return Status::Ok();
                }).ok());
  const auto find = [](const std::vector<spi::CouponUses>& in, const std::string& coupon,
                       const std::string& user) -> const spi::CouponUses* {
    for (const auto& uses : in) {
      if (uses.coupon_id == coupon && uses.user_id == user) return &uses;
    }
    return nullptr;
  };
  BOOST_TEST(totals.size() == 2u);  // a coupon without uses is left out
  BOOST_TEST_REQUIRE(find(totals, c1, "") != nullptr);
  BOOST_TEST(find(totals, c1, "")->paid == 2);
  BOOST_TEST(find(totals, c1, "")->held == 1);
  BOOST_TEST_REQUIRE(find(totals, c2, "") != nullptr);
  BOOST_TEST(find(totals, c2, "")->held == 1);

  BOOST_TEST(mine.size() == 2u);  // bob has no live use; cid was not asked about
  BOOST_TEST_REQUIRE(find(mine, c1, "ann") != nullptr);
  BOOST_TEST(find(mine, c1, "ann")->paid == 1);
  BOOST_TEST(find(mine, c1, "ann")->held == 1);
  BOOST_TEST_REQUIRE(find(mine, c2, "ann") != nullptr);
  BOOST_TEST(find(mine, c2, "ann")->held == 1);

  // The booking rows keep the coupon and the discount.
  std::vector<spi::BookingRecord> read;
  BOOST_REQUIRE(Read([&](BookingStore& s) -> Status {
                  const std::vector<std::string> ids = {CouponId(501), CouponId(508)};
                  auto found = s.FindBookings(ids);
                  if (found.ok()) read = *found;
                  return found.status();
                }).ok());
  BOOST_TEST_REQUIRE(read.size() == 2u);
  for (const spi::BookingRecord& r : read) {
    const bool with = r.booking.id == CouponId(501);
    BOOST_TEST(r.coupon_id == (with ? c1 : std::string()));
    BOOST_TEST(r.booking.coupon_code == (with ? "CODE-1" : ""));
    BOOST_TEST(r.booking.discount.minor_units == (with ? 100 : 0));
    BOOST_TEST(r.booking.discount.currency == "INR");
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
