// The printable ticket is a picture a person (and a door scanner) looks at: rendered to PNG, it
// has a page per ticket with the event and the holder, and its QR code, decoded from the picture
// by zbarimg, checks the ticket in. Refusals for unpaid, cancelled and other people's bookings
// and for events that are over or cancelled.
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "reports/documents.h"
#include "reports/reports_fixture.h"

namespace eventify::testing {
namespace {

struct TicketFixture : ReportsFixture {
  TicketFixture() {
    dora = RegisteredAttendee("dora@example.com", "Dora Holder");
    Fund(dora.user_id, 100'000);
    event = ApprovedEvent(10, 500, 4, "Printable night");
    booking = ValueOrFail(bookings().BookAndPay(dora, Request(event, 3, "dora-1")));
  }

  Result<std::string> PrintTicket(const Principal& holder, const std::string& booking_id) {
    StringSink sink;
    const Status done = reports->TicketPdf(holder, booking_id, sink);
    if (!done.ok()) return done;
    return sink.Take();
  }

  Principal dora;
  Event event;
  Booking booking;
};

BOOST_FIXTURE_TEST_SUITE(tickets, TicketFixture)

BOOST_AUTO_TEST_CASE(a_ticket_page_per_seat_whose_qr_code_checks_in) {
  TempDir dir;
  const auto pdf = dir.Write("ticket.pdf", ValueOrFail(PrintTicket(dora, booking.id)));
  BOOST_TEST(PdfPages(pdf) == 3);
  const std::string text = PdfText(pdf);
  BOOST_TEST(text.find("Printable night") != std::string::npos);
  BOOST_TEST(text.find("Holder: Dora Holder") != std::string::npos);
  BOOST_TEST(text.find("Park Road, Pune") != std::string::npos);
  for (int seat = 1; seat <= 3; ++seat) {
    BOOST_TEST(text.find("Ticket " + std::to_string(seat) + " of 3 (seats in booking: 3)") !=
               std::string::npos);
  }
  const auto pages = RenderPages(pdf, dir.path());
  BOOST_REQUIRE_EQUAL(pages.size(), 3u);
  std::set<std::string> codes;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const std::vector<std::string> decoded = DecodeQr(pages[i]);
    BOOST_REQUIRE_EQUAL(decoded.size(), 1u);
    BOOST_TEST(decoded[0] == booking.tickets.at(i).code);
    codes.insert(decoded[0]);
  }
  BOOST_TEST(codes.size() == 3u);
  // The door scans what the picture says.
  for (const std::string& code : codes) {
    const Ticket admitted = ValueOrFail(bookings().CheckIn(organizer, event.id, code));
    BOOST_TEST(admitted.checked_in_at.has_value());
  }
  ExpectError(bookings().CheckIn(organizer, event.id, *codes.begin()),
              StatusCode::kFailedPrecondition, "already_checked_in");
}

BOOST_AUTO_TEST_CASE(unpaid_cancelled_and_other_peoples_bookings_print_nothing) {
  const Booking held = ValueOrFail(bookings().Hold(dora, Request(event, 1, "dora-hold")));
  ExpectError(PrintTicket(dora, held.id), StatusCode::kFailedPrecondition, "booking_unpaid");
  clock->Advance(std::chrono::minutes(11));  // the hold lapses: expired, still unpaid
  ExpectError(PrintTicket(dora, held.id), StatusCode::kFailedPrecondition, "booking_unpaid");
  ExpectError(PrintTicket(ann, booking.id), StatusCode::kNotFound, "booking_not_found");
  ExpectError(PrintTicket(organizer, booking.id), StatusCode::kNotFound, "booking_not_found");
  ExpectError(PrintTicket(dora, "no-such-booking"), StatusCode::kNotFound, "booking_not_found");
  ValueOrFail(bookings().Cancel(dora, booking.id));
  ExpectError(PrintTicket(dora, booking.id), StatusCode::kFailedPrecondition, "booking_cancelled");
}

BOOST_AUTO_TEST_CASE(a_ticket_of_an_event_that_is_over_is_refused) {
  clock->Set(event.ends_at - std::chrono::seconds(1));
  BOOST_TEST(PrintTicket(dora, booking.id).ok());
  clock->Set(event.ends_at);
  ExpectError(PrintTicket(dora, booking.id), StatusCode::kFailedPrecondition, "event_ended");
}

BOOST_AUTO_TEST_CASE(a_ticket_of_a_cancelled_event_is_refused) {
  ValueOrFail(events().CancelEvent(organizer, event.id, "The band is ill"));
  // Until the refund job runs the booking is still confirmed: the event's state refuses it.
  StringSink sink;
  ExpectError(reports->TicketPdf(dora, booking.id, sink), StatusCode::kFailedPrecondition,
              "event_cancelled");
  BOOST_TEST(sink.text().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
