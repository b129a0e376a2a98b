// The card payments of spi::BookingStore (spi/booking_store.h, "Card payments"; migration 15 on
// the SOCI storage): attempts stored by their top-up, listed per booking, their state written
// back, and the hold expiry a card payment moves.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/booking_store.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::BookingStore;
using spi::CardPaymentRecord;

struct CardPaymentStoreFixture {
  CardPaymentStoreFixture() : storage(conformance::OpenStorageUnderTest()) {}

  Status Run(const std::function<Status(spi::Transaction&)>& body) {
    return storage->Run(spi::TransactionMode::kReadWrite, body);
  }

  static CardPaymentRecord Attempt(const std::string& topup, const std::string& booking,
                                   Timestamp at) {
    CardPaymentRecord record;
    record.payment.topup_transfer_id = topup;
    record.payment.booking_id = booking;
    record.payment.state = CardPaymentState::kPending;
    record.payment.created_at = record.payment.updated_at = at;
    record.event_id = "event-1";
    record.user_id = "buyer-1";
    record.client_key = "pay-" + topup;
    record.hold_expires_before = BaseTime() + std::chrono::minutes(10);
    return record;
  }

  std::shared_ptr<spi::Storage> storage;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(card_payment_store, CardPaymentStoreFixture)

BOOST_AUTO_TEST_CASE(attempts_are_stored_by_top_up_listed_per_booking_and_updated) {
  const Timestamp t0 = BaseTime();
  const Status inserted = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<BookingStore>();
    if (Status s =
            store->InsertCardPayment(Attempt("topup-b", "booking-1", t0 + std::chrono::seconds(1)));
        !s.ok()) {
      return s;
    }
    if (Status s = store->InsertCardPayment(Attempt("topup-a", "booking-1", t0)); !s.ok()) return s;
    if (Status s = store->InsertCardPayment(Attempt("topup-c", "booking-2", t0)); !s.ok()) return s;
    return Status::Ok();
  });
  BOOST_REQUIRE_MESSAGE(inserted.ok(), inserted.ToString());
  // A taken top-up id is refused (and fails its transaction, as every constraint does).
  const Status taken = Run([&](spi::Transaction& tx) {
    return tx.store<BookingStore>()->InsertCardPayment(Attempt("topup-a", "booking-3", t0));
  });
  BOOST_TEST((taken.code() == StatusCode::kAlreadyExists));
  BOOST_TEST(taken.reason() == "card_payment_exists");

  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<BookingStore>();
    auto found = store->FindCardPayment("topup-a");
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    BOOST_TEST(found->payment.booking_id == "booking-1");
    BOOST_TEST(found->event_id == "event-1");
    BOOST_TEST(found->user_id == "buyer-1");
    BOOST_TEST(found->client_key == "pay-topup-a");
    BOOST_TEST((found->payment.state == CardPaymentState::kPending));
    BOOST_TEST((found->hold_expires_before == BaseTime() + std::chrono::minutes(10)));
    BOOST_TEST((found->payment.created_at == t0));
    const auto missing = store->FindCardPayment("no-such-topup");
    BOOST_TEST((missing.status().code() == StatusCode::kNotFound));
    BOOST_TEST(missing.status().reason() == "card_payment_not_found");

    auto listed = store->ListCardPayments("booking-1");
    BOOST_REQUIRE(listed.ok());
    BOOST_REQUIRE(listed->size() == 2u);
    BOOST_TEST((*listed)[0].payment.topup_transfer_id == "topup-a");  // oldest first
    BOOST_TEST((*listed)[1].payment.topup_transfer_id == "topup-b");
    BOOST_TEST(store->ListCardPayments("booking-9")->empty());

    for (CardPaymentState state :
         {CardPaymentState::kPaid, CardPaymentState::kInWallet, CardPaymentState::kDeclined}) {
      CardPaymentRecord update = *found;
      update.payment.state = state;
      update.payment.updated_at = t0 + std::chrono::minutes(1);
      if (Status s = store->UpdateCardPayment(update); !s.ok()) return s;
      auto read = store->FindCardPayment("topup-a");
      BOOST_REQUIRE(read.ok());
      BOOST_TEST((read->payment.state == state));
      BOOST_TEST((read->payment.updated_at == t0 + std::chrono::minutes(1)));
    }
    const Status unknown = store->UpdateCardPayment(Attempt("no-such-topup", "booking-1", t0));
    BOOST_TEST((unknown.code() == StatusCode::kNotFound));
    BOOST_TEST(unknown.reason() == "card_payment_not_found");
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());
}

BOOST_AUTO_TEST_CASE(a_hold_s_expiry_is_moved_and_nothing_else) {
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<BookingStore>();
    spi::BookingRecord record;
    Booking& b = record.booking;
    b.id = "00000000-0000-7000-9000-000000000501";
    b.event_id = "event-1";
    b.user_id = "buyer-1";
    b.idempotency_key = "hold";
    b.seats = 1;
    b.amount = Money{500, "INR"};
    b.status = BookingStatus::kHeld;
    b.hold_expires_at = BaseTime() + std::chrono::minutes(10);
    b.created_at = b.updated_at = BaseTime();
    record.request_key = "buyer-1:hold";
    if (Status s = store->InsertBookings(std::span(&record, 1)); !s.ok()) return s;
    const Timestamp later = BaseTime() + std::chrono::minutes(25);
    if (Status s = store->SetHoldExpiry(b.id, later, BaseTime() + std::chrono::minutes(1));
        !s.ok()) {
      return s;
    }
    auto found = store->FindBookings(std::span(&b.id, 1));
    BOOST_REQUIRE(found.ok());
    BOOST_REQUIRE(found->size() == 1u);
    BOOST_TEST((found->front().booking.hold_expires_at == later));
    BOOST_TEST((found->front().booking.updated_at == BaseTime() + std::chrono::minutes(1)));
    BOOST_TEST((found->front().booking.status == BookingStatus::kHeld));
    BOOST_TEST(found->front().booking.amount.minor_units == 500);
    const Status unknown = store->SetHoldExpiry("no-such-booking", later, later);
    BOOST_TEST((unknown.code() == StatusCode::kNotFound));
    BOOST_TEST(unknown.reason() == "booking_not_found");
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
