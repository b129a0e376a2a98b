// Coupon management: who may create, list and deactivate which coupons (the rows of the
// permission table), and every refusal of bad input with its code and field.
#include <boost/test/unit_test.hpp>

#include <string>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

struct CouponAdminFixture : BookingsFixture {
  Coupons& coupons() { return bookings().coupons(); }
  CouponRequest Terms(const std::string& code, const std::string& event_id) {
    CouponRequest r;
    r.code = code;
    r.event_id = event_id;
    r.percent_off_bp = 1500;
    r.valid_from = clock->Now();
    r.valid_until = clock->Now() + kDay;
    r.total_limit = 10;
    r.per_user_limit = 2;
    return r;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(coupon_admin, CouponAdminFixture)

BOOST_AUTO_TEST_CASE(an_organizer_creates_coupons_for_their_own_events_only) {
  const Event event = ApprovedEvent();
  const Coupon coupon = ValueOrFail(coupons().CreateCoupon(organizer, Terms("spring-10", event.id)));
  BOOST_TEST(coupon.code == "SPRING-10");
  BOOST_TEST(coupon.event_id == event.id);
  BOOST_TEST(coupon.organizer_id == organizer.user_id);
  BOOST_TEST(coupon.created_by == organizer.user_id);
  BOOST_TEST(coupon.active);
  BOOST_TEST(coupon.percent_off_bp == 1500);
  BOOST_TEST((coupon.created_at == clock->Now()));

  // A draft of theirs is fine; another organizer's public event is forbidden, a draft unknown.
  const Event draft = UnlistedEvent();
  ValueOrFail(coupons().CreateCoupon(organizer, Terms("DRAFT-1", draft.id)));
  ExpectError(coupons().CreateCoupon(other_organizer, Terms("THEIRS", event.id)),
              StatusCode::kPermissionDenied, "forbidden");
  ExpectError(coupons().CreateCoupon(other_organizer, Terms("THEIRS", draft.id)),
              StatusCode::kNotFound, "event_not_found", "event_id");
  ExpectError(coupons().CreateCoupon(organizer, Terms("NOWHERE", "no-such-event")),
              StatusCode::kNotFound, "event_not_found", "event_id");
  ExpectError(coupons().CreateCoupon(organizer, Terms("PLATFORM", "")),
              StatusCode::kPermissionDenied, "forbidden");
  ExpectError(coupons().CreateCoupon(ann, Terms("ATTENDEE", event.id)),
              StatusCode::kPermissionDenied, "forbidden");

  // Admins: any event, and every event at once.
  ValueOrFail(coupons().CreateCoupon(admin, Terms("ADMIN-1", event.id)));
  const Coupon platform = ValueOrFail(coupons().CreateCoupon(admin, Terms("ADMIN-ALL", "")));
  BOOST_TEST(platform.event_id.empty());
  BOOST_TEST(platform.organizer_id.empty());

  ValueOrFail(events().CancelEvent(organizer, event.id, "rain"));
  ExpectError(coupons().CreateCoupon(organizer, Terms("TOO-LATE", event.id)),
              StatusCode::kFailedPrecondition, "event_not_bookable");
}

BOOST_AUTO_TEST_CASE(bad_terms_are_refused_with_their_field) {
  const Event event = ApprovedEvent();
  const auto expect = [&](CouponRequest r, const std::string& reason, const std::string& field) {
    BOOST_TEST_CONTEXT(reason) {
      ExpectError(coupons().CreateCoupon(admin, r), StatusCode::kInvalidArgument, reason, field);
    }
  };
  CouponRequest r = Terms("x!", event.id);
  expect(r, "invalid_coupon_code", "code");
  r = Terms("NONE-OFF", event.id);
  r.percent_off_bp = 0;
  expect(r, "invalid_discount", "percent_off_bp");
  r = Terms("BOTH-OFF", event.id);
  r.amount_off = 100;
  expect(r, "invalid_discount", "percent_off_bp");
  r = Terms("TOO-MUCH", event.id);
  r.percent_off_bp = 10001;
  expect(r, "invalid_discount", "percent_off_bp");
  r.percent_off_bp = -5;
  expect(r, "invalid_discount", "percent_off_bp");
  r = Terms("NEGATIVE", event.id);
  r.percent_off_bp = 0;
  r.amount_off = -100;
  expect(r, "invalid_amount_off", "amount_off");
  r = Terms("MINIMUM", event.id);
  r.minimum_purchase = -1;
  expect(r, "invalid_minimum_purchase", "minimum_purchase");
  r = Terms("BACKWARDS", event.id);
  r.valid_until = r.valid_from - 1h;
  expect(r, "invalid_validity", "valid_until");
  r.valid_until = r.valid_from;
  expect(r, "invalid_validity", "valid_until");
  r = Terms("NO-USES", event.id);
  r.total_limit = 0;
  expect(r, "invalid_total_limit", "total_limit");
  r = Terms("PER-USER", event.id);
  r.per_user_limit = 0;
  expect(r, "invalid_per_user_limit", "per_user_limit");
  r.per_user_limit = 11;  // above total_limit
  expect(r, "invalid_per_user_limit", "per_user_limit");

  ValueOrFail(coupons().CreateCoupon(admin, Terms("TAKEN", event.id)));
  ExpectError(coupons().CreateCoupon(organizer, Terms("taken", event.id)),
              StatusCode::kAlreadyExists, "coupon_code_taken", "code");
}

BOOST_AUTO_TEST_CASE(lists_show_what_the_caller_manages_newest_first) {
  const Event mine = ApprovedEvent();
  const Principal second{"organizer-3", Role::kOrganizer, "s-org3"};
  ValueOrFail(events().ApplyAsOrganizer(second, {"Org3", "We too", "org3@example.com"}));
  ValueOrFail(events().VerifyOrganizer(admin, second.user_id));
  const Event theirs = UnlistedEvent(second, "Theirs");

  const Coupon a = ValueOrFail(coupons().CreateCoupon(organizer, Terms("MINE-A", mine.id)));
  clock->Advance(1s);
  const Coupon b = ValueOrFail(coupons().CreateCoupon(admin, Terms("MINE-B", mine.id)));
  clock->Advance(1s);
  const Coupon c = ValueOrFail(coupons().CreateCoupon(second, Terms("THEIRS-C", theirs.id)));
  clock->Advance(1s);
  const Coupon all = ValueOrFail(coupons().CreateCoupon(admin, Terms("ALL-D", "")));

  // The organizer sees the coupons of their events, whoever made them.
  const CouponPage own = ValueOrFail(coupons().ListCoupons(organizer, "", "", 10));
  BOOST_TEST_REQUIRE(own.items.size() == 2u);
  BOOST_TEST(own.items[0].id == b.id);
  BOOST_TEST(own.items[1].id == a.id);
  BOOST_TEST(own.next_cursor.empty());
  BOOST_TEST(ValueOrFail(coupons().ListCoupons(organizer, theirs.id, "", 10)).items.empty());

  // Admins see every coupon, page by page.
  const CouponPage first = ValueOrFail(coupons().ListCoupons(admin, "", "", 3));
  BOOST_TEST_REQUIRE(first.items.size() == 3u);
  BOOST_TEST(first.items[0].id == all.id);
  BOOST_TEST(first.items[1].id == c.id);
  BOOST_TEST(first.items[2].id == b.id);
  const CouponPage rest = ValueOrFail(coupons().ListCoupons(admin, "", first.next_cursor, 3));
  BOOST_TEST_REQUIRE(rest.items.size() == 1u);
  BOOST_TEST(rest.items[0].id == a.id);
  BOOST_TEST(rest.next_cursor.empty());
  BOOST_TEST(ValueOrFail(coupons().ListCoupons(admin, theirs.id, "", 10)).items.size() == 1u);

  ExpectError(coupons().ListCoupons(ann, "", "", 10), StatusCode::kPermissionDenied, "forbidden");
  ExpectError(coupons().ListCoupons(admin, "", "", 0), StatusCode::kInvalidArgument,
              "invalid_limit", "limit");
  ExpectError(coupons().ListCoupons(admin, "", "bogus", 10), StatusCode::kInvalidArgument,
              "invalid_cursor", "cursor");
}

BOOST_AUTO_TEST_CASE(deactivation_is_for_whoever_manages_the_coupon) {
  const Event event = ApprovedEvent();
  const Coupon own = ValueOrFail(coupons().CreateCoupon(organizer, Terms("OWN-ONE", event.id)));
  const Coupon platform = ValueOrFail(coupons().CreateCoupon(admin, Terms("PLATFORM", "")));

  ExpectError(coupons().DeactivateCoupon(other_organizer, own.id), StatusCode::kNotFound,
              "coupon_not_found");
  ExpectError(coupons().DeactivateCoupon(organizer, platform.id), StatusCode::kNotFound,
              "coupon_not_found");
  ExpectError(coupons().DeactivateCoupon(ann, own.id), StatusCode::kPermissionDenied, "forbidden");
  ExpectError(coupons().DeactivateCoupon(admin, "no-such-coupon"), StatusCode::kNotFound,
              "coupon_not_found");

  clock->Advance(1min);
  const Coupon off = ValueOrFail(coupons().DeactivateCoupon(organizer, own.id));
  BOOST_TEST(!off.active);
  BOOST_TEST((off.deactivated_at == clock->Now()));
  clock->Advance(1min);
  const Coupon again = ValueOrFail(coupons().DeactivateCoupon(organizer, own.id));
  BOOST_TEST((again.deactivated_at == off.deactivated_at));  // unchanged
  BOOST_TEST(!ValueOrFail(coupons().DeactivateCoupon(admin, platform.id)).active);
}

BOOST_AUTO_TEST_SUITE_END()
