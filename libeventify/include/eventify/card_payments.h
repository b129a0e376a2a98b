// Card payments of held bookings (Bookings::PayByCard, eventify/bookings.h): the values that
// describe one. A card payment charges the buyer's card, through the engine's payment gateway
// (spi/payment_gateway.h), for a top-up of exactly the booking's amount into the buyer's own
// wallet; the gateway's signed callback posts that top-up and, in the same commit, pays the hold
// from the wallet. The hold keeps its seats while the charge is in flight, up to a bound
// (BookingsOptions::card_payment_hold); a charge confirmed once the hold can no longer be paid
// stays in the buyer's wallet. docs/bookings.md, "Paying by card", tells the whole story.
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <string_view>

#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

// Stored by name (CardPaymentStateName): "pending", "paid", "in_wallet", "declined".
//   pending --success callback, hold live--> paid (the booking is confirmed)
//   pending --success callback, hold lapsed, released or no longer payable--> in_wallet
//   pending --declined (at once or by callback), or the card token refused--> declined
enum class CardPaymentState : int { kPending, kPaid, kInWallet, kDeclined };
EVENTIFY_EXPORT std::string_view CardPaymentStateName(CardPaymentState state);
// Errors: kInvalidArgument (invalid_state, field "state").
EVENTIFY_EXPORT Result<CardPaymentState> ParseCardPaymentState(std::string_view name);

struct CardPaymentRequest {
  std::string card_token;  // opaque token of the gateway's client-side form, 1-200 printable ASCII
  // The client's key for this payment attempt: 1-200 printable ASCII characters, per booking.
  std::string idempotency_key;
};

// One attempt to pay a booking by card.
struct CardPayment {
  std::string booking_id;
  // The pending top-up of the buyer's wallet that the card pays (its reference at the gateway);
  // it shows in the wallet's history: posted once the gateway confirms, voided when declined.
  std::string topup_transfer_id;
  std::string charge_id;  // the gateway's id of the charge; empty while not known
  CardPaymentState state = CardPaymentState::kPending;
  Timestamp created_at;
  Timestamp updated_at;
};

}  // namespace eventify
