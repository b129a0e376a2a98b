// Coupons applied to bookings: the discount arithmetic, every refusal with its exact code, the
// limits counting live holds and paid bookings, and uses coming back when a hold lapses or a
// booking is cancelled.
#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

struct CouponsFixture : BookingsFixture {
  // Valid from an hour ago for a month, 100 uses, 10 per buyer.
  CouponRequest Terms(const std::string& code, const std::string& event_id,
                      std::int32_t percent_off_bp, std::int64_t amount_off = 0) {
    CouponRequest r;
    r.code = code;
    r.event_id = event_id;
    r.percent_off_bp = percent_off_bp;
    r.amount_off = amount_off;
    r.valid_from = clock->Now() - 1h;
    r.valid_until = clock->Now() + 30 * kDay;
    r.total_limit = 100;
    r.per_user_limit = 10;
    return r;
  }
  Coupon Create(const CouponRequest& request) {
    return ValueOrFail(bookings().coupons().CreateCoupon(admin, request));
  }
  static BookingRequest WithCoupon(const Event& event, std::int32_t seats, const std::string& key,
                                   const std::string& code) {
    BookingRequest request{event.id, seats, key};
    request.coupon_code = code;
    return request;
  }
};

Coupon Percent(std::int32_t bp) {
  Coupon c;
  c.percent_off_bp = bp;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_percentage_is_rounded_down_and_no_discount_exceeds_the_price) {
  BOOST_TEST(CouponDiscount(Percent(2500), 1000) == 250);
  BOOST_TEST(CouponDiscount(Percent(3333), 1500) == 499);  // 499.95: the buyer pays 1001
  BOOST_TEST(CouponDiscount(Percent(1), 99) == 0);         // 0.0099
  BOOST_TEST(CouponDiscount(Percent(10000), 1234) == 1234);
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
  BOOST_TEST(CouponDiscount(Percent(5000), huge) == huge / 2);  // no overflow
  Coupon fixed;
  fixed.amount_off = 700;
  BOOST_TEST(CouponDiscount(fixed, 1000) == 700);
  BOOST_TEST(CouponDiscount(fixed, 500) == 500);
  BOOST_TEST(CouponDiscount(fixed, 0) == 0);
}

BOOST_AUTO_TEST_CASE(codes_are_case_insensitive_and_of_a_documented_shape) {
  BOOST_TEST(ValueOrFail(NormalizeCouponCode("early-bird_26")) == "EARLY-BIRD_26");
  for (const char* bad : {"abc", "spaces in", "ümlaut1", "a23456789012345678901234567890123", ""}) {
    BOOST_TEST_INFO("code " << bad);
    ExpectError(NormalizeCouponCode(bad), StatusCode::kInvalidArgument, "invalid_coupon_code",
                "code");
  }
}

BOOST_FIXTURE_TEST_SUITE(coupons, CouponsFixture)

BOOST_AUTO_TEST_CASE(a_percentage_coupon_lowers_what_is_paid_into_escrow) {
  const Event event = ApprovedEvent(10);
  Create(Terms("THIRD", event.id, 3333));
  Fund(ann.user_id, 5000);

  const Booking held = ValueOrFail(bookings().Hold(ann, WithCoupon(event, 3, "k1", "third")));
  BOOST_TEST(held.coupon_code == "THIRD");
  BOOST_TEST(held.discount.minor_units == 499);
  BOOST_TEST(held.amount.minor_units == 3 * kTicketPrice - 499);
  const Booking paid = ValueOrFail(bookings().Pay(ann, held.id));
  BOOST_TEST(paid.status == BookingStatus::kConfirmed);
  BOOST_TEST(paid.tickets.size() == 3u);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 1001);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000 - 1001);

  const Booking read = ValueOrFail(bookings().GetBooking(ann, held.id));
  BOOST_TEST(read.coupon_code == "THIRD");
  BOOST_TEST(read.discount.minor_units == 499);
  BOOST_TEST(read.discount.currency == "INR");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_coupon_taking_the_whole_price_confirms_without_a_transfer) {
  const Event event = ApprovedEvent(10);
  Create(Terms("BIGGER", event.id, 0, 100000));
  Create(Terms("ALL-OF-IT", event.id, 10000));

  const Booking fixed = ValueOrFail(bookings().BookAndPay(ann, WithCoupon(event, 2, "k1", "bigger")));
  BOOST_TEST(fixed.status == BookingStatus::kConfirmed);
  BOOST_TEST(fixed.amount.minor_units == 0);  // never below zero
  BOOST_TEST(fixed.discount.minor_units == 2 * kTicketPrice);
  BOOST_TEST(fixed.payment_transfer_id.empty());
  BOOST_TEST(fixed.tickets.size() == 2u);

  const Booking held = ValueOrFail(bookings().Hold(bob, WithCoupon(event, 1, "k2", "all-of-it")));
  BOOST_TEST(held.amount.minor_units == 0);
  const Booking paid = ValueOrFail(bookings().Pay(bob, held.id));  // bob has no money at all
  BOOST_TEST(paid.status == BookingStatus::kConfirmed);
  BOOST_TEST(paid.payment_transfer_id.empty());
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  BOOST_TEST(EventNow(event.id).seats_sold == 3);
}

BOOST_AUTO_TEST_CASE(every_refusal_has_its_code_and_the_coupon_code_field) {
  const Event event = ApprovedEvent(10);
  const Event other = ApprovedEvent(10, kTicketPrice, 4, "Another concert");
  Fund(ann.user_id, 10000);
  const auto expect = [&](const std::string& code, StatusCode status, const std::string& reason,
                          std::int32_t seats = 1) {
    BOOST_TEST_CONTEXT("coupon " << code) {
      ExpectError(bookings().Hold(ann, WithCoupon(event, seats, "k-" + code, code)), status,
                  reason, "coupon_code");
      ExpectError(bookings().BookAndPay(ann, WithCoupon(event, seats, "p-" + code, code)), status,
                  reason, "coupon_code");
    }
  };
  expect("no", StatusCode::kInvalidArgument, "invalid_coupon_code");
  expect("NOSUCH", StatusCode::kNotFound, "coupon_not_found");

  const Coupon off = Create(Terms("OFF-NOW", event.id, 1000));
  ValueOrFail(bookings().coupons().DeactivateCoupon(admin, off.id));
  expect("OFF-NOW", StatusCode::kFailedPrecondition, "coupon_inactive");

  CouponRequest later = Terms("LATER", event.id, 1000);
  later.valid_from = clock->Now() + 1h;
  Create(later);
  expect("LATER", StatusCode::kFailedPrecondition, "coupon_not_yet_valid");

  CouponRequest past = Terms("PAST", event.id, 1000);
  past.valid_from = clock->Now() - 2h;
  past.valid_until = clock->Now();  // the end is excluded
  Create(past);
  expect("PAST", StatusCode::kFailedPrecondition, "coupon_expired");

  Create(Terms("ELSEWHERE", other.id, 1000));
  expect("ELSEWHERE", StatusCode::kFailedPrecondition, "coupon_not_for_event");

  CouponRequest big = Terms("BIG-SPEND", event.id, 1000);
  big.minimum_purchase = 2 * kTicketPrice;
  Create(big);
  expect("BIG-SPEND", StatusCode::kFailedPrecondition, "coupon_minimum_not_met");
  ValueOrFail(bookings().Hold(ann, WithCoupon(event, 2, "enough", "big-spend")));  // 1000 is enough

  CouponRequest once = Terms("ONCE-ONLY", event.id, 1000);
  once.total_limit = 1;
  once.per_user_limit = 1;
  Create(once);
  ValueOrFail(bookings().Hold(bob, WithCoupon(event, 1, "bob-once", "once-only")));
  expect("ONCE-ONLY", StatusCode::kFailedPrecondition, "coupon_exhausted");

  CouponRequest mine = Terms("ONE-EACH", event.id, 1000);
  mine.per_user_limit = 1;
  Create(mine);
  ValueOrFail(bookings().Hold(ann, WithCoupon(event, 1, "ann-each", "one-each")));
  expect("ONE-EACH", StatusCode::kFailedPrecondition, "coupon_user_limit_reached");

  // None of the refusals held a seat or moved money: 2 + 1 + 1 seats are held.
  BOOST_TEST(EventNow(event.id).seats_held == 4);
  BOOST_TEST(EventNow(event.id).seats_sold == 0);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 10000);
}

BOOST_AUTO_TEST_CASE(a_platform_wide_coupon_applies_to_every_event) {
  const Event event = ApprovedEvent(10);
  const Event other = ApprovedEvent(10, kTicketPrice, 4, "Another concert");
  Create(Terms("EVERYWHERE", "", 5000));
  BOOST_TEST(ValueOrFail(bookings().Hold(ann, WithCoupon(event, 1, "a", "EVERYWHERE")))
                 .discount.minor_units == 250);
  BOOST_TEST(ValueOrFail(bookings().Hold(ann, WithCoupon(other, 2, "b", "everywhere")))
                 .discount.minor_units == 500);
}

BOOST_AUTO_TEST_CASE(a_lapsed_hold_gives_its_use_back) {
  const Event event = ApprovedEvent(10);
  CouponRequest once = Terms("SINGLE", event.id, 1000);
  once.total_limit = 1;
  once.per_user_limit = 1;
  const Coupon coupon = Create(once);

  const Booking held = ValueOrFail(bookings().Hold(ann, WithCoupon(event, 1, "a", "SINGLE")));
  ExpectError(bookings().Hold(bob, WithCoupon(event, 1, "b", "SINGLE")),
              StatusCode::kFailedPrecondition, "coupon_exhausted", "coupon_code");
  Coupon listed = ValueOrFail(bookings().coupons().ListCoupons(admin, "", "", 10)).items.at(0);
  BOOST_TEST(listed.uses_held == 1);
  BOOST_TEST(listed.uses_paid == 0);

  clock->Advance(10min);  // the hold lapses: its use returns at once, before any sweep
  const Booking bobs = ValueOrFail(bookings().Hold(bob, WithCoupon(event, 1, "b2", "SINGLE")));
  BOOST_TEST(bobs.discount.minor_units == 50);
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kExpired);
  ExpectError(bookings().Pay(ann, held.id), StatusCode::kFailedPrecondition, "hold_expired");
  listed = ValueOrFail(bookings().coupons().ListCoupons(admin, event.id, "", 10)).items.at(0);
  BOOST_TEST(listed.id == coupon.id);
  BOOST_TEST(listed.uses_held == 1);
}

BOOST_AUTO_TEST_CASE(cancelling_gives_the_use_back_and_refunds_what_was_paid) {
  const Event event = ApprovedEvent(10);
  CouponRequest once = Terms("TWICE", event.id, 2000);
  once.total_limit = 2;
  once.per_user_limit = 1;
  Create(once);
  Fund(ann.user_id, 5000);

  const Booking bought = ValueOrFail(bookings().BookAndPay(ann, WithCoupon(event, 2, "a", "twice")));
  BOOST_TEST(bought.amount.minor_units == 800);
  ExpectError(bookings().Hold(ann, WithCoupon(event, 1, "a2", "twice")),
              StatusCode::kFailedPrecondition, "coupon_user_limit_reached", "coupon_code");
  const Booking held = ValueOrFail(bookings().Hold(bob, WithCoupon(event, 1, "b", "twice")));
  ExpectError(bookings().Hold(other_organizer, WithCoupon(event, 1, "o", "twice")),
              StatusCode::kFailedPrecondition, "coupon_exhausted", "coupon_code");

  // A released hold gives its use back.
  ValueOrFail(bookings().Cancel(bob, held.id));
  ValueOrFail(bookings().Hold(other_organizer, WithCoupon(event, 1, "o2", "twice")));

  // A refunded booking gives its use back; the refund is what was paid, not the list price.
  const Booking cancelled = ValueOrFail(bookings().Cancel(ann, bought.id));
  const Transfer refund = ValueOrFail(ledger().GetTransfer(cancelled.refund_transfer_id));
  BOOST_TEST(refund.amount.minor_units == 800);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  ValueOrFail(bookings().Hold(ann, WithCoupon(event, 1, "a3", "twice")));
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_reserved_use_is_paid_even_after_the_coupon_is_deactivated) {
  const Event event = ApprovedEvent(10);
  const Coupon coupon = Create(Terms("SOON-OFF", event.id, 5000));
  Fund(ann.user_id, 5000);
  const Booking held = ValueOrFail(bookings().Hold(ann, WithCoupon(event, 2, "a", "soon-off")));
  ValueOrFail(bookings().coupons().DeactivateCoupon(admin, coupon.id));
  const Booking paid = ValueOrFail(bookings().Pay(ann, held.id));
  BOOST_TEST(paid.amount.minor_units == kTicketPrice);
  BOOST_TEST(Posted(EscrowOf(event.id)) == kTicketPrice);
  const Coupon after = ValueOrFail(bookings().coupons().DeactivateCoupon(admin, coupon.id));
  BOOST_TEST(after.uses_paid == 1);
  BOOST_TEST(after.uses_held == 0);
}

BOOST_AUTO_TEST_CASE(a_key_replays_only_with_the_same_coupon) {
  const Event event = ApprovedEvent(10);
  Create(Terms("REPLAY", event.id, 1000));
  const Booking first = ValueOrFail(bookings().Hold(ann, WithCoupon(event, 1, "k", "REPLAY")));
  const Booking again = ValueOrFail(bookings().Hold(ann, WithCoupon(event, 1, "k", "replay")));
  BOOST_TEST(again.id == first.id);
  BOOST_TEST(again.discount.minor_units == 50);
  ExpectError(bookings().Hold(ann, Request(event, 1, "k")), StatusCode::kAlreadyExists,
              "idempotency_key_reused", "idempotency_key");
  ValueOrFail(bookings().Hold(ann, Request(event, 1, "plain")));
  ExpectError(bookings().Hold(ann, WithCoupon(event, 1, "plain", "REPLAY")),
              StatusCode::kAlreadyExists, "idempotency_key_reused", "idempotency_key");
}

BOOST_AUTO_TEST_SUITE_END()
