// Cancellation by the attendee (full refund, seats back) and the refunds of a cancelled event.
#include <boost/test/unit_test.hpp>

#include "bookings/bookings_fixture.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

BOOST_FIXTURE_TEST_SUITE(cancel, BookingsFixture)

BOOST_AUTO_TEST_CASE(cancelling_a_paid_booking_refunds_it_in_full_and_returns_the_seats) {
  const Event event = ApprovedEvent(4);
  Fund(ann.user_id, 5000);
  const Booking booking = ValueOrFail(bookings().BookAndPay(ann, Request(event, 4, "k")));
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 3000);

  const Booking cancelled = ValueOrFail(bookings().Cancel(ann, booking.id));
  BOOST_TEST(cancelled.status == BookingStatus::kCancelled);
  BOOST_TEST((cancelled.cancelled_at == clock->Now()));
  BOOST_TEST(!cancelled.refund_transfer_id.empty());
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  const Transfer refund = ValueOrFail(ledger().GetTransfer(cancelled.refund_transfer_id));
  BOOST_TEST((refund.kind == TransferKind::kRefund));
  BOOST_TEST(refund.idempotency_key == "booking-refund:" + booking.id);
  BOOST_TEST((refund.from == EscrowOf(event.id)));
  BOOST_TEST(refund.amount.minor_units == 2000);
  BOOST_TEST(EventNow(event.id).seats_sold == 0);

  // Idempotent: a second cancel returns it and moves nothing.
  const Booking again = ValueOrFail(bookings().Cancel(ann, booking.id));
  BOOST_TEST(again.refund_transfer_id == cancelled.refund_transfer_id);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000);
  // Its tickets no longer admit; its seats sell again.
  ExpectError(bookings().CheckIn(organizer, event.id, booking.tickets[0].code),
              StatusCode::kFailedPrecondition, "ticket_cancelled");
  Fund(bob.user_id, 2000);
  BOOST_TEST(ValueOrFail(bookings().BookAndPay(bob, Request(event, 4, "k"))).tickets.size() == 4u);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(cancelling_a_hold_releases_it_without_money) {
  const Event event = ApprovedEvent(4);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 3, "k")));
  const Booking cancelled = ValueOrFail(bookings().Cancel(ann, held.id));
  BOOST_TEST(cancelled.status == BookingStatus::kCancelled);
  BOOST_TEST(cancelled.refund_transfer_id.empty());
  BOOST_TEST(EventNow(event.id).seats_held == 0);
  ExpectError(bookings().Pay(ann, held.id), StatusCode::kFailedPrecondition, "booking_cancelled");
  // A lapsed hold is expired, not cancellable.
  const Booking lapsing = ValueOrFail(bookings().Hold(ann, Request(event, 1, "k2")));
  clock->Advance(10min);
  ExpectError(bookings().Cancel(ann, lapsing.id), StatusCode::kFailedPrecondition, "hold_expired");
}

BOOST_AUTO_TEST_CASE(cancellation_follows_the_event_policy_and_its_start) {
  Fund(ann.user_id, 5000);
  const Event strict = [&] {
    EventDraft d = SampleDraft(10, kTicketPrice, 2, "No refunds gala");
    d.starts_at = clock->Now() + 2 * kDay;
    d.ends_at = d.starts_at + 2h;
    d.attendees_may_cancel = false;
    return Approved(d);
  }();
  const Booking strict_booking = ValueOrFail(bookings().BookAndPay(ann, Request(strict, 1, "s")));
  ExpectError(bookings().Cancel(ann, strict_booking.id), StatusCode::kFailedPrecondition,
              "cancellation_not_allowed");
  ExpectError(bookings().Cancel(bob, strict_booking.id), StatusCode::kNotFound,
              "booking_not_found");

  const Event open = ApprovedEvent(10);  // starts in a week
  const Booking open_booking = ValueOrFail(bookings().BookAndPay(ann, Request(open, 1, "o")));
  clock->Advance(7 * kDay);
  ExpectError(bookings().Cancel(ann, open_booking.id), StatusCode::kFailedPrecondition,
              "event_started");
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000 - 2 * kTicketPrice);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(cancelling_an_event_refunds_every_paid_booking_through_the_job) {
  const Event event = ApprovedEvent(20);
  Fund(ann.user_id, 5000);
  Fund(bob.user_id, 5000);
  const Booking a1 = ValueOrFail(bookings().BookAndPay(ann, Request(event, 2, "a1")));
  const Booking a2 = ValueOrFail(bookings().BookAndPay(ann, Request(event, 1, "a2")));
  const Booking b1 = ValueOrFail(bookings().BookAndPay(bob, Request(event, 4, "b1")));
  const Booking b2 = ValueOrFail(bookings().Hold(bob, Request(event, 1, "b2")));
  ValueOrFail(bookings().Cancel(ann, a2.id));  // refunded already: not twice
  BOOST_TEST(Posted(EscrowOf(event.id)) == 6 * kTicketPrice);

  ValueOrFail(events().CancelEvent(organizer, event.id, "the venue flooded"));
  // The refund job of this minute refunds them (the hold job finds nothing to expire); the three
  // paid bookings' confirmation jobs run too and mail nothing: these buyers have no account.
  BOOST_TEST(ValueOrFail(engine->jobs().RunDueJobs(10)) == 5);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000);
  BOOST_TEST(Posted(WalletOf(bob.user_id)) == 5000);
  for (const auto& [who, id] : {std::pair{ann, a1.id}, std::pair{bob, b1.id}}) {
    const Booking refunded = ValueOrFail(bookings().GetBooking(who, id));
    BOOST_TEST(refunded.status == BookingStatus::kCancelled);
    BOOST_TEST(!refunded.refund_transfer_id.empty());
  }
  BOOST_TEST(ValueOrFail(bookings().GetBooking(bob, b2.id)).status == BookingStatus::kHeld);
  ExpectError(bookings().Pay(bob, b2.id), StatusCode::kFailedPrecondition, "event_not_bookable");
  BOOST_TEST(ValueOrFail(bookings().RefundCancelledEvents(10)) == 0);
  ExpectError(bookings().RefundCancelledEvents(0), StatusCode::kInvalidArgument, "invalid_limit",
              "limit");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()
