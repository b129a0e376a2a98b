#include "bookings/card_payments.h"

#include <algorithm>
#include <utility>

#include "bookings/seat_batch.h"
#include "core/enum_names.h"
#include "core/status_macros.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/wallet_repository.h"
#include "ledger/pending_transfers.h"

namespace eventify {
namespace {

constexpr EnumNames<CardPaymentState, 4> kCardPaymentStates{{
    {CardPaymentState::kPending, "pending"},
    {CardPaymentState::kPaid, "paid"},
    {CardPaymentState::kInWallet, "in_wallet"},
    {CardPaymentState::kDeclined, "declined"},
}};

}  // namespace

std::string_view CardPaymentStateName(CardPaymentState state) {
  return NameIn(kCardPaymentStates, state);
}

Result<CardPaymentState> ParseCardPaymentState(std::string_view name) {
  return ParseIn(kCardPaymentStates, name, "invalid_state",
                 "state must be pending, paid, in_wallet or declined", "state");
}

namespace bookings {
namespace {

using spi::BookingStore;
using spi::CardPaymentRecord;
using spi::Transaction;
using spi::TransactionMode;

Status BookingNotFound() { return NotFound("booking_not_found", "there is no such booking"); }

// Why a booking that is no live hold cannot be paid.
Status NotPayable(BookingStatus status) {
  if (status == BookingStatus::kCancelled) {
    return FailedPrecondition("booking_cancelled", "this booking was cancelled");
  }
  return FailedPrecondition("hold_expired", "the hold has expired; book again");
}

Status PaymentInFlight() {
  return FailedPrecondition("payment_in_flight",
                            "a card payment of this booking is waiting for the gateway");
}

const CardPaymentRecord* PendingOf(const std::vector<CardPaymentRecord>& payments) {
  for (const CardPaymentRecord& payment : payments) {
    if (payment.payment.state == CardPaymentState::kPending) return &payment;
  }
  return nullptr;
}

bool HasPayment(const std::vector<CardPaymentRecord>& payments, const std::string& topup_id) {
  return std::any_of(payments.begin(), payments.end(), [&](const CardPaymentRecord& payment) {
    return payment.payment.topup_transfer_id == topup_id;
  });
}

// Whether a new attempt may be linked to `booking`, found under its event's lock.
Status CheckLinkable(const Booking& booking, const spi::EventSeats& event,
                     const std::vector<CardPaymentRecord>& payments, Timestamp now) {
  const BookingStatus status = EffectiveStatus(booking, now);
  if (status == BookingStatus::kConfirmed) {
    return FailedPrecondition("booking_confirmed", "this booking is paid already");
  }
  if (status != BookingStatus::kHeld) return NotPayable(status);
  EV_RETURN_IF_ERROR(CheckSells(event, now));
  if (PendingOf(payments) != nullptr) return PaymentInFlight();
  return Status::Ok();
}

// Reads the one booking `id` in `store`. Errors: kInternal when it does not exist (a card payment
// names it).
Result<spi::BookingRecord> BookingOf(BookingStore& store, const std::string& id) {
  EV_ASSIGN_OR_RETURN(auto found, store.FindBookings(std::span(&id, 1)));
  if (found.empty()) return Internal("a card payment names a booking that does not exist");
  return std::move(found.front());
}

}  // namespace

Result<BookingCardPayment> CardPayments::Pay(const Principal& buyer, std::string_view booking_id,
                                             const CardPaymentRequest& request) {
  EV_RETURN_IF_ERROR(deps_.charges->CheckCardToken(request.card_token));
  const std::string id(booking_id);
  Booking booking;
  std::vector<CardPaymentRecord> payments;
  EV_RETURN_IF_ERROR(deps_.storage->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
    auto* store = tx.store<BookingStore>();
    EV_ASSIGN_OR_RETURN(auto found, store->FindBookings(std::span(&id, 1)));
    if (found.empty() || found.front().booking.user_id != buyer.user_id) return BookingNotFound();
    booking = std::move(found.front().booking);
    EV_ASSIGN_OR_RETURN(payments, store->ListCardPayments(id));
    // A paid booking is answered with its latest card payment, whose charge id the wallets area
    // keeps (spi/booking_store.h); none when the charge was never started.
    if (booking.status == BookingStatus::kConfirmed && !payments.empty()) {
      CardPayment& latest = payments.back().payment;
      auto charge =
          tx.wallets().FindTopUpCharge(latest.topup_transfer_id, spi::LockMode::kNone);
      if (charge.ok()) {
        latest.charge_id = charge->charge_id;
      } else if (charge.status().reason() != "topup_charge_not_found") {
        return charge.status();
      }
    }
    return Status::Ok();
  }));
  booking.status = EffectiveStatus(booking, deps_.clock->Now());
  if (booking.status == BookingStatus::kConfirmed) {  // paid already: nothing to charge
    BookingCardPayment answer{booking, {}};
    answer.payment.booking_id = booking.id;
    if (!payments.empty()) answer.payment = payments.back().payment;
    return answer;
  }
  if (booking.amount.minor_units == 0) {
    return FailedPrecondition("nothing_to_charge", "a free booking is confirmed by paying it");
  }
  const CardPaymentRecord* pending = PendingOf(payments);
  const bool replay = pending != nullptr && pending->client_key == request.idempotency_key;
  if (!replay) {
    if (booking.status != BookingStatus::kHeld) return NotPayable(booking.status);
    if (pending != nullptr) return PaymentInFlight();
  }
  EV_ASSIGN_OR_RETURN(const Transfer topup, CreateTopUp(booking, request));
  if (!HasPayment(payments, topup.id)) {
    // An attempt refused before its charge voided its top-up with the refusal's reason as note:
    // a retry repeats that answer.
    if (topup.status != TransferStatus::kPending) {
      return FailedPrecondition(topup.void_note.empty() ? "hold_expired" : topup.void_note,
                                "this card payment was refused before the card was charged");
    }
    Status refused;
    EV_RETURN_IF_ERROR(Link(booking, topup, request.idempotency_key, refused));
    if (!refused.ok()) {
      EV_RETURN_IF_ERROR(
          deps_.ledger->VoidPending(topup.id, VoidCause::kVoided, refused.reason()).status());
      return refused;
    }
  }
  EV_ASSIGN_OR_RETURN(const TopUp charged, deps_.charges->Charge(topup, request.card_token));
  EV_ASSIGN_OR_RETURN(BookingCardPayment answer, Read(booking.id, topup.id));
  answer.payment.charge_id = charged.charge_id;
  return answer;
}

Result<Transfer> CardPayments::CreateTopUp(const Booking& booking,
                                           const CardPaymentRequest& request) {
  TransferRequest hold;
  hold.idempotency_key = "booking-card:" + booking.id + ":" + request.idempotency_key;
  hold.kind = TransferKind::kCredit;
  hold.from = AccountRef{AccountKind::kGatewayClearing, "", booking.amount.currency};
  hold.to = AccountRef{AccountKind::kUserWallet, booking.user_id, booking.amount.currency};
  hold.amount = booking.amount;
  hold.pending = true;
  hold.pending_timeout = deps_.topup_timeout;
  hold.reference = booking.id;
  hold.fingerprint = wallets::CardCharges::CardFingerprint(request.card_token);
  return deps_.ledger->CreateTransfer(hold);
}

Status CardPayments::Link(const Booking& booking, const Transfer& topup,
                          const std::string& client_key, Status& outcome) {
  return deps_.storage->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    storage::BatchContext context;
    const Timestamp now = deps_.clock->Now();
    SeatBatch& seats = SeatBatch::Of(context, tx, now);
    EV_RETURN_IF_ERROR(seats.Load(std::span(&booking.event_id, 1)));
    const spi::EventSeats* event = seats.Find(booking.event_id);
    if (event == nullptr) return Internal("a booking names an event that does not exist");
    auto* store = tx.store<BookingStore>();
    EV_ASSIGN_OR_RETURN(const spi::BookingRecord current, BookingOf(*store, booking.id));
    EV_ASSIGN_OR_RETURN(const auto payments, store->ListCardPayments(booking.id));
    outcome = Status::Ok();
    if (!HasPayment(payments, topup.id)) {  // else a concurrent call with this key linked it
      outcome = CheckLinkable(current.booking, *event, payments, now);
      if (outcome.ok()) {
        CardPaymentRecord record;
        record.payment.booking_id = booking.id;
        record.payment.topup_transfer_id = topup.id;
        record.payment.state = CardPaymentState::kPending;
        record.payment.created_at = record.payment.updated_at = now;
        record.event_id = booking.event_id;
        record.user_id = booking.user_id;
        record.client_key = client_key;
        record.hold_expires_before = current.booking.hold_expires_at;
        EV_RETURN_IF_ERROR(store->InsertCardPayment(record));
        const Timestamp bound = std::min(now + deps_.card_payment_hold,
                                         topup.expires_at.value_or(now + deps_.card_payment_hold));
        EV_RETURN_IF_ERROR(store->SetHoldExpiry(
            booking.id, std::max(current.booking.hold_expires_at, bound), now));
      }
    }
    return context.Finish(tx);
  });
}

Result<BookingCardPayment> CardPayments::Read(const std::string& booking_id,
                                              const std::string& topup_transfer_id) {
  BookingCardPayment answer;
  EV_RETURN_IF_ERROR(deps_.storage->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
    auto* store = tx.store<BookingStore>();
    EV_ASSIGN_OR_RETURN(spi::BookingRecord booking, BookingOf(*store, booking_id));
    EV_ASSIGN_OR_RETURN(CardPaymentRecord payment, store->FindCardPayment(topup_transfer_id));
    answer.booking = std::move(booking.booking);
    answer.payment = std::move(payment.payment);
    return Status::Ok();
  }));
  answer.booking.status = EffectiveStatus(answer.booking, deps_.clock->Now());
  return answer;
}

Result<std::optional<Transfer>> CardPayments::Settle(const Transfer& topup, spi::ChargeState state,
                                                     VoidCause decline_cause) {
  CardPaymentRecord link;
  const Status found = deps_.storage->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
    EV_ASSIGN_OR_RETURN(link, tx.store<BookingStore>()->FindCardPayment(topup.id));
    return Status::Ok();
  });
  if (found.reason() == "card_payment_not_found") return std::optional<Transfer>();  // a top-up
  EV_RETURN_IF_ERROR(found);

  const bool success = state == spi::ChargeState::kSucceeded;
  ledger::Resolution resolution;
  EV_RETURN_IF_ERROR(deps_.storage->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
    // The event first, as every booking write; then the money.
    storage::BatchContext context;
    const Timestamp now = deps_.clock->Now();
    SeatBatch& seats = SeatBatch::Of(context, tx, now);
    EV_RETURN_IF_ERROR(seats.Load(std::span(&link.event_id, 1)));
    auto* store = tx.store<BookingStore>();
    EV_ASSIGN_OR_RETURN(CardPaymentRecord current, store->FindCardPayment(topup.id));
    EV_ASSIGN_OR_RETURN(resolution, ledger::ResolvePending(
                                        tx.ledger(), topup.id,
                                        success ? TransferStatus::kPosted : TransferStatus::kVoided,
                                        decline_cause, "", now));
    // A settled attempt (a repeated callback) or a top-up that cannot be settled this way
    // changes nothing more.
    if (!resolution.outcome.ok() || current.payment.state != CardPaymentState::kPending) {
      return context.Finish(tx);
    }
    EV_ASSIGN_OR_RETURN(spi::BookingRecord booking, BookingOf(*store, link.payment.booking_id));
    if (success) {
      EV_ASSIGN_OR_RETURN(current.payment.state, PayFromWallet(tx, context, booking, now));
    } else {
      current.payment.state = CardPaymentState::kDeclined;
      EV_RETURN_IF_ERROR(GiveBackHold(*store, seats, booking, current, now));
    }
    current.payment.updated_at = now;
    EV_RETURN_IF_ERROR(store->UpdateCardPayment(current));
    return context.Finish(tx);
  }));
  deps_.mail->NotifyCommitted();  // the confirmation's mail, if the payment wrote one
  if (!resolution.outcome.ok()) return resolution.outcome;
  return std::optional<Transfer>(std::move(resolution.transfer));
}

Result<CardPaymentState> CardPayments::PayFromWallet(Transaction& tx,
                                                     storage::BatchContext& context,
                                                     const spi::BookingRecord& booking,
                                                     Timestamp now) {
  // Paid otherwise meanwhile (from the wallet), released, or lapsed: the money stays put.
  if (EffectiveStatus(booking.booking, now) != BookingStatus::kHeld) {
    return CardPaymentState::kInWallet;
  }
  BookingOperation pay;
  pay.kind = BookingOperation::Kind::kPay;
  pay.buyer = Principal{booking.booking.user_id, Role::kAttendee, ""};
  pay.booking_id = booking.booking.id;
  storage::BatchOperation* operations[] = {&pay};
  EV_RETURN_IF_ERROR(deps_.applier->ApplyBatch(tx, context, operations));
  // A refused payment (the event went on hold, started, or was cancelled meanwhile) leaves the
  // money in the wallet.
  return pay.outcome.ok() ? CardPaymentState::kPaid : CardPaymentState::kInWallet;
}

Status CardPayments::GiveBackHold(BookingStore& store, SeatBatch& seats,
                                  spi::BookingRecord& booking, const CardPaymentRecord& payment,
                                  Timestamp now) {
  Booking& held = booking.booking;
  if (held.status != BookingStatus::kHeld) return Status::Ok();  // released or expired already
  const Timestamp restored = std::min(held.hold_expires_at, payment.hold_expires_before);
  EV_RETURN_IF_ERROR(store.SetHoldExpiry(held.id, restored, now));
  if (restored > now) return Status::Ok();
  // The hold's own time is over: it expires now and its seats go back on sale.
  spi::EventSeats* event = seats.Find(held.event_id);
  if (event == nullptr) return Internal("a booking names an event that does not exist");
  seats.ReleaseHeld(*event, held.seats);
  held.status = BookingStatus::kExpired;
  held.updated_at = now;
  return store.UpdateBookings(std::span(&booking, 1));
}

}  // namespace bookings
}  // namespace eventify
