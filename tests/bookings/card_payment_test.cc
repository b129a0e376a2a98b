// Paying a held booking by card (Bookings::PayByCard) through the sandbox gateway, on the manual
// clock: the hold kept while the charge is in flight (past its own ttl, up to the card bound),
// the signed callback paying the booking in the commit that posts the top-up, declines, late
// confirmations left in the wallet, replays and forgeries, and no oversell meanwhile.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <thread>
#include <vector>

#include "bookings/bookings_fixture.h"
#include "eventify/spi/booking_store.h"

using namespace eventify;
using namespace eventify::testing;
using namespace std::chrono_literals;

namespace {

constexpr char kSuccess[] = "tok_sandbox_success";

struct CardFixture : BookingsFixture {
  CardPaymentRequest Card(const std::string& key, const std::string& token = kSuccess) {
    return CardPaymentRequest{token, key};
  }

  // The gateway's signed callback for `charge_id`, delivered as the server's route does.
  Result<Transfer> Callback(const std::string& charge_id, spi::ChargeState state) {
    const auto signed_callback = ValueOrFail(gateway->SignCallback(charge_id, state));
    return engine->wallets().HandleGatewayCallback(signed_callback.first, signed_callback.second);
  }

  // The stored attempt of a top-up.
  spi::CardPaymentRecord Stored(const std::string& topup_id) {
    spi::CardPaymentRecord record;
    const Status read = storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
      auto found = tx.store<spi::BookingStore>()->FindCardPayment(topup_id);
      if (!found.ok()) return found.status();
      record = std::move(found).value();
      return Status::Ok();
    });
    BOOST_REQUIRE_MESSAGE(read.ok(), read.ToString());
    return record;
  }

  Balance WalletBalance(const std::string& user) {
    return ValueOrFail(ledger().GetBalance(WalletOf(user)));
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(card_payment, CardFixture)

BOOST_AUTO_TEST_CASE(a_signed_success_pays_the_hold_with_tickets_money_in_escrow_and_mail) {
  const Principal buyer = RegisteredAttendee("carla@example.com", "Carla Card");
  const Event event = ApprovedEvent(4);
  const Booking held = ValueOrFail(bookings().Hold(buyer, Request(event, 2, "h")));
  const Timestamp started = clock->Now();

  const BookingCardPayment paying = ValueOrFail(bookings().PayByCard(buyer, held.id, Card("c1")));
  BOOST_TEST(paying.booking.status == BookingStatus::kHeld);
  BOOST_TEST((paying.booking.hold_expires_at == started + 15min));  // the card bound, past 10min
  BOOST_TEST((paying.payment.state == CardPaymentState::kPending));
  BOOST_TEST(paying.payment.booking_id == held.id);
  BOOST_TEST(!paying.payment.charge_id.empty());
  const Transfer topup = ValueOrFail(ledger().GetTransfer(paying.payment.topup_transfer_id));
  BOOST_TEST((topup.status == TransferStatus::kPending));
  BOOST_TEST((topup.to == WalletOf(buyer.user_id)));
  BOOST_TEST((topup.from.kind == AccountKind::kGatewayClearing));
  BOOST_TEST(topup.amount.minor_units == 1000);
  BOOST_TEST(topup.reference == held.id);
  BOOST_TEST(WalletBalance(buyer.user_id).pending_credits == 1000);
  BOOST_TEST(WalletBalance(buyer.user_id).posted == 0);

  clock->Advance(1min);
  const Transfer posted =
      ValueOrFail(Callback(paying.payment.charge_id, spi::ChargeState::kSucceeded));
  BOOST_TEST(posted.id == topup.id);
  BOOST_TEST((posted.status == TransferStatus::kPosted));

  const Booking paid = ValueOrFail(bookings().GetBooking(buyer, held.id));
  BOOST_TEST(paid.status == BookingStatus::kConfirmed);
  BOOST_TEST(paid.tickets.size() == 2u);
  BOOST_TEST(!paid.payment_transfer_id.empty());
  BOOST_TEST(Posted(EscrowOf(event.id)) == 1000);
  BOOST_TEST(Posted(WalletOf(buyer.user_id)) == 0);
  BOOST_TEST(EventNow(event.id).seats_sold == 2);
  BOOST_TEST(EventNow(event.id).seats_held == 0);
  BOOST_TEST((Stored(topup.id).payment.state == CardPaymentState::kPaid));
  RunDueJobs();
  const auto mails = mailer->To("carla@example.com", "your tickets for");
  BOOST_REQUIRE(mails.size() == 1u);
  BOOST_TEST(mails[0].text.find(paid.tickets[0].code) != std::string::npos);

  // A repeated callback changes nothing; a replayed PayByCard shows the payment as it is now.
  BOOST_TEST(ValueOrFail(Callback(paying.payment.charge_id, spi::ChargeState::kSucceeded)).id ==
             topup.id);
  const BookingCardPayment replay = ValueOrFail(bookings().PayByCard(buyer, held.id, Card("c1")));
  BOOST_TEST(replay.booking.status == BookingStatus::kConfirmed);
  BOOST_TEST(replay.booking.tickets.size() == 2u);
  BOOST_TEST((replay.payment.state == CardPaymentState::kPaid));
  BOOST_TEST(replay.payment.charge_id == paying.payment.charge_id);
  BOOST_TEST(replay.payment.topup_transfer_id == topup.id);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 1000);
  BOOST_TEST(ValueOrFail(bookings().GetBooking(buyer, held.id)).tickets.size() == 2u);
  RunDueJobs();
  BOOST_TEST(mailer->To("carla@example.com", "your tickets for").size() == 1u);
  // A declined callback for the paid charge is refused: the top-up was posted.
  ExpectError(Callback(paying.payment.charge_id, spi::ChargeState::kDeclined),
              StatusCode::kFailedPrecondition, "transfer_posted");
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_callback_after_the_hold_ttl_but_within_the_card_bound_still_confirms) {
  const Event event = ApprovedEvent(2, kTicketPrice, 2);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 2, "h")));
  const BookingCardPayment paying = ValueOrFail(bookings().PayByCard(ann, held.id, Card("c")));

  clock->Advance(12min);  // past the 10-minute hold, within the 15-minute card bound
  BOOST_TEST(ValueOrFail(bookings().ExpireHolds(100)) == 0);
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kHeld);
  BOOST_TEST(EventNow(event.id).seats_held == 2);
  // Nobody else gets those seats meanwhile.
  ExpectError(bookings().Hold(bob, Request(event, 1, "b")), StatusCode::kFailedPrecondition,
              "sold_out", "seats");

  ValueOrFail(Callback(paying.payment.charge_id, spi::ChargeState::kSucceeded));
  const Booking paid = ValueOrFail(bookings().GetBooking(ann, held.id));
  BOOST_TEST(paid.status == BookingStatus::kConfirmed);
  BOOST_TEST(paid.tickets.size() == 2u);
  BOOST_TEST(EventNow(event.id).seats_sold == 2);
  BOOST_TEST(EventNow(event.id).seats_held == 0);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 1000);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_success_after_the_card_bound_leaves_the_money_in_the_wallet) {
  const Event event = ApprovedEvent(2, kTicketPrice, 2);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 2, "h")));
  const BookingCardPayment paying = ValueOrFail(bookings().PayByCard(ann, held.id, Card("c")));

  clock->Advance(16min);  // past the card bound, before the top-up's own 30-minute expiry
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kExpired);
  BOOST_TEST(ValueOrFail(bookings().ExpireHolds(100)) == 1);
  BOOST_TEST(EventNow(event.id).seats_held == 0);
  const Booking bobs = ValueOrFail(bookings().Hold(bob, Request(event, 2, "b")));

  const Transfer posted =
      ValueOrFail(Callback(paying.payment.charge_id, spi::ChargeState::kSucceeded));
  BOOST_TEST((posted.status == TransferStatus::kPosted));
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kExpired);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 1000);  // refunded to the wallet, never lost
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  BOOST_TEST((Stored(posted.id).payment.state == CardPaymentState::kInWallet));
  BOOST_TEST(EventNow(event.id).seats_held == 2);  // Bob's
  BOOST_TEST(ValueOrFail(bookings().GetBooking(bob, bobs.id)).status == BookingStatus::kHeld);
  // The wallet's history shows the top-up, posted.
  const HistoryPage history =
      ValueOrFail(engine->wallets().History(ann, WalletKind::kUser, HistoryQuery{}));
  BOOST_REQUIRE(history.items.size() == 1u);
  BOOST_TEST(history.items[0].transfer.id == posted.id);
  BOOST_TEST(history.items[0].amount == 1000);
  // A repeated callback is harmless.
  ValueOrFail(Callback(paying.payment.charge_id, spi::ChargeState::kSucceeded));
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 1000);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_success_after_the_buyer_released_the_hold_stays_in_the_wallet) {
  const Event event = ApprovedEvent(2, kTicketPrice, 2);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 2, "h")));
  const BookingCardPayment paying = ValueOrFail(bookings().PayByCard(ann, held.id, Card("c")));
  BOOST_TEST(ValueOrFail(bookings().Cancel(ann, held.id)).status == BookingStatus::kCancelled);
  BOOST_TEST(EventNow(event.id).seats_held == 0);

  ValueOrFail(Callback(paying.payment.charge_id, spi::ChargeState::kSucceeded));
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kCancelled);
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 1000);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  BOOST_TEST(EventNow(event.id).seats_sold == 0);
  BOOST_TEST(
      (Stored(paying.payment.topup_transfer_id).payment.state == CardPaymentState::kInWallet));
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_declined_callback_gives_the_hold_back_its_own_expiry) {
  const Event event = ApprovedEvent(2, kTicketPrice, 2);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 2, "h")));
  const BookingCardPayment paying = ValueOrFail(bookings().PayByCard(ann, held.id, Card("c")));
  clock->Advance(2min);

  const Transfer voided =
      ValueOrFail(Callback(paying.payment.charge_id, spi::ChargeState::kDeclined));
  BOOST_TEST((voided.status == TransferStatus::kVoided));
  BOOST_TEST((voided.void_cause == VoidCause::kCardDeclined));
  const Booking after = ValueOrFail(bookings().GetBooking(ann, held.id));
  BOOST_TEST(after.status == BookingStatus::kHeld);
  BOOST_TEST((after.hold_expires_at == held.hold_expires_at));
  BOOST_TEST((Stored(voided.id).payment.state == CardPaymentState::kDeclined));
  BOOST_TEST(WalletBalance(ann.user_id).pending_credits == 0);
  // A success announced after the decline is refused; the buyer may retry with the wallet.
  ExpectError(Callback(paying.payment.charge_id, spi::ChargeState::kSucceeded),
              StatusCode::kFailedPrecondition, "transfer_voided");
  Fund(ann.user_id, 1000);
  BOOST_TEST(ValueOrFail(bookings().Pay(ann, held.id)).status == BookingStatus::kConfirmed);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_decline_after_the_hold_s_own_expiry_releases_its_seats_at_once) {
  const Event event = ApprovedEvent(2, kTicketPrice, 2);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 2, "h")));
  const BookingCardPayment paying = ValueOrFail(bookings().PayByCard(ann, held.id, Card("c")));
  clock->Advance(11min);
  ValueOrFail(Callback(paying.payment.charge_id, spi::ChargeState::kDeclined));
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kExpired);
  BOOST_TEST(EventNow(event.id).seats_held == 0);
  BOOST_TEST(ValueOrFail(bookings().Hold(bob, Request(event, 2, "b"))).seats == 2);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_card_refused_at_once_keeps_the_hold_and_a_retry_repeats_the_answer) {
  const Event event = ApprovedEvent(2, kTicketPrice, 2);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 1, "h")));
  ExpectError(bookings().PayByCard(ann, held.id, Card("d", "tok_sandbox_decline")),
              StatusCode::kFailedPrecondition, "card_declined", "card_token");
  const Booking after = ValueOrFail(bookings().GetBooking(ann, held.id));
  BOOST_TEST(after.status == BookingStatus::kHeld);
  BOOST_TEST((after.hold_expires_at == held.hold_expires_at));
  ExpectError(bookings().PayByCard(ann, held.id, Card("d", "tok_sandbox_decline")),
              StatusCode::kFailedPrecondition, "card_declined", "card_token");
  // The same key with another card is another request.
  ExpectError(bookings().PayByCard(ann, held.id, Card("d")), StatusCode::kAlreadyExists,
              "idempotency_key_reused");
  // The voided top-up shows in the wallet's history.
  const HistoryPage history =
      ValueOrFail(engine->wallets().History(ann, WalletKind::kUser, HistoryQuery{}));
  BOOST_REQUIRE(history.items.size() == 1u);
  BOOST_TEST((history.items[0].transfer.void_cause == VoidCause::kCardDeclined));
  // Another card may pay it.
  const BookingCardPayment paying = ValueOrFail(bookings().PayByCard(ann, held.id, Card("e")));
  ValueOrFail(Callback(paying.payment.charge_id, spi::ChargeState::kSucceeded));
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kConfirmed);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(one_card_payment_in_flight_at_a_time_and_replays_answer_the_same) {
  const Event event = ApprovedEvent(2, kTicketPrice, 2);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 1, "h")));
  const BookingCardPayment first = ValueOrFail(bookings().PayByCard(ann, held.id, Card("c")));
  const BookingCardPayment again = ValueOrFail(bookings().PayByCard(ann, held.id, Card("c")));
  BOOST_TEST(again.payment.topup_transfer_id == first.payment.topup_transfer_id);
  BOOST_TEST(again.payment.charge_id == first.payment.charge_id);
  BOOST_TEST((again.payment.state == CardPaymentState::kPending));
  ExpectError(bookings().PayByCard(ann, held.id, Card("other")), StatusCode::kFailedPrecondition,
              "payment_in_flight");
  BOOST_TEST(WalletBalance(ann.user_id).pending_credits == 500);
  // The wallet may still pay the hold; the card's money then stays in the wallet.
  Fund(ann.user_id, 500);
  BOOST_TEST(ValueOrFail(bookings().Pay(ann, held.id)).status == BookingStatus::kConfirmed);
  ValueOrFail(Callback(first.payment.charge_id, spi::ChargeState::kSucceeded));
  BOOST_TEST(Posted(WalletOf(ann.user_id)) == 500);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 500);
  BOOST_TEST(
      (Stored(first.payment.topup_transfer_id).payment.state == CardPaymentState::kInWallet));
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(forged_and_foreign_callbacks_change_nothing) {
  const Event event = ApprovedEvent(2, kTicketPrice, 2);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 1, "h")));
  const BookingCardPayment paying = ValueOrFail(bookings().PayByCard(ann, held.id, Card("c")));
  const auto signed_callback =
      ValueOrFail(gateway->SignCallback(paying.payment.charge_id, spi::ChargeState::kSucceeded));
  std::string tampered = signed_callback.second;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  ExpectError(engine->wallets().HandleGatewayCallback(signed_callback.first, tampered),
              StatusCode::kUnauthenticated, "invalid_signature");
  // Signed with another secret: what a forger would send.
  const std::string forged =
      spi::SignSandboxPayload("not-the-secret", signed_callback.first, clock->Now());
  ExpectError(engine->wallets().HandleGatewayCallback(signed_callback.first, forged),
              StatusCode::kUnauthenticated, "invalid_signature");
  const Booking after = ValueOrFail(bookings().GetBooking(ann, held.id));
  BOOST_TEST(after.status == BookingStatus::kHeld);
  BOOST_TEST(WalletBalance(ann.user_id).pending_credits == 500);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(bad_cards_missing_gateways_and_bookings_that_cannot_be_paid) {
  const Event event = ApprovedEvent(4);
  const Booking held = ValueOrFail(bookings().Hold(ann, Request(event, 1, "h")));
  ExpectError(bookings().PayByCard(ann, held.id, Card("k", "")), StatusCode::kInvalidArgument,
              "invalid_card_token", "card_token");
  ExpectError(bookings().PayByCard(ann, held.id, Card("", kSuccess)), StatusCode::kInvalidArgument,
              "invalid_idempotency_key", "idempotency_key");
  ExpectError(bookings().PayByCard(bob, held.id, Card("k")), StatusCode::kNotFound,
              "booking_not_found");
  ExpectError(bookings().PayByCard(ann, "no-such-booking", Card("k")), StatusCode::kNotFound,
              "booking_not_found");
  // The gateway refuses the token: the attempt is declined, the hold kept.
  ExpectError(bookings().PayByCard(ann, held.id, Card("k", "tok_unknown")),
              StatusCode::kInvalidArgument, "invalid_card_token", "card_token");
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kHeld);
  // No answer from the gateway: the payment stays in flight until its callback or its bound.
  ExpectError(bookings().PayByCard(ann, held.id, Card("e", "tok_sandbox_error")),
              StatusCode::kUnavailable, "gateway_unavailable");
  ExpectError(bookings().PayByCard(ann, held.id, Card("f")), StatusCode::kFailedPrecondition,
              "payment_in_flight");
  clock->Advance(15min);
  BOOST_TEST(ValueOrFail(bookings().GetBooking(ann, held.id)).status == BookingStatus::kExpired);
  ExpectError(bookings().PayByCard(ann, held.id, Card("g")), StatusCode::kFailedPrecondition,
              "hold_expired");

  const Booking cancelled = ValueOrFail(bookings().Hold(ann, Request(event, 1, "h2")));
  ValueOrFail(bookings().Cancel(ann, cancelled.id));
  ExpectError(bookings().PayByCard(ann, cancelled.id, Card("k")), StatusCode::kFailedPrecondition,
              "booking_cancelled");
  const Event free_event = ApprovedEvent(4, 0, 4, "Free talk");
  const Booking free_hold = ValueOrFail(bookings().Hold(ann, Request(free_event, 1, "h3")));
  ExpectError(bookings().PayByCard(ann, free_hold.id, Card("k")), StatusCode::kFailedPrecondition,
              "nothing_to_charge");
  ExpectCleanAudit();
}

// Buyers race for few seats, paying by card while others book from their wallets, their callbacks
// delivered (some declined, some twice) as holds are swept. Boost.Test is not thread-safe: the
// threads count, the main thread checks.
BOOST_AUTO_TEST_CASE(card_payments_racing_wallet_buyers_never_oversell) {
  constexpr int kCapacity = 8;
  constexpr int kBuyers = 24;
  const Event event = ApprovedEvent(kCapacity, kTicketPrice, 2);
  std::vector<Principal> buyers;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.push_back(Principal{"racer-" + std::to_string(i), Role::kAttendee, "s"});
    if (i % 3 == 0) Fund(buyers.back().user_id, 2 * kTicketPrice);
  }
  // One card buyer holds before the race so that at least one card payment is settled whatever
  // the threads' timing: the wallet buyers alone ask for twice the capacity.
  constexpr int kEarlyCardBuyer = 2;
  const Booking early_hold =
      ValueOrFail(bookings().Hold(buyers[kEarlyCardBuyer], Request(event, 1, "hold")));
  std::atomic<bool> stop{false};
  std::atomic<int> oversold{0}, unexpected{0}, card_paid{0};
  std::thread observer([&] {
    while (!stop.load()) {
      auto now = events().GetEvent(nullptr, event.id);
      if (now.ok() && now->seats_sold + now->seats_held > now->capacity) ++oversold;
      if (!bookings().ExpireHolds(10).ok()) ++unexpected;
    }
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < kBuyers; ++i) {
    threads.emplace_back([&, i] {
      const Principal& buyer = buyers[i];
      if (i % 3 == 0) {  // from the wallet, in one step
        auto bought = bookings().BookAndPay(buyer, Request(event, 2, "buy"));
        if (!bought.ok() && bought.status().reason() != "sold_out") ++unexpected;
        return;
      }
      auto held = i == kEarlyCardBuyer ? Result<Booking>(early_hold)
                                        : bookings().Hold(buyer, Request(event, 1, "hold"));
      if (!held.ok()) {
        if (held.status().reason() != "sold_out") ++unexpected;
        return;
      }
      auto paying = bookings().PayByCard(buyer, held->id, Card("card"));
      if (!paying.ok()) {
        ++unexpected;
        return;
      }
      const bool decline = i % 4 == 1;
      const auto state = decline ? spi::ChargeState::kDeclined : spi::ChargeState::kSucceeded;
      for (int delivery = 0; delivery < 2; ++delivery) {
        if (!Callback(paying->payment.charge_id, state).ok()) ++unexpected;
      }
      auto after = bookings().GetBooking(buyer, held->id);
      if (!after.ok()) {
        ++unexpected;
      } else if (decline != (after->status == BookingStatus::kHeld)) {
        ++unexpected;
      } else if (!decline) {
        if (after->status != BookingStatus::kConfirmed || after->tickets.size() != 1u) {
          ++unexpected;
        }
        ++card_paid;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  stop = true;
  observer.join();

  BOOST_TEST(oversold.load() == 0);
  BOOST_TEST(unexpected.load() == 0);
  const Event final_event = EventNow(event.id);
  BOOST_TEST(final_event.seats_sold + final_event.seats_held <= kCapacity);
  // The escrow holds exactly what the sold seats cost, whoever paid them and however.
  BOOST_TEST(Posted(EscrowOf(event.id)) == final_event.seats_sold * kTicketPrice);
  BOOST_TEST(card_paid.load() >= 1);  // the early holder's, at least
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()
