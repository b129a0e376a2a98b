// Hundreds of buyers (threads) race for the last seats of one event while holds lapse on the
// manual clock, a sweeper expires them, bookings are paid and some are cancelled and refunded. Whatever the interleaving: seats
// sold plus held never exceed the capacity, every paid booking holds exactly its tickets, the
// escrow holds exactly what the paid bookings cost, each wallet paid exactly for its bookings,
// and the ledger audit is clean. Boost.Test is not thread-safe: the threads record, the main
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
  std::vector<Principal> buyers;
  std::vector<std::int64_t> funded;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.push_back(Principal{"buyer-" + std::to_string(i), Role::kAttendee, "s"});
    // Every eighth buyer can afford one ticket only.
    funded.push_back(i % 8 == 0 ? kTicketPrice : 3 * kTicketPrice);
    Fund(buyers.back().user_id, funded.back());
  }

  std::vector<Outcome> outcomes(kBuyers);
  std::atomic<bool> stop{false};
  std::atomic<int> oversold_reads{0}, sweeps_failed{0}, reads_failed{0};
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
    }
  });

  std::vector<std::thread> threads;
  for (int i = 0; i < kBuyers; ++i) {
    threads.emplace_back([&, i] {
      const Principal& buyer = buyers[i];
      const BookingRequest request{event.id, 1 + i % 3, "key-" + std::to_string(i)};
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
    });
  }
  for (auto& thread : threads) thread.join();
  stop = true;
  sweeper.join();
  observer.join();
  BOOST_TEST(oversold_reads.load() == 0);
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
  int sold_out = 0;
  for (int i = 0; i < kBuyers; ++i) {
    for (const Booking& booking : outcomes[i].confirmed) paid[booking.id] = booking;
    for (const std::string& reason : outcomes[i].failures) {
      BOOST_TEST_INFO("buyer " << i);
      BOOST_TEST((reason == "sold_out" || reason == "insufficient_funds" ||
                  reason == "hold_expired" || reason == "idempotency_key_reused"));
      if (reason == "sold_out") ++sold_out;
    }
  }
  BOOST_TEST(sold_out > 0);  // 480 seats were asked for 60

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
  BOOST_TEST(Posted(EscrowOf(event.id)) == amount);
  for (int i = 0; i < kBuyers; ++i) {
    BOOST_TEST_INFO("buyer " << i);
    BOOST_TEST(Posted(WalletOf(buyers[i].user_id)) == funded[i] - spent[buyers[i].user_id]);
  }
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()
