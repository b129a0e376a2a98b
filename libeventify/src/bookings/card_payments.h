// CardPayments: paying held bookings by card (Bookings::PayByCard, eventify/card_payments.h) and
// settling the top-ups those payments start when the gateway answers (wallets::ChargeSettler,
// wallets/card_charges.h).
//
// An attempt is a pending top-up of the booking's amount into the buyer's wallet (a credit from
// the gateway clearing account, idempotency key "booking-card:<booking id>:<client key>",
// reference = the booking id) linked to the booking by a spi::CardPaymentRecord, written while the
// event row is locked together with the hold's new expiry: min(now + card_payment_hold, the
// top-up's expiry), never earlier than it was. Every lapsed-hold rule (reads, SeatBatch's expiry,
// the ExpireHolds sweep) therefore keeps the seats held exactly that long, and no longer.
//
// Settling runs ONE transaction: the event row locked first (as every booking write), then the
// top-up posted or voided (ledger/pending_transfers.h), then, for a success on a hold that can
// still be paid, the booking paid from the wallet by the bookings applier itself (a kPay
// operation applied in this transaction: the payment, the confirmation, the tickets, the seat
// counters and the confirmation mail), all committed together. A success that finds the hold
// lapsed, released, paid otherwise or no longer payable leaves the money in the wallet
// ("in_wallet"). A decline voids the top-up and gives the hold the expiry it had before the
// attempt (releasing its seats at once when that has passed). A settled attempt settles again as
// a no-op: a repeated callback is harmless.
//
// Thread-safety: every member function may be called concurrently from any number of threads.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "bookings/booking_applier.h"
#include "bookings/booking_mail.h"
#include "bookings/seat_batch.h"
#include "eventify/bookings.h"
#include "eventify/ledger.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/storage.h"
#include "ledger/transfer_batch.h"
#include "wallets/card_charges.h"

namespace eventify::bookings {

struct CardPaymentsDependencies {
  std::shared_ptr<spi::Storage> storage;
  ledger::TransferClock* clock = nullptr;         // borrowed: the engine's
  Ledger* ledger = nullptr;                       // borrowed: the engine's
  std::shared_ptr<wallets::CardCharges> charges;  // the engine's, shared with the wallets
  BookingApplier* applier = nullptr;              // borrowed: the bookings service's
  const BookingMail* mail = nullptr;              // borrowed: the bookings service's
  Duration card_payment_hold{};                   // BookingsOptions::card_payment_hold
  Duration topup_timeout{};                       // WalletsOptions::topup_timeout
};

class CardPayments final : public wallets::ChargeSettler {
 public:
  // Everything borrowed must outlive this object.
  explicit CardPayments(CardPaymentsDependencies deps) : deps_(std::move(deps)) {}

  // Bookings::PayByCard once the client key was checked. The booking comes without its tickets.
  Result<BookingCardPayment> Pay(const Principal& buyer, std::string_view booking_id,
                                 const CardPaymentRequest& request);

  Result<std::optional<Transfer>> Settle(const Transfer& topup, spi::ChargeState state,
                                         VoidCause decline_cause) override;

 private:
  // The pending top-up the attempt charges (the ledger replays it for a retried key).
  Result<Transfer> CreateTopUp(const Booking& booking, const CardPaymentRequest& request);
  // Links a new top-up to its booking and extends the hold, under the event's lock; the outcome
  // says why the booking cannot be paid by card (the top-up is then voided by the caller).
  Status Link(const Booking& booking, const Transfer& topup, const std::string& client_key,
              Status& outcome);
  // Pays the held `booking` from its buyer's wallet inside `tx` through the bookings applier;
  // kPaid when it did, kInWallet when the hold could not be paid any more.
  Result<CardPaymentState> PayFromWallet(spi::Transaction& tx, storage::BatchContext& context,
                                         const spi::BookingRecord& booking, Timestamp now);
  // A declined attempt gives the hold of `booking` the expiry it had before `payment`, and
  // releases its seats when that has passed.
  Status GiveBackHold(spi::BookingStore& store, SeatBatch& seats, spi::BookingRecord& booking,
                      const spi::CardPaymentRecord& payment, Timestamp now);
  // The booking and the attempt of `topup_transfer_id` as they are now.
  Result<BookingCardPayment> Read(const std::string& booking_id,
                                  const std::string& topup_transfer_id);

  CardPaymentsDependencies deps_;
};

}  // namespace eventify::bookings
