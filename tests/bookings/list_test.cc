// A buyer's own bookings (Bookings::ListMyBookings): newest first, keyset pages, every status as a
// reader sees it, with tickets and their codes; nobody else's; the limit and cursor checked.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;

namespace {

std::vector<std::string> Ids(const BookingPage& page) {
  std::vector<std::string> ids;
  for (const Booking& booking : page.items) ids.push_back(booking.id);
  return ids;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(my_bookings, BookingsFixture)

BOOST_AUTO_TEST_CASE(a_buyer_lists_their_bookings_newest_first_page_by_page) {
  const Event event = ApprovedEvent();
  Fund(ann.user_id, 10 * kTicketPrice);
  const Booking paid = ValueOrFail(bookings().BookAndPay(ann, Request(event, 2, "k1")));
  clock->Advance(std::chrono::seconds(1));
  const Booking lapsing = ValueOrFail(bookings().Hold(ann, Request(event, 1, "k2")));
  clock->Advance(std::chrono::seconds(1));
  ValueOrFail(bookings().Hold(bob, Request(event, 1, "k1")));  // someone else's
  clock->Advance(std::chrono::minutes(11));                    // ann's hold lapses
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 1, "k3")));

  const BookingPage all = ValueOrFail(bookings().ListMyBookings(ann, "", 10));
  BOOST_TEST((Ids(all) == std::vector<std::string>{held.id, lapsing.id, paid.id}));
  BOOST_TEST(all.next_cursor.empty());
  BOOST_TEST(all.items[0].status == BookingStatus::kHeld);
  BOOST_TEST(all.items[1].status == BookingStatus::kExpired);
  BOOST_TEST(all.items[2].status == BookingStatus::kConfirmed);
  BOOST_TEST_REQUIRE(all.items[2].tickets.size() == 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(all.items[2].tickets[i].id == paid.tickets[i].id);
    BOOST_TEST(all.items[2].tickets[i].code == paid.tickets[i].code);
  }
  BOOST_TEST(all.items[0].tickets.empty());

  const BookingPage first = ValueOrFail(bookings().ListMyBookings(ann, "", 2));
  BOOST_TEST((Ids(first) == std::vector<std::string>{held.id, lapsing.id}));
  BOOST_TEST_REQUIRE(!first.next_cursor.empty());
  const BookingPage second = ValueOrFail(bookings().ListMyBookings(ann, first.next_cursor, 2));
  BOOST_TEST((Ids(second) == std::vector<std::string>{paid.id}));
  BOOST_TEST(second.next_cursor.empty());
  BOOST_TEST(second.items[0].tickets.size() == 2u);

  BOOST_TEST(ValueOrFail(bookings().ListMyBookings(bob, "", 10)).items.size() == 1u);
  BOOST_TEST(ValueOrFail(bookings().ListMyBookings(organizer, "", 10)).items.empty());
}

BOOST_AUTO_TEST_CASE(the_limit_and_the_cursor_are_checked) {
  ExpectError(bookings().ListMyBookings(ann, "", 0), StatusCode::kInvalidArgument,
              "invalid_limit", "limit");
  ExpectError(bookings().ListMyBookings(ann, "", 101), StatusCode::kInvalidArgument,
              "invalid_limit", "limit");
  ValueOrFail(bookings().ListMyBookings(ann, "", 100));
  ExpectError(bookings().ListMyBookings(ann, "not-a-cursor", 10), StatusCode::kInvalidArgument,
              "invalid_cursor", "cursor");
}

BOOST_AUTO_TEST_SUITE_END()
