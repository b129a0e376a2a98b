// The waitlist of a sold-out event through the engine, on the manual clock: who may join and
// when, one's place in line, leaving; seats that come back (a cancellation, a lapsed hold, a
// lapsed or declined offer, more capacity) offered first in line first as a held booking that
// reserves them, with one offer e-mail written in the same commit; paying an offer.
#include <boost/test/unit_test.hpp>

#include <string>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

constexpr char kOfferSubject[] = "are waiting for you";

}  // namespace

BOOST_AUTO_TEST_CASE(the_engine_refuses_an_offer_time_that_is_not_positive) {
  EngineOptions options;
  options.secret_key = std::string(32, 's');
  options.storage = OpenFreshStorage();
  options.mailer = std::make_shared<KeepingMailer>();
  options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
  options.bookings.waitlist_offer_ttl = std::chrono::seconds(0);
  ExpectError(Engine::Open(std::move(options)), StatusCode::kInvalidArgument,
              "invalid_bookings_options", "bookings.waitlist_offer_ttl");
}

namespace eventify::testing {

struct WaitlistFixture : BookingsFixture {
  const Principal carol{"attendee-carol", Role::kAttendee, "s-carol"};
  const Principal dave{"attendee-dave", Role::kAttendee, "s-dave"};
  const Principal erin{"attendee-erin", Role::kAttendee, "s-erin"};

  // An event of `capacity` seats, all sold to bob (who may cancel them).
  Event SoldOutEvent(std::int32_t capacity = 2, std::int32_t max_per_booking = 2) {
    const Event event = ApprovedEvent(capacity, kTicketPrice, max_per_booking);
    Fund(bob.user_id, 100 * kTicketPrice);
    for (std::int32_t left = capacity, n = 0; left > 0; ++n) {
      const std::int32_t seats = std::min(left, max_per_booking);
      ValueOrFail(bookings().BookAndPay(bob, Request(event, seats, BobsKey(event, n))));
      left -= seats;
    }
    return event;
  }

  static std::string BobsKey(const Event& event, int n) {
    return "bob-" + event.id + "-" + std::to_string(n);
  }

  WaitlistEntry Entry(const Principal& user, const Event& event) {
    return ValueOrFail(bookings().GetWaitlistEntry(user, event.id));
  }

  // bob's first booking of the event (2 seats, or all of a smaller event).
  Booking BobsFirst(const Event& event) {
    return ValueOrFail(bookings().BookAndPay(bob, Request(event, std::min(2, event.capacity), BobsKey(event, 0))));
  }

  Booking Offered(const Principal& user, const Event& event) {
    const WaitlistEntry entry = Entry(user, event);
    BOOST_TEST_REQUIRE((entry.status == WaitlistStatus::kOffered));
    return ValueOrFail(bookings().GetBooking(user, entry.booking_id));
  }
};

}  // namespace eventify::testing

BOOST_FIXTURE_TEST_SUITE(waitlist, WaitlistFixture)

BOOST_AUTO_TEST_CASE(joining_is_for_sold_out_events_once_per_user_and_shows_the_place_in_line) {
  const Event event = ApprovedEvent(/*capacity=*/4, kTicketPrice, /*max_per_booking=*/2);
  ExpectError(bookings().JoinWaitlist(ann, event.id, 1), StatusCode::kFailedPrecondition,
              "seats_available", "seats");
  Fund(bob.user_id, 10 * kTicketPrice);
  ValueOrFail(bookings().BookAndPay(bob, Request(event, 2, "b1")));
  ValueOrFail(bookings().Hold(bob, Request(event, 1, "b2")));
  // One seat is left: a line for two seats is joined, for one it is not.
  ExpectError(bookings().JoinWaitlist(ann, event.id, 1), StatusCode::kFailedPrecondition,
              "seats_available", "seats");
  const WaitlistEntry ann_entry = ValueOrFail(bookings().JoinWaitlist(ann, event.id, 2));
  BOOST_TEST((ann_entry.status == WaitlistStatus::kWaiting));
  BOOST_TEST(ann_entry.position == 1);
  BOOST_TEST(ann_entry.seats == 2);
  BOOST_TEST(ann_entry.event_id == event.id);
  BOOST_TEST(ann_entry.user_id == ann.user_id);
  BOOST_TEST(ann_entry.booking_id.empty());
  BOOST_TEST((ann_entry.joined_at == clock->Now()));
  BOOST_TEST(!ann_entry.offered_at.has_value());
  ValueOrFail(bookings().Hold(carol, Request(event, 1, "c1")));  // now sold out
  ExpectError(bookings().JoinWaitlist(ann, event.id, 1), StatusCode::kAlreadyExists,
              "already_on_waitlist");
  BOOST_TEST(ValueOrFail(bookings().JoinWaitlist(dave, event.id, 1)).position == 2);
  BOOST_TEST(ValueOrFail(bookings().JoinWaitlist(erin, event.id, 1)).position == 3);

  ExpectError(bookings().JoinWaitlist(carol, event.id, 3), StatusCode::kInvalidArgument,
              "invalid_seats", "seats");
  ExpectError(bookings().JoinWaitlist(carol, event.id, 0), StatusCode::kInvalidArgument,
              "invalid_seats", "seats");
  ExpectError(bookings().JoinWaitlist(organizer, event.id, 1), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(bookings().JoinWaitlist(admin, event.id, 1), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(bookings().JoinWaitlist(carol, "no-such-event", 1), StatusCode::kNotFound,
              "event_not_found", "event_id");

  // Leaving moves everyone behind up; the one who left is no longer in line.
  BOOST_TEST(Entry(erin, event).position == 3);
  BOOST_TEST(bookings().LeaveWaitlist(dave, event.id).ok());
  ExpectError(bookings().GetWaitlistEntry(dave, event.id), StatusCode::kNotFound,
              "not_on_waitlist");
  ExpectError(bookings().LeaveWaitlist(dave, event.id), StatusCode::kNotFound, "not_on_waitlist");
  ExpectError(bookings().LeaveWaitlist(carol, "no-such-event"), StatusCode::kNotFound,
              "not_on_waitlist");
  BOOST_TEST(Entry(ann, event).position == 1);
  BOOST_TEST(Entry(erin, event).position == 2);
  // A user who left may join again, at the back.
  BOOST_TEST(ValueOrFail(bookings().JoinWaitlist(dave, event.id, 1)).position == 3);
}

BOOST_AUTO_TEST_CASE(cancelled_on_hold_and_started_events_take_no_one_in_line) {
  const Event cancelled = SoldOutEvent();
  ValueOrFail(events().CancelEvent(organizer, cancelled.id, "the band broke up"));
  ExpectError(bookings().JoinWaitlist(ann, cancelled.id, 1), StatusCode::kFailedPrecondition,
              "event_not_bookable");
  const Event held = SoldOutEvent();
  ValueOrFail(events().HoldEvent(admin, held.id, "under review"));
  ExpectError(bookings().JoinWaitlist(ann, held.id, 1), StatusCode::kFailedPrecondition,
              "event_on_hold");
  const Event started = SoldOutEvent();
  clock->Advance(8 * kDay);
  ExpectError(bookings().JoinWaitlist(ann, started.id, 1), StatusCode::kFailedPrecondition,
              "event_started");
}

BOOST_AUTO_TEST_CASE(a_cancellation_offers_its_seats_to_the_first_in_line_whose_seats_fit) {
  const Event event = SoldOutEvent(/*capacity=*/3, /*max_per_booking=*/2);  // bob: 2 + 1
  ValueOrFail(bookings().JoinWaitlist(ann, event.id, 2));
  ValueOrFail(bookings().JoinWaitlist(carol, event.id, 1));
  ValueOrFail(bookings().JoinWaitlist(dave, event.id, 1));
  // bob cancels his single seat: ann (2) does not fit, carol (1) is next and does.
  const Booking single = ValueOrFail(bookings().BookAndPay(bob, Request(event, 1, BobsKey(event, 1))));
  ValueOrFail(bookings().Cancel(bob, single.id));
  BOOST_TEST((Entry(ann, event).status == WaitlistStatus::kWaiting));
  BOOST_TEST(Entry(ann, event).position == 1);
  const WaitlistEntry carols = Entry(carol, event);
  BOOST_TEST((carols.status == WaitlistStatus::kOffered));
  BOOST_TEST(carols.position == 0);
  BOOST_TEST((carols.offered_at == clock->Now()));
  BOOST_TEST((carols.offer_expires_at == clock->Now() + 10min));
  const Booking offer = Offered(carol, event);
  BOOST_TEST(offer.status == BookingStatus::kHeld);
  BOOST_TEST(offer.seats == 1);
  BOOST_TEST(offer.amount.minor_units == kTicketPrice);
  BOOST_TEST(offer.idempotency_key == "waitlist:" + carols.id);
  BOOST_TEST((offer.hold_expires_at == clock->Now() + 10min));
  BOOST_TEST(Entry(dave, event).position == 2);
  // The offer holds the seat: nobody else gets it.
  Event now = EventNow(event.id);
  BOOST_TEST(now.seats_sold == 2);
  BOOST_TEST(now.seats_held == 1);
  ExpectError(bookings().Hold(erin, Request(event, 1, "e1")), StatusCode::kFailedPrecondition,
              "sold_out", "seats");

  // bob cancels his pair: ann, first in line, gets both.
  ValueOrFail(bookings().Cancel(bob, BobsFirst(event).id));
  const Booking anns = Offered(ann, event);
  BOOST_TEST(anns.seats == 2);
  BOOST_TEST((Entry(dave, event).status == WaitlistStatus::kWaiting));
  BOOST_TEST(Entry(dave, event).position == 1);
  now = EventNow(event.id);
  BOOST_TEST(now.seats_sold == 0);
  BOOST_TEST(now.seats_held == 3);
}

BOOST_AUTO_TEST_CASE(a_lapsed_hold_and_a_lapsed_offer_go_to_the_next_in_line) {
  const Event event = ApprovedEvent(/*capacity=*/2, kTicketPrice, /*max_per_booking=*/2);
  ValueOrFail(bookings().Hold(bob, Request(event, 2, "b1")));
  ValueOrFail(bookings().JoinWaitlist(ann, event.id, 2));
  ValueOrFail(bookings().JoinWaitlist(carol, event.id, 1));
  ValueOrFail(bookings().JoinWaitlist(dave, event.id, 1));

  // bob's hold lapses; the recurring job expires it and offers both seats to ann.
  clock->Advance(10min);
  BOOST_TEST(ValueOrFail(bookings().ExpireHolds(10)) == 1);
  const Booking anns = Offered(ann, event);
  BOOST_TEST((anns.hold_expires_at == clock->Now() + 10min));
  BOOST_TEST((Entry(carol, event).status == WaitlistStatus::kWaiting));
  BOOST_TEST(EventNow(event.id).seats_held == 2);

  // ann lets it lapse: the next in line, carol and dave, get a seat each, through the job.
  clock->Advance(10min);
  RunDueJobs();
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, anns.id)).status == BookingStatus::kExpired);
  BOOST_TEST(Offered(carol, event).seats == 1);
  BOOST_TEST(Offered(dave, event).seats == 1);
  BOOST_TEST(EventNow(event.id).seats_held == 2);
  // ann's entry was offered once and stays offered; she may join again, at the back.
  BOOST_TEST((Entry(ann, event).status == WaitlistStatus::kOffered));
  const WaitlistEntry again = ValueOrFail(bookings().JoinWaitlist(ann, event.id, 1));
  BOOST_TEST(again.position == 1);
  BOOST_TEST(again.id != anns.idempotency_key.substr(9));
  BOOST_TEST((Entry(ann, event).status == WaitlistStatus::kWaiting));

  // A lapsed offer found by another buyer's hold is expired by that batch and offered on before
  // the hold is counted: the seat goes to ann, and the buyer finds the event sold out.
  clock->Advance(10min);
  ExpectError(bookings().Hold(erin, Request(event, 2, "e1")), StatusCode::kFailedPrecondition,
              "sold_out", "seats");
  BOOST_TEST(Offered(ann, event).seats == 1);
  BOOST_TEST(EventNow(event.id).seats_held == 1);
}

BOOST_AUTO_TEST_CASE(a_declined_offer_goes_to_the_next_and_a_paid_one_confirms_with_tickets) {
  const Event event = SoldOutEvent(/*capacity=*/2, /*max_per_booking=*/2);
  ValueOrFail(bookings().JoinWaitlist(ann, event.id, 2));
  ValueOrFail(bookings().JoinWaitlist(carol, event.id, 2));
  ValueOrFail(bookings().Cancel(bob, BobsFirst(event).id));
  const Booking anns = Offered(ann, event);

  // ann declines by cancelling the held offer: carol is offered at once.
  BOOST_TEST(ValueOrFail(bookings().Cancel(ann, anns.id)).status == BookingStatus::kCancelled);
  const Booking carols = Offered(carol, event);
  Fund(carol.user_id, 2 * kTicketPrice);
  const Booking paid = ValueOrFail(bookings().Pay(carol, carols.id));
  BOOST_TEST(paid.status == BookingStatus::kConfirmed);
  BOOST_TEST(paid.tickets.size() == 2u);
  BOOST_TEST(Posted(WalletOf(carol.user_id)) == 0);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 2 * kTicketPrice);  // bob's was refunded
  const Event now = EventNow(event.id);
  BOOST_TEST(now.seats_sold == 2);
  BOOST_TEST(now.seats_held == 0);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(more_capacity_is_offered_by_the_recurring_job) {
  const Event event = SoldOutEvent(/*capacity=*/2, /*max_per_booking=*/2);
  ValueOrFail(bookings().JoinWaitlist(ann, event.id, 2));
  ValueOrFail(bookings().JoinWaitlist(carol, event.id, 1));
  EventDraft draft;
  draft.title = event.title;
  draft.description = event.description;
  draft.category_id = event.category_id;
  draft.venue = event.venue;
  draft.starts_at = event.starts_at;
  draft.ends_at = event.ends_at;
  draft.time_zone = event.time_zone;
  draft.capacity = 3;
  draft.price_minor_units = event.price.minor_units;
  draft.attendees_may_cancel = event.attendees_may_cancel;
  draft.max_tickets_per_booking = event.max_tickets_per_booking;
  ValueOrFail(events().UpdateEvent(organizer, event.id, draft));
  BOOST_TEST(ValueOrFail(bookings().ServeWaitlists(10)) == 1);  // one seat: carol's fits
  BOOST_TEST((Entry(ann, event).status == WaitlistStatus::kWaiting));
  BOOST_TEST(Offered(carol, event).seats == 1);
  BOOST_TEST(ValueOrFail(bookings().ServeWaitlists(10)) == 0);
  ExpectError(bookings().ServeWaitlists(0), StatusCode::kInvalidArgument, "invalid_limit",
              "limit");
}

BOOST_AUTO_TEST_CASE(the_offer_is_mailed_once_in_its_commit) {
  const Principal fay = RegisteredAttendee("fay@example.com", "Fay");
  const Event event = SoldOutEvent(/*capacity=*/2, /*max_per_booking=*/2);
  ValueOrFail(bookings().JoinWaitlist(fay, event.id, 2));
  RunDueJobs();
  BOOST_TEST(mailer->To("fay@example.com", kOfferSubject).empty());
  ValueOrFail(bookings().Cancel(bob, BobsFirst(event).id));
  RunDueJobs();
  const Booking offer = Offered(fay, event);
  BOOST_TEST(ValueOrFail(bookings().ExpireHolds(10)) == 0);
  RunDueJobs();
  const auto mails = mailer->To("fay@example.com", kOfferSubject);
  BOOST_TEST_REQUIRE(mails.size() == 1u);
  const spi::MailMessage& mail = mails.front();
  BOOST_TEST(mail.subject == "Eventify: seats for Open air concert are waiting for you");
  BOOST_TEST(mail.text.find("Hello Fay,") != std::string::npos);
  BOOST_TEST(mail.text.find("2 seats are held for you as booking " + offer.id) !=
             std::string::npos);
  BOOST_TEST(mail.text.find("Pay INR 10.00 from your wallet before " +
                            FormatTimestamp(offer.hold_expires_at).substr(0, 10)) !=
             std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
