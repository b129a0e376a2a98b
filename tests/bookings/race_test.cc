// Hundreds of buyers (threads) race for the last seats of one event while holds lapse on the
// manual clock, a sweeper expires them, bookings are paid and some are cancelled and refunded. Whatever the interleaving: seats
// sold plus held never exceed the capacity, every paid booking holds exactly its tickets, the
// escrow holds exactly what the paid bookings cost, each wallet paid exactly for its bookings,
// each coupon was used within its total and per-buyer limits at every instant (counting live
// holds and paid bookings), and the ledger audit is clean. Boost.Test is not thread-safe: the threads record, the main
// thread checks.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

struct Outcome {
  std::vector<Booking> confirmed;
  std::vector<std::string> failures;  // reasons
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(race, BookingsFixture)

BOOST_AUTO_TEST_CASE(hundreds_of_buyers_racing_for_the_last_seats_never_oversell) {
  constexpr int kCapacity = 60;
  constexpr int kBuyers = 240;
  const Event event = ApprovedEvent(kCapacity, kTicketPrice, /*max_per_booking=*/3);
  // Every third buyer gives one of two coupons whose limits are far below the demand.
  struct Limits {
    std::string code;
    std::int32_t total, per_user;
  };
  const std::vector<Limits> limits = {{"RACE-HALF", 12, 2}, {"RACE-FIXED", 7, 1}};
  for (const Limits& l : limits) {
    CouponRequest terms;
    terms.code = l.code;
    terms.event_id = l.code == "RACE-HALF" ? event.id : "";
    terms.percent_off_bp = l.code == "RACE-HALF" ? 5000 : 0;
    terms.amount_off = l.code == "RACE-HALF" ? 0 : 200;
    terms.valid_from = clock->Now();
    terms.valid_until = clock->Now() + 30 * kDay;
    terms.total_limit = l.total;
    terms.per_user_limit = l.per_user;
    ValueOrFail(bookings().coupons().CreateCoupon(admin, terms));
  }
  std::vector<Principal> buyers;
  std::vector<std::int64_t> funded;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.push_back(Principal{"buyer-" + std::to_string(i), Role::kAttendee, "s"});
    // Every eighth buyer can afford one ticket only.
    funded.push_back(i % 8 == 0 ? kTicketPrice : 3 * kTicketPrice);
    Fund(buyers.back().user_id, funded.back());
  }

  std::vector<Outcome> outcomes(kBuyers);
  std::vector<std::string> twin_failures(kBuyers);  // reasons
  std::atomic<bool> stop{false};
  std::atomic<int> oversold_reads{0}, sweeps_failed{0}, reads_failed{0}, overused_reads{0};
  std::thread sweeper([&] {
    while (!stop.load()) {
      if (!bookings().ExpireHolds(10).ok()) ++sweeps_failed;
    }
  });
  std::thread observer([&] {
    while (!stop.load()) {
      auto now = events().GetEvent(nullptr, event.id);
      if (!now.ok()) {
        ++reads_failed;
      } else if (now->seats_sold + now->seats_held > now->capacity) {
        ++oversold_reads;
      }
      auto listed = bookings().coupons().ListCoupons(admin, "", "", 10);
      if (!listed.ok()) {
        ++reads_failed;
        continue;
      }
      for (const Coupon& coupon : listed->items) {
        if (coupon.uses_paid + coupon.uses_held > coupon.total_limit) ++overused_reads;
      }
    }
  });

  std::vector<std::thread> threads;
  for (int i = 0; i < kBuyers; ++i) {
    threads.emplace_back([&, i] {
      const Principal& buyer = buyers[i];
      BookingRequest request{event.id, 1 + i % 3, "key-" + std::to_string(i)};
      // Every third buyer gives a coupon, and a twin thread of the same buyer holds with it at
      // the same time, so the per-buyer limit meets concurrent requests too.
      std::thread twin;
      if (i % 3 == 0) {
        request.coupon_code = limits[(i / 3) % 2].code;
        twin = std::thread([&, i, request] {
          BookingRequest extra = request;
          extra.idempotency_key = "twin-" + std::to_string(i);
          extra.seats = 1;
          auto held = bookings().Hold(buyers[i], extra);
          if (!held.ok()) twin_failures[i] = std::string(held.status().reason());
        });
      }
      Outcome& out = outcomes[i];
      auto record = [&](const Result<Booking>& result) {
        if (result.ok() && result->status == BookingStatus::kConfirmed) {
          out.confirmed.push_back(*result);
        } else if (!result.ok()) {
          out.failures.push_back(std::string(result.status().reason()));
        }
      };
      switch (i % 4) {
        case 0: {  // one step; every second of them then cancels (a refund, seats back)
          auto bought = bookings().BookAndPay(buyer, request);
          record(bought);
          if (bought.ok() && i % 8 == 4) {
            auto cancelled = bookings().Cancel(buyer, bought->id);
            if (!cancelled.ok()) out.failures.push_back(std::string(cancelled.status().reason()));
          }
          break;
        }
        case 1:
        case 2: {  // hold, then pay (the odd ones after the clock may have moved on)
          auto held = bookings().Hold(buyer, request);
          record(held);
          if (held.ok()) record(bookings().Pay(buyer, held->id));
          break;
        }
        case 3:  // hold and walk away: the seats come back when it lapses
          record(bookings().Hold(buyer, request));
          break;
      }
      // Time passes while the race runs: about twelve minutes in all, so early holds lapse.
      if (i % 20 == 19) clock->Advance(1min);
      // A retry with the same key returns the same booking (books it if the first try failed).
      if (i % 2 == 0) record(bookings().BookAndPay(buyer, request));
      if (twin.joinable()) twin.join();
    });
  }
  for (auto& thread : threads) thread.join();
  stop = true;
  sweeper.join();
  observer.join();
  BOOST_TEST(oversold_reads.load() == 0);
  BOOST_TEST(overused_reads.load() == 0);
  BOOST_TEST(sweeps_failed.load() == 0);
  BOOST_TEST(reads_failed.load() == 0);

  // Every hold left lapses and is swept.
  clock->Advance(11min);
  while (ValueOrFail(bookings().ExpireHolds(100)) > 0) {
  }
  const Event final_event = EventNow(event.id);
  BOOST_TEST(final_event.seats_held == 0);
  BOOST_TEST(final_event.seats_sold <= kCapacity);

  std::map<std::string, Booking> paid;  // by id: a retry may return a booking seen before
  int sold_out = 0, refused_coupons = 0;
  for (int i = 0; i < kBuyers; ++i) {
    for (const Booking& booking : outcomes[i].confirmed) paid[booking.id] = booking;
    std::vector<std::string> reasons = outcomes[i].failures;
    if (!twin_failures[i].empty()) reasons.push_back(twin_failures[i]);
    for (const std::string& reason : reasons) {
      BOOST_TEST_INFO("buyer " << i << ": " << reason);
      BOOST_TEST((reason == "sold_out" || reason == "insufficient_funds" ||
                  reason == "hold_expired" || reason == "idempotency_key_reused" ||
                  reason == "coupon_exhausted" || reason == "coupon_user_limit_reached"));
      if (reason == "sold_out") ++sold_out;
      if (reason == "coupon_exhausted" || reason == "coupon_user_limit_reached") ++refused_coupons;
    }
  }
  BOOST_TEST(sold_out > 0);          // 480 seats were asked for 60
  // How many coupon requests were refused depends on the scheduling (when the seats run out
  // first, the event refuses them as sold_out): reported, not asserted. The refusals themselves are
  // asserted exactly in coupons_test.cc; here the limits are, below.
  BOOST_TEST_MESSAGE("coupon requests refused by their limits: " << refused_coupons);

  std::int64_t seats = 0, amount = 0;
  std::map<std::string, std::int64_t> spent;
  for (const auto& [id, booking] : paid) {
    const Booking stored = ValueOrFail(bookings().GetBooking(
        Principal{booking.user_id, Role::kAttendee, "s"}, id));
    BOOST_TEST_REQUIRE(stored.tickets.size() == static_cast<std::size_t>(stored.seats));
    for (std::int32_t s = 0; s < stored.seats; ++s) BOOST_TEST(stored.tickets[s].seat == s + 1);
    if (stored.status == BookingStatus::kCancelled) {  // refunded: neither seats nor money
      BOOST_TEST(!stored.refund_transfer_id.empty());
      continue;
    }
    BOOST_TEST(stored.status == BookingStatus::kConfirmed);
    seats += stored.seats;
    amount += stored.amount.minor_units;
    spent[stored.user_id] += stored.amount.minor_units;
  }
  BOOST_TEST(final_event.seats_sold == seats);

  // Each coupon: its paid uses (every hold has lapsed by now) within its limits, as its listing
  // counts them, and each paid booking discounted by its terms.
  std::map<std::string, std::int64_t> paid_uses;                     // by code
  std::map<std::pair<std::string, std::string>, std::int64_t> mine;  // (code, buyer)
  for (const auto& [id, booking] : paid) {
    const Booking stored = ValueOrFail(bookings().GetBooking(
        Principal{booking.user_id, Role::kAttendee, "s"}, id));
    if (stored.status != BookingStatus::kConfirmed || stored.coupon_code.empty()) continue;
    ++paid_uses[stored.coupon_code];
    ++mine[{stored.coupon_code, stored.user_id}];
    const std::int64_t gross = kTicketPrice * stored.seats;
    const std::int64_t off = stored.coupon_code == "RACE-HALF" ? gross / 2 : 200;
    BOOST_TEST(stored.discount.minor_units == off);
    BOOST_TEST(stored.amount.minor_units == gross - off);
  }
  const CouponPage listed = ValueOrFail(bookings().coupons().ListCoupons(admin, "", "", 10));
  BOOST_TEST_REQUIRE(listed.items.size() == limits.size());
  for (const Coupon& coupon : listed.items) {
    BOOST_TEST_INFO("coupon " << coupon.code);
    BOOST_TEST(coupon.uses_held == 0);
    BOOST_TEST(coupon.uses_paid == paid_uses[coupon.code]);
    BOOST_TEST(coupon.uses_paid <= coupon.total_limit);
  }
  for (const auto& [code_and_buyer, uses] : mine) {
    const auto& limit = code_and_buyer.first == "RACE-HALF" ? limits[0] : limits[1];
    BOOST_TEST_INFO("buyer " << code_and_buyer.second << " coupon " << code_and_buyer.first);
    BOOST_TEST(uses <= limit.per_user);
  }
  BOOST_TEST(Posted(EscrowOf(event.id)) == amount);
  for (int i = 0; i < kBuyers; ++i) {
    BOOST_TEST_INFO("buyer " << i);
    BOOST_TEST(Posted(WalletOf(buyers[i].user_id)) == funded[i] - spent[buyers[i].user_id]);
  }
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()
