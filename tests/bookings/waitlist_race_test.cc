// A sold-out event's waitlist under concurrency: people join the line while others cancel paid
// bookings, buyers try to hold seats, holds and offers lapse on the manual clock, a sweeper
// expires holds and serves the lines, and those offered pay, decline or walk away. Whatever the
// interleaving: seats sold plus held never exceed the capacity, each entry is offered at most
// once, the seats sold are exactly those of the confirmed bookings, the escrow holds exactly what
// they cost, and the ledger audit is clean. Boost.Test is not thread-safe: the threads record,
// the main thread checks.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

BOOST_FIXTURE_TEST_SUITE(waitlist_race, BookingsFixture)

BOOST_AUTO_TEST_CASE(a_line_served_while_seats_come_and_go_never_oversells) {
  constexpr int kCapacity = 30;
  constexpr int kSellers = 15;  // 2 seats each: sold out
  constexpr int kWaiting = 60;
  constexpr int kBuyers = 30;
  const Event event = ApprovedEvent(kCapacity, kTicketPrice, /*max_per_booking=*/2);
  std::vector<Principal> users;
  for (int i = 0; i < kSellers + kWaiting + kBuyers; ++i) {
    users.push_back(Principal{"user-" + std::to_string(i), Role::kAttendee, "s"});
    Fund(users.back().user_id, 4 * kTicketPrice);
  }
  std::vector<std::string> seller_bookings;
  for (int i = 0; i < kSellers; ++i) {
    seller_bookings.push_back(
        ValueOrFail(bookings().BookAndPay(users[i], Request(event, 2, "sell"))).id);
  }

  std::vector<std::vector<std::string>> failures(users.size());
  std::atomic<bool> stop{false};
  std::atomic<int> oversold_reads{0}, sweeps_failed{0};
  // The sellers cancel once every waiter has tried to join, so that seats come back while people
  // wait whatever the scheduling (else all could cancel before anyone joined).
  std::atomic<int> join_attempts{0};
  std::thread sweeper([&] {
    while (!stop.load()) {
      if (!bookings().ExpireHolds(10).ok()) ++sweeps_failed;
      if (!bookings().ServeWaitlists(10).ok()) ++sweeps_failed;
    }
  });
  std::thread observer([&] {
    while (!stop.load()) {
      auto now = events().GetEvent(nullptr, event.id);
      if (now.ok() && now->seats_sold + now->seats_held > now->capacity) ++oversold_reads;
    }
  });

  std::vector<std::thread> threads;
  for (int i = 0; i < static_cast<int>(users.size()); ++i) {
    threads.emplace_back([&, i] {
      const Principal& user = users[i];
      auto fail = [&](const Status& status) {
        if (!status.ok()) failures[i].push_back(std::string(status.reason()));
      };
      if (i < kSellers) {  // every other seller cancels: two seats come back
        const auto give_up = std::chrono::steady_clock::now() + 30s;
        while (join_attempts.load() < kWaiting && std::chrono::steady_clock::now() < give_up) {
          std::this_thread::yield();
        }
        if (i % 2 == 0) fail(bookings().Cancel(user, seller_bookings[i]).status());
      } else if (i < kSellers + kWaiting) {  // join, wait for an offer, then act on it
        const std::int32_t seats = 1 + i % 2;
        auto joined = bookings().JoinWaitlist(user, event.id, seats);
        ++join_attempts;
        if (!joined.ok()) {
          fail(joined.status());
          // Seats were free at that instant: book them as anyone would.
          if (joined.status().reason() == "seats_available") {
            fail(bookings().BookAndPay(user, Request(event, seats, "direct")).status());
          }
          return;
        }
        for (int look = 0; look < 50; ++look) {
          auto entry = bookings().GetWaitlistEntry(user, event.id);
          if (!entry.ok()) {
            fail(entry.status());
            return;
          }
          if (entry->status != WaitlistStatus::kOffered) {
            std::this_thread::yield();
            continue;
          }
          if (i % 3 == 0) fail(bookings().Pay(user, entry->booking_id).status());
          if (i % 3 == 1) fail(bookings().Cancel(user, entry->booking_id).status());
          return;  // i % 3 == 2: the offer lapses
        }
        if (i % 5 == 0) fail(bookings().LeaveWaitlist(user, event.id));
      } else {  // a buyer trying a hold; some pay it
        auto held = bookings().Hold(user, Request(event, 1 + i % 2, "try"));
        fail(held.status());
        if (held.ok() && i % 2 == 0) fail(bookings().Pay(user, held->id).status());
      }
      if (i % 15 == 14) clock->Advance(3min);
    });
  }
  for (auto& thread : threads) thread.join();
  stop = true;
  sweeper.join();
  observer.join();
  BOOST_TEST(oversold_reads.load() == 0);
  BOOST_TEST(sweeps_failed.load() == 0);
  for (std::size_t i = 0; i < users.size(); ++i) {
    for (const std::string& reason : failures[i]) {
      BOOST_TEST_INFO("user " << i);
      BOOST_TEST((reason == "sold_out" || reason == "seats_available" ||
                  reason == "hold_expired" || reason == "not_on_waitlist"));
    }
  }

  // Every hold and offer left lapses; each lapse serves the line on, until nothing is held.
  for (int round = 0; round < 100 && EventNow(event.id).seats_held > 0; ++round) {
    clock->Advance(11min);
    while (ValueOrFail(bookings().ExpireHolds(100)) > 0) {
    }
    while (ValueOrFail(bookings().ServeWaitlists(100)) > 0) {
    }
  }
  const Event final_event = EventNow(event.id);
  BOOST_TEST(final_event.seats_held == 0);
  BOOST_TEST(final_event.seats_sold <= kCapacity);

  std::int64_t sold = 0, amount = 0;
  std::set<std::string> offered_entries;
  for (const Principal& user : users) {
    const BookingPage page = ValueOrFail(bookings().ListMyBookings(user, "", 100));
    BOOST_TEST(page.next_cursor.empty());
    std::int64_t spent = 0;
    for (const Booking& booking : page.items) {
      if (booking.idempotency_key.rfind("waitlist:", 0) == 0) {
        BOOST_TEST(offered_entries.insert(booking.idempotency_key).second);  // offered once
      }
      BOOST_TEST(booking.status != BookingStatus::kHeld);
      if (booking.status != BookingStatus::kConfirmed) continue;
      BOOST_TEST(booking.tickets.size() == static_cast<std::size_t>(booking.seats));
      sold += booking.seats;
      amount += booking.amount.minor_units;
      spent += booking.amount.minor_units;
    }
    BOOST_TEST_INFO("user " << user.user_id);
    BOOST_TEST(Posted(WalletOf(user.user_id)) == 4 * kTicketPrice - spent);
  }
  BOOST_TEST(!offered_entries.empty());  // seats came back while people waited
  BOOST_TEST(final_event.seats_sold == sold);
  BOOST_TEST(Posted(EscrowOf(event.id)) == amount);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()
