// The small world of the admin suites: two organizers; events sold, refunded, cancelled, held,
// checked in, settled — in which the dashboards (dashboards_test.cc), the admins' money views and
// analytics (money_test.cc), the settlements and the ledger agree to the minor unit.
#pragma once

#include <boost/test/unit_test.hpp>
#include <string>

#include "eventify/dashboards.h"
#include "settlements/settlements_fixture.h"

namespace eventify::testing {

struct World : SettlementsFixture {
  Dashboards& dashboards() { return engine->dashboards(); }

  World() {
    Fund(ann.user_id, 1'000'000);
    Fund(bob.user_id, 1'000'000);
    // concert: ann 3 seats, bob 2 seats then cancels (refunded), ann's first ticket checked in
    // at the door, then settled: gross 2500, refunds 1000, commission 150 (10% of 1500), net 1350.
    concert = ApprovedEvent(10, 500, 4, "Concert");
    const Booking anns = ValueOrFail(bookings().BookAndPay(ann, Request(concert, 3, "ann-1")));
    const Booking bobs = ValueOrFail(bookings().BookAndPay(bob, Request(concert, 2, "bob-1")));
    ValueOrFail(bookings().Cancel(bob, bobs.id));
    clock->Advance(std::chrono::seconds(1));  // each event created later than the one before
    // talk: one live hold of 2 seats, one paid seat at 333.
    talk = ApprovedEvent(10, 333, 4, "Talk");
    ValueOrFail(bookings().Hold(ann, Request(talk, 2, "ann-hold")));
    ValueOrFail(bookings().BookAndPay(bob, Request(talk, 1, "bob-talk")));
    clock->Advance(std::chrono::seconds(1));
    // gala: bought, then cancelled by its organizer and refunded in full.
    gala = ApprovedEvent(10, 700, 4, "Gala");
    ValueOrFail(bookings().BookAndPay(bob, Request(gala, 1, "bob-gala")));
    ValueOrFail(events().CancelEvent(organizer, gala.id, "the venue burnt down"));
    ValueOrFail(bookings().RefundCancelledEvents(100));

    clock->Set(concert.starts_at);
    ValueOrFail(bookings().CheckIn(organizer, concert.id, anns.tickets.at(0).code));
    ToDue(concert);
    settlement = ValueOrFail(settlements().Settle(admin, concert.id));
  }

  Event concert, talk, gala;
  Settlement settlement;
};

inline void ExpectMoney(const MoneyFigures& money, std::int64_t gross, std::int64_t refunds,
                        std::int64_t commission, std::int64_t net) {
  BOOST_TEST(money.gross.minor_units == gross);
  BOOST_TEST(money.refunds.minor_units == refunds);
  BOOST_TEST(money.commission.minor_units == commission);
  BOOST_TEST(money.net.minor_units == net);
  BOOST_TEST(money.gross.currency == "INR");
  BOOST_TEST(money.net.currency == "INR");
}

}  // namespace eventify::testing
