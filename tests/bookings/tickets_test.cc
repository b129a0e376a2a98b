// Ticket codes and check-in: signed codes, exactly one admission also under concurrent scans,
// and the exact error of a tampered code, a second scan, a foreign event and a stranger.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

BOOST_FIXTURE_TEST_SUITE(tickets, BookingsFixture)

BOOST_AUTO_TEST_CASE(each_ticket_has_a_distinct_signed_code_that_admits_once) {
  const Event event = ApprovedEvent(10);
  Fund(ann.user_id, 5000);
  const Booking booking = ValueOrFail(bookings().BookAndPay(ann, Request(event, 3, "k")));
  std::set<std::string> codes;
  for (const Ticket& ticket : booking.tickets) {
    BOOST_TEST(ticket.code.rfind("t1." + ticket.id + ".", 0) == 0u);
    BOOST_TEST(ticket.code.size() < 120u);  // fits a small QR code
    codes.insert(ticket.code);
  }
  BOOST_TEST(codes.size() == 3u);
  // The same codes on every read.
  const Booking read = ValueOrFail(bookings().GetBooking(ann, booking.id));
  for (std::size_t i = 0; i < read.tickets.size(); ++i) {
    BOOST_TEST(read.tickets[i].code == booking.tickets[i].code);
  }

  const Ticket admitted = ValueOrFail(bookings().CheckIn(organizer, event.id, booking.tickets[0].code));
  BOOST_TEST(admitted.id == booking.tickets[0].id);
  BOOST_TEST((admitted.checked_in_at == clock->Now()));
  clock->Advance(1min);
  ExpectError(bookings().CheckIn(organizer, event.id, booking.tickets[0].code),
              StatusCode::kFailedPrecondition, "already_checked_in");
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, booking.id)).tickets[0].checked_in_at.has_value());
  BOOST_TEST(!ValueOrFail(bookings().GetBooking(ann, booking.id)).tickets[1].checked_in_at.has_value());
  // The other tickets of the booking are admitted on their own.
  BOOST_TEST(ValueOrFail(bookings().CheckIn(organizer, event.id, booking.tickets[1].code)).seat == 2);
  // Once admitted, the booking is no longer cancelled for a refund.
  ExpectError(bookings().Cancel(ann, booking.id), StatusCode::kFailedPrecondition,
              "ticket_checked_in");
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000 - 3 * kTicketPrice);
}

BOOST_AUTO_TEST_CASE(no_ticket_of_a_cancelled_event_admits_before_or_after_its_refund) {
  const Event event = ApprovedEvent(10);
  Fund(ann.user_id, 5000);
  const Booking booking = ValueOrFail(bookings().BookAndPay(ann, Request(event, 2, "k")));
  ValueOrFail(events().CancelEvent(organizer, event.id, "The venue flooded"));
  // The refund job has not run: the booking is still confirmed, the tickets do not admit.
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, booking.id)).status ==
             BookingStatus::kConfirmed);
  ExpectError(bookings().CheckIn(organizer, event.id, booking.tickets[0].code),
              StatusCode::kFailedPrecondition, "event_cancelled");
  BOOST_TEST(ValueOrFail(bookings().RefundCancelledEvents(16)) == 1);
  ExpectError(bookings().CheckIn(organizer, event.id, booking.tickets[1].code),
              StatusCode::kFailedPrecondition, "event_cancelled");
  const Booking refunded = ValueOrFail(bookings().GetBooking(ann, booking.id));
  for (const Ticket& ticket : refunded.tickets) BOOST_TEST(!ticket.checked_in_at.has_value());
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000);
}

BOOST_AUTO_TEST_CASE(tampered_forged_and_foreign_codes_are_refused_exactly) {
  const Event event = ApprovedEvent(10);
  const Event other = ApprovedEvent(10);
  Fund(ann.user_id, 5000);
  const Booking booking = ValueOrFail(bookings().BookAndPay(ann, Request(event, 2, "k")));
  const Booking elsewhere = ValueOrFail(bookings().BookAndPay(ann, Request(other, 1, "k2")));
  const std::string code = booking.tickets[0].code;

  std::string flipped = code;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  ExpectError(bookings().CheckIn(organizer, event.id, flipped), StatusCode::kInvalidArgument,
              "invalid_ticket_code", "code");
  // Another ticket's id under this ticket's signature.
  std::string swapped = code;
  swapped.replace(3, 36, booking.tickets[1].id);
  ExpectError(bookings().CheckIn(organizer, event.id, swapped), StatusCode::kInvalidArgument,
              "invalid_ticket_code", "code");
  for (const std::string bad :
       {std::string(""), std::string("BOOKING:x|EVENT:y"), std::string("t1."), code + "x",
        std::string("t1.") + booking.tickets[0].id, std::string("t2") + code.substr(2)}) {
    BOOST_TEST_INFO("code " << bad);
    ExpectError(bookings().CheckIn(organizer, event.id, bad), StatusCode::kInvalidArgument,
                "invalid_ticket_code", "code");
  }
  ExpectError(bookings().CheckIn(organizer, other.id, code), StatusCode::kFailedPrecondition,
              "ticket_for_another_event");
  ExpectError(bookings().CheckIn(other_organizer, event.id, code), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(bookings().CheckIn(ann, event.id, code), StatusCode::kPermissionDenied, "forbidden");
  ExpectError(bookings().CheckIn(admin, event.id, code), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(bookings().CheckIn(organizer, "00000000-0000-7000-8000-000000000000", code),
              StatusCode::kNotFound, "event_not_found");
  // None of the refused scans admitted anything.
  BOOST_TEST(ValueOrFail(bookings().CheckIn(organizer, event.id, code)).id == booking.tickets[0].id);
  BOOST_TEST(ValueOrFail(bookings().CheckIn(organizer, other.id, elsewhere.tickets[0].code)).seat == 1);
}

BOOST_AUTO_TEST_CASE(concurrent_scans_of_one_code_admit_it_exactly_once) {
  const Event event = ApprovedEvent(10);
  Fund(ann.user_id, 5000);
  const Booking booking = ValueOrFail(bookings().BookAndPay(ann, Request(event, 4, "k")));
  for (const Ticket& ticket : booking.tickets) {
    constexpr int kDoors = 16;
    std::atomic<int> admitted{0}, refused_as_used{0}, other{0};
    std::vector<std::thread> doors;
    for (int i = 0; i < kDoors; ++i) {
      doors.emplace_back([&] {
        auto scan = bookings().CheckIn(organizer, event.id, ticket.code);
        if (scan.ok()) {
          ++admitted;
        } else if (scan.status().reason() == "already_checked_in") {
          ++refused_as_used;
        } else {
          ++other;
        }
      });
    }
    for (auto& door : doors) door.join();
    BOOST_TEST(admitted.load() == 1);
    BOOST_TEST(refused_as_used.load() == kDoors - 1);
    BOOST_TEST(other.load() == 0);
  }
}

BOOST_AUTO_TEST_CASE(a_code_signed_with_another_secret_is_refused) {
  const Event event = ApprovedEvent(10);
  Fund(ann.user_id, 5000);
  const Booking booking = ValueOrFail(bookings().BookAndPay(ann, Request(event, 1, "k")));
  // A second engine on the same database with another secret signs differently: the codes of
  // one are forgeries to the other.
  EngineOptions options;
  options.secret_key = std::string(32, 'x');
  options.storage = storage;
  options.mailer = std::make_shared<DiscardingMailer>();
  options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
  options.clock = clock;
  options.jobs.schedules = {};
  auto other_engine = ValueOrFail(Engine::Open(std::move(options)));
  const Booking seen_there = ValueOrFail(other_engine->bookings().GetBooking(ann, booking.id));
  BOOST_TEST(seen_there.tickets[0].code != booking.tickets[0].code);
  ExpectError(other_engine->bookings().CheckIn(organizer, event.id, booking.tickets[0].code),
              StatusCode::kInvalidArgument, "invalid_ticket_code", "code");
  BOOST_TEST(ValueOrFail(bookings().CheckIn(organizer, event.id, booking.tickets[0].code)).seat == 1);
}

BOOST_AUTO_TEST_SUITE_END()
