// Holds, payment, one-step purchase, expiry and idempotency, one rule at a time; the engine
// options and storage area the bookings need.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <memory>
#include <string>

#include "bookings/bookings_fixture.h"
#include "eventify/spi/booking_store.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

// A storage serving every area but the bookings one, as one written before the area existed.
class StorageWithoutBookings final : public spi::Storage {
 public:
  explicit StorageWithoutBookings(std::shared_ptr<spi::Storage> inner)
      : inner_(std::move(inner)) {}
  Status Run(spi::TransactionMode mode,
             const std::function<Status(spi::Transaction&)>& body) override {
    return inner_->Run(mode, body);
  }
  std::string_view backend_name() const override { return inner_->backend_name(); }
  int schema_version() const override { return inner_->schema_version(); }
  bool Supports(spi::StoreArea area) const override {
    return !(area == spi::BookingStore::kArea) && inner_->Supports(area);
  }

 private:
  std::shared_ptr<spi::Storage> inner_;
};

EngineOptions MinimalOptions(std::shared_ptr<spi::Storage> storage) {
  EngineOptions options;
  options.secret_key = std::string(32, 's');
  options.storage = std::move(storage);
  options.mailer = std::make_shared<DiscardingMailer>();
  options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
  return options;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_engine_refuses_a_storage_without_the_bookings_area) {
  auto opened =
      Engine::Open(MinimalOptions(std::make_shared<StorageWithoutBookings>(OpenFreshStorage())));
  ExpectError(opened, StatusCode::kFailedPrecondition, "storage_lacks_area", "storage");
  BOOST_TEST(opened.status().message().find("'bookings'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_engine_refuses_a_hold_time_that_is_not_positive) {
  EngineOptions options = MinimalOptions(OpenFreshStorage());
  options.bookings.hold_ttl = std::chrono::seconds(0);
  ExpectError(Engine::Open(std::move(options)), StatusCode::kInvalidArgument,
              "invalid_bookings_options", "bookings.hold_ttl");
}

BOOST_AUTO_TEST_CASE(the_engine_refuses_a_card_payment_hold_that_is_not_positive) {
  EngineOptions options = MinimalOptions(OpenFreshStorage());
  options.bookings.card_payment_hold = std::chrono::seconds(0);
  ExpectError(Engine::Open(std::move(options)), StatusCode::kInvalidArgument,
              "invalid_bookings_options", "bookings.card_payment_hold");
}

BOOST_FIXTURE_TEST_SUITE(bookings, BookingsFixture)

BOOST_AUTO_TEST_CASE(a_hold_reserves_seats_and_paying_it_issues_tickets_and_moves_the_money) {
  const Event event = ApprovedEvent(10);
  Fund(ann.user_id, 2000);

  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 3, "k1")));
  BOOST_TEST(held.status == BookingStatus::kHeld);
  BOOST_TEST(held.seats == 3);
  BOOST_TEST(held.amount.minor_units == 3 * kTicketPrice);
  BOOST_TEST((held.hold_expires_at == clock->Now() + 10min));
  BOOST_TEST(held.tickets.empty());
  BOOST_TEST(EventNow(event.id).seats_held == 3);
  BOOST_TEST(EventNow(event.id).seats_sold == 0);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 2000);  // a hold takes no money

  const Booking paid = ValueOrFail(bookings().Pay(ann, held.id));
  BOOST_TEST(paid.id == held.id);
  BOOST_TEST(paid.status == BookingStatus::kConfirmed);
  BOOST_TEST(!paid.payment_transfer_id.empty());
  BOOST_REQUIRE(paid.tickets.size() == 3u);
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(paid.tickets[i].seat == i + 1);
    BOOST_TEST(paid.tickets[i].booking_id == held.id);
    BOOST_TEST(paid.tickets[i].event_id == event.id);
  }
  BOOST_TEST(EventNow(event.id).seats_held == 0);
  BOOST_TEST(EventNow(event.id).seats_sold == 3);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 2000 - 1500);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 1500);
  const Transfer payment = ValueOrFail(ledger().GetTransfer(paid.payment_transfer_id));
  BOOST_TEST((payment.from == WalletOf(ann.user_id)));
  BOOST_TEST((payment.to == EscrowOf(event.id)));
  BOOST_TEST(payment.amount.minor_units == 1500);
  BOOST_TEST(payment.reference == held.id);

  // Paying again returns the booking unchanged and takes nothing more.
  const Booking again = ValueOrFail(bookings().Pay(ann, held.id));
  BOOST_TEST(again.status == BookingStatus::kConfirmed);
  BOOST_TEST(again.tickets.size() == 3u);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 500);

  const Booking read = ValueOrFail(bookings().GetBooking(ann, held.id));
  BOOST_TEST(read.status == BookingStatus::kConfirmed);
  BOOST_TEST(read.tickets.size() == 3u);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(book_and_pay_confirms_in_one_step_and_a_failed_payment_keeps_nothing) {
  const Event event = ApprovedEvent(10);
  Fund(ann.user_id, 1000);
  const Booking booked = ValueOrFail(bookings().BookAndPay(ann, Request(event, 2, "k1")));
  BOOST_TEST(booked.status == BookingStatus::kConfirmed);
  BOOST_TEST(booked.tickets.size() == 2u);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 0);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 1000);

  ExpectError(bookings().BookAndPay(ann, Request(event, 1, "k2")),
              StatusCode::kFailedPrecondition, "insufficient_funds");
  BOOST_TEST(EventNow(event.id).seats_sold == 2);
  BOOST_TEST(EventNow(event.id).seats_held == 0);
  // The key of the failed purchase was not used: it books once there is money.
  TransferRequest top_up;
  top_up.idempotency_key = "top-up-ann";
  top_up.kind = TransferKind::kCredit;
  top_up.from = {AccountKind::kGatewayClearing, "", "INR"};
  top_up.to = WalletOf(ann.user_id);
  top_up.amount = Money{kTicketPrice, "INR"};
  ValueOrFail(ledger().CreateTransfer(top_up));
  BOOST_TEST(ValueOrFail(bookings().BookAndPay(ann, Request(event, 1, "k2"))).tickets.size() ==
             1u);
  BOOST_TEST(EventNow(event.id).seats_sold == 3);
  ExpectError(bookings().GetBooking(ann, "no-such-booking"), StatusCode::kNotFound,
              "booking_not_found");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_free_event_confirms_without_a_transfer) {
  const Event event = ApprovedEvent(5, /*price=*/0);
  const Booking booked = ValueOrFail(bookings().BookAndPay(ann, Request(event, 2, "k1")));
  BOOST_TEST(booked.status == BookingStatus::kConfirmed);
  BOOST_TEST(booked.amount.minor_units == 0);
  BOOST_TEST(booked.payment_transfer_id.empty());
  BOOST_TEST(booked.tickets.size() == 2u);

  const Booking held = ValueOrFail(bookings().Hold(bob, Request(event, 1, "k1")));
  const Booking paid = ValueOrFail(bookings().Pay(bob, held.id));
  BOOST_TEST(paid.status == BookingStatus::kConfirmed);
  BOOST_TEST(paid.payment_transfer_id.empty());
  BOOST_TEST(EventNow(event.id).seats_sold == 3);
  BOOST_TEST(ValueOrFail(ledger().Audit()).transfers_checked == 0);
}

BOOST_AUTO_TEST_CASE(an_expired_hold_is_never_paid_and_its_seats_return_to_sale) {
  const Event event = ApprovedEvent(4);
  Fund(ann.user_id, 5000);
  Fund(bob.user_id, 5000);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 4, "k1")));
  ExpectError(bookings().Hold(bob, Request(event, 1, "k1")), StatusCode::kFailedPrecondition,
              "sold_out", "seats");

  clock->Advance(10min);  // the hold lapses at this very instant
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kExpired);
  ExpectError(bookings().Pay(ann, held.id), StatusCode::kFailedPrecondition, "hold_expired");
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000);

  // The next hold on the event finds the seats back.
  const Booking bobs = ValueOrFail(bookings().BookAndPay(bob, Request(event, 4, "k2")));
  BOOST_TEST(bobs.status == BookingStatus::kConfirmed);
  const Event now = EventNow(event.id);
  BOOST_TEST(now.seats_sold == 4);
  BOOST_TEST(now.seats_held == 0);
  ExpectError(bookings().Pay(ann, held.id), StatusCode::kFailedPrecondition, "hold_expired");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(the_expiry_job_returns_the_seats_of_lapsed_holds) {
  const Event event = ApprovedEvent(10);
  const Event other = ApprovedEvent(10);
  ValueOrFail(bookings().Hold(ann, Request(event, 3, "k1")));
  ValueOrFail(bookings().Hold(bob, Request(other, 2, "k1")));
  clock->Advance(5min);
  const Booking later = ValueOrFail(bookings().Hold(bob, Request(event, 1, "k2")));

  // Each minute's two bookings jobs (expire holds, refund cancelled events) run once.
  BOOST_TEST(ValueOrFail(engine->jobs().RunDueJobs(10)) == 2);  // nothing lapsed yet
  BOOST_TEST(EventNow(event.id).seats_held == 4);

  clock->Advance(5min);  // the first two holds lapse; `later` has five minutes left
  BOOST_TEST(ValueOrFail(engine->jobs().RunDueJobs(10)) == 2);
  BOOST_TEST(EventNow(event.id).seats_held == 1);
  BOOST_TEST(EventNow(other.id).seats_held == 0);
  BOOST_TEST(ValueOrFail(bookings().GetBooking(bob, later.id)).status == BookingStatus::kHeld);

  clock->Advance(5min);
  BOOST_TEST(ValueOrFail(engine->jobs().RunDueJobs(10)) == 2);
  BOOST_TEST(EventNow(event.id).seats_held == 0);
  BOOST_TEST(ValueOrFail(bookings().ExpireHolds(10)) == 0);  // nothing left to expire
  ExpectError(bookings().ExpireHolds(0), StatusCode::kInvalidArgument, "invalid_limit", "limit");
}

BOOST_AUTO_TEST_CASE(a_retried_key_returns_the_same_booking_and_never_books_twice) {
  const Event event = ApprovedEvent(10);
  Fund(ann.user_id, 5000);
  const Booking first = ValueOrFail(bookings().Hold(ann, Request(event, 2, "same")));
  const Booking retry = ValueOrFail(bookings().Hold(ann, Request(event, 2, "same")));
  BOOST_TEST(retry.id == first.id);
  BOOST_TEST(EventNow(event.id).seats_held == 2);
  ExpectError(bookings().Hold(ann, Request(event, 3, "same")), StatusCode::kAlreadyExists,
              "idempotency_key_reused", "idempotency_key");
  ExpectError(bookings().BookAndPay(ann, Request(event, 3, "same")), StatusCode::kAlreadyExists,
              "idempotency_key_reused", "idempotency_key");
  // Keys are per buyer: bob's "same" is his own booking.
  const Booking bobs = ValueOrFail(bookings().Hold(bob, Request(event, 2, "same")));
  BOOST_TEST(bobs.id != first.id);

  const Booking bought = ValueOrFail(bookings().BookAndPay(ann, Request(event, 1, "buy")));
  const Booking bought_again = ValueOrFail(bookings().BookAndPay(ann, Request(event, 1, "buy")));
  BOOST_TEST(bought_again.id == bought.id);
  BOOST_TEST(bought_again.status == BookingStatus::kConfirmed);
  BOOST_TEST(bought_again.tickets.size() == 1u);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 5000 - kTicketPrice);
  BOOST_TEST(EventNow(event.id).seats_sold == 1);
  BOOST_TEST(EventNow(event.id).seats_held == 4);

  // A replayed hold that lapsed reads as expired.
  clock->Advance(10min);
  BOOST_TEST(ValueOrFail(bookings().Hold(ann, Request(event, 2, "same"))).status ==
             BookingStatus::kExpired);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(bad_requests_and_events_that_do_not_sell_get_exact_errors) {
  const Event event = ApprovedEvent(10, kTicketPrice, /*max_per_booking=*/4);
  ExpectError(bookings().Hold(ann, Request(event, 1, "")), StatusCode::kInvalidArgument,
              "invalid_idempotency_key", "idempotency_key");
  ExpectError(bookings().Hold(ann, Request(event, 1, std::string(201, 'k'))),
              StatusCode::kInvalidArgument, "invalid_idempotency_key", "idempotency_key");
  ExpectError(bookings().Hold(ann, Request(event, 1, "tab\tkey")), StatusCode::kInvalidArgument,
              "invalid_idempotency_key", "idempotency_key");
  ExpectError(bookings().Hold(ann, Request(event, 0, "k")), StatusCode::kInvalidArgument,
              "invalid_seats", "seats");
  ExpectError(bookings().Hold(ann, Request(event, 5, "k")), StatusCode::kInvalidArgument,
              "invalid_seats", "seats");
  ExpectError(bookings().Hold(ann, BookingRequest{"00000000-0000-7000-8000-000000000000", 1, "k"}),
              StatusCode::kNotFound, "event_not_found", "event_id");
  ExpectError(bookings().Hold(ann, BookingRequest{"not an id", 1, "k"}), StatusCode::kNotFound,
              "event_not_found", "event_id");

  // A draft is not public: it does not exist for buyers.
  const Event unlisted = UnlistedEvent();
  ExpectError(bookings().Hold(ann, Request(unlisted, 1, "k")), StatusCode::kNotFound,
              "event_not_found", "event_id");

  // The permission table: admins and the event's own organizer do not book it; another
  // organizer does.
  ExpectError(bookings().Hold(admin, Request(event, 1, "k")), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(bookings().Hold(organizer, Request(event, 1, "k")), StatusCode::kPermissionDenied,
              "forbidden");
  BOOST_TEST(ValueOrFail(bookings().Hold(other_organizer, Request(event, 1, "k"))).status ==
             BookingStatus::kHeld);

  // On hold, then released: sells again.
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 1, "before-hold")));
  ValueOrFail(events().HoldEvent(admin, event.id, "checking the venue"));
  ExpectError(bookings().Hold(ann, Request(event, 1, "k")), StatusCode::kFailedPrecondition,
              "event_on_hold");
  Fund(ann.user_id, 1000);
  ExpectError(bookings().Pay(ann, held.id), StatusCode::kFailedPrecondition, "event_on_hold");
  ValueOrFail(events().ReleaseEvent(admin, event.id));
  BOOST_TEST(ValueOrFail(bookings().Pay(ann, held.id)).status == BookingStatus::kConfirmed);

  // Another buyer's booking does not exist for bob; bob without money keeps his hold.
  ExpectError(bookings().Pay(bob, held.id), StatusCode::kNotFound, "booking_not_found");
  ExpectError(bookings().GetBooking(bob, held.id), StatusCode::kNotFound, "booking_not_found");
  const Booking bobs = ValueOrFail(bookings().Hold(bob, Request(event, 2, "k")));
  ExpectError(bookings().Pay(bob, bobs.id), StatusCode::kFailedPrecondition, "insufficient_funds");
  BOOST_TEST(ValueOrFail(bookings().GetBooking(bob, bobs.id)).status == BookingStatus::kHeld);
  BOOST_TEST(EventNow(event.id).seats_held == 3);  // other_organizer's and bob's

  // Cancelled: nothing sells, a live hold is not paid.
  ValueOrFail(events().CancelEvent(organizer, event.id, "the band fell ill"));
  ExpectError(bookings().Hold(ann, Request(event, 1, "after-cancel")),
              StatusCode::kFailedPrecondition, "event_not_bookable");
  Fund(bob.user_id, 5000);
  ExpectError(bookings().Pay(bob, bobs.id), StatusCode::kFailedPrecondition, "event_not_bookable");

  // Started: holds are refused.
  const Event soon = ApprovedEvent(10);
  clock->Advance(7 * kDay);
  ExpectError(bookings().BookAndPay(bob, Request(soon, 1, "late")),
              StatusCode::kFailedPrecondition, "event_started");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(booking_statuses_have_stable_names) {
  for (BookingStatus status : {BookingStatus::kHeld, BookingStatus::kConfirmed,
                               BookingStatus::kExpired, BookingStatus::kCancelled}) {
    BOOST_TEST((ValueOrFail(ParseBookingStatus(BookingStatusName(status))) == status));
  }
  BOOST_TEST(BookingStatusName(BookingStatus::kHeld) == "held");
  ExpectError(ParseBookingStatus("paid"), StatusCode::kInvalidArgument, "invalid_status", "status");
}

BOOST_AUTO_TEST_SUITE_END()
