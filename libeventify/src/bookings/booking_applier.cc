#include "bookings/booking_applier.h"

#include <algorithm>
#include <unordered_map>
#include <string_view>
#include <unordered_set>

#include "bookings/booking_rules.h"
#include "bookings/coupon_batch.h"
#include "bookings/seat_batch.h"
#include "core/status_macros.h"
#include "eventify/events.h"
#include "eventify/spi/booking_store.h"

namespace eventify::bookings {
namespace {

using Kind = BookingOperation::Kind;

BookingOperation& Op(storage::BatchOperation* base) { return *static_cast<BookingOperation*>(base); }

Status BookingNotFound() { return NotFound("booking_not_found", "there is no such booking"); }

// A new booking's key within a batch: its buyer and request key (unique together, as in the
// store), joined by a byte neither contains.
std::string BuyerKey(std::string_view user_id, std::string_view request_key) {
  std::string key(user_id);
  key += '\0';
  key += request_key;
  return key;
}

AccountRef WalletOf(const Booking& booking) {
  return AccountRef{AccountKind::kUserWallet, booking.user_id, booking.amount.currency};
}
AccountRef EscrowOf(const Booking& booking) {
  return AccountRef{AccountKind::kEscrow, booking.event_id, booking.amount.currency};
}

// The booking's payment (wallet -> escrow) or its refund (escrow -> wallet).
Result<ledger::PreparedTransfer> TransferFor(const Booking& booking, bool refund) {
  TransferRequest request;
  request.idempotency_key = (refund ? "booking-refund:" : "booking:") + booking.id;
  request.kind = refund ? TransferKind::kRefund : TransferKind::kDebit;
  request.from = refund ? EscrowOf(booking) : WalletOf(booking);
  request.to = refund ? WalletOf(booking) : EscrowOf(booking);
  request.amount = booking.amount;
  request.reference = booking.id;
  return ledger::PrepareTransfer(std::move(request));
}

// Everything one run of ApplyBatch reads and writes, besides the parts of the context.
class BatchRun {
 public:
  BatchRun(spi::Transaction& tx, storage::BatchContext& context, ledger::TransferClock& clock,
           Duration hold_ttl, const BookingMail& mail, const WaitlistOffers& waitlist)
      : tx_(tx),
        context_(context),
        clock_(clock),
        mail_(mail),
        store_(*tx.store<spi::BookingStore>()),
        hold_ttl_(hold_ttl),
        now_(clock.Now()),
        seats_(SeatBatch::Of(context, tx, now_)) {
    seats_.ServeWaitersWith(WaitlistBatch::Of(context, tx, now_, waitlist));
  }

  Status Run(std::span<storage::BatchOperation* const> operations) {
    EV_RETURN_IF_ERROR(LoadEvents(operations));
    EV_RETURN_IF_ERROR(LoadBookings(operations));
    EV_RETURN_IF_ERROR(LoadCoupons(operations));
    EV_RETURN_IF_ERROR(LoadPayments(operations));
    for (storage::BatchOperation* base : operations) {
      BookingOperation& op = Op(base);
      switch (op.kind) {
        case Kind::kHold:
        case Kind::kBookAndPay:
          EV_RETURN_IF_ERROR(ApplyNew(op));
          break;
        case Kind::kPay:
          EV_RETURN_IF_ERROR(ApplyPay(op));
          break;
        case Kind::kCancel:
          EV_RETURN_IF_ERROR(ApplyCancel(op));
          break;
        case Kind::kRefund:
          EV_RETURN_IF_ERROR(ApplyRefunds(op));
          break;
        case Kind::kExpire:
          op.count = seats_.expired();
          op.outcome = Status::Ok();
          break;
      }
    }
    if (!inserts_.empty()) EV_RETURN_IF_ERROR(store_.InsertBookings(inserts_));
    if (!updates_.empty()) EV_RETURN_IF_ERROR(store_.UpdateBookings(updates_));
    if (!tickets_.empty()) EV_RETURN_IF_ERROR(store_.InsertTickets(tickets_));
    EV_ASSIGN_OR_RETURN(const bool mailed, MailConfirmations());
    if (mailed && !operations.empty()) Op(operations.front()).wrote_mail = true;
    return Status::Ok();
  }

 private:
  // The confirmation mail of each booking confirmed by this batch and still confirmed at its end
  // (a Cancel later in the batch may have cancelled it), the cancellation mail of each
  // confirmed booking its buyer cancelled, and the event's cancellation with the refund to each
  // buyer of a booking refunded because its event was cancelled.
  // Returns whether any mail was written.
  Result<bool> MailConfirmations() {
    std::vector<Booking> confirmed;
    for (const std::string& id : confirmed_ids_) {
      auto found = bookings_.find(id);  // absent when its operation failed after confirming
      if (found != bookings_.end() && found->second.booking.status == BookingStatus::kConfirmed) {
        confirmed.push_back(found->second.booking);
      }
    }
    if (!confirmed.empty()) EV_RETURN_IF_ERROR(mail_.AddConfirmations(tx_, confirmed));
    std::vector<Booking> cancelled;
    for (const std::string& id : refunded_ids_) cancelled.push_back(bookings_.at(id).booking);
    if (!cancelled.empty()) EV_RETURN_IF_ERROR(mail_.AddCancellations(tx_, cancelled));
    std::vector<Booking> refunded;
    for (const std::string& id : event_refunded_ids_) refunded.push_back(bookings_.at(id).booking);
    if (!refunded.empty()) EV_RETURN_IF_ERROR(mail_.AddEventCancellations(tx_, refunded));
    return !confirmed.empty() || !cancelled.empty() || !refunded.empty();
  }

  // Locks every event the batch touches (which expires their lapsed holds).
  Status LoadEvents(std::span<storage::BatchOperation* const> operations) {
    const std::vector<std::string> named = NamedBookings(operations);
    std::vector<std::string> event_ids;
    if (!named.empty()) {
      // Only to learn their events (a booking's event never changes); read again once locked.
      EV_ASSIGN_OR_RETURN(auto unlocked, store_.FindBookings(named));
      for (const auto& record : unlocked) event_ids.push_back(record.booking.event_id);
    }
    for (storage::BatchOperation* base : operations) {
      BookingOperation& op = Op(base);
      if (op.kind == Kind::kHold || op.kind == Kind::kBookAndPay) {
        event_ids.push_back(op.request.event_id);
      } else if (op.kind == Kind::kExpire) {
        event_ids.insert(event_ids.end(), op.event_ids.begin(), op.event_ids.end());
      }
    }
    return seats_.Load(event_ids);
  }

  // The ids of existing bookings the operations name.
  static std::vector<std::string> NamedBookings(
      std::span<storage::BatchOperation* const> operations) {
    std::vector<std::string> ids;
    for (storage::BatchOperation* base : operations) {
      BookingOperation& op = Op(base);
      if (op.kind == Kind::kPay || op.kind == Kind::kCancel) ids.push_back(op.booking_id);
      if (op.kind == Kind::kRefund) {
        ids.insert(ids.end(), op.booking_ids.begin(), op.booking_ids.end());
      }
    }
    return ids;
  }

  // The bookings the operations name, by id or by the idempotency keys of new ones, as of now
  // that their events are locked.
  Status LoadBookings(std::span<storage::BatchOperation* const> operations) {
    const std::vector<std::string> ids = NamedBookings(operations);
    std::vector<std::pair<std::string, std::string>> keys;
    for (storage::BatchOperation* base : operations) {
      BookingOperation& op = Op(base);
      if (op.kind == Kind::kHold || op.kind == Kind::kBookAndPay) {
        keys.emplace_back(op.buyer.user_id, op.request_key);
      }
    }
    if (!ids.empty()) {
      EV_ASSIGN_OR_RETURN(auto found, store_.FindBookings(ids));
      for (auto& record : found) Remember(std::move(record));
    }
    if (!keys.empty()) {
      EV_ASSIGN_OR_RETURN(auto found, store_.FindBookingsByRequestKey(keys));
      for (auto& record : found) Remember(std::move(record));
    }
    // Bookings an attendee cancels that were admitted at the door already.
    std::vector<std::string> cancelled;
    for (storage::BatchOperation* base : operations) {
      if (Op(base).kind == Kind::kCancel) cancelled.push_back(Op(base).booking_id);
    }
    if (!cancelled.empty()) {
      EV_ASSIGN_OR_RETURN(auto tickets, store_.ListTickets(cancelled));
      for (const Ticket& ticket : tickets) {
        if (ticket.checked_in_at) admitted_.insert(ticket.booking_id);
      }
    }
    return Status::Ok();
  }

  void Remember(spi::BookingRecord record) {
    id_by_key_[BuyerKey(record.booking.user_id, record.request_key)] = record.booking.id;
    std::string id = record.booking.id;
    bookings_.insert_or_assign(std::move(id), std::move(record));
  }

  // Locks the coupons the new bookings name and counts their uses, after the events (the same
  // order in every batch). A batch without coupon codes leaves coupons_ null and reads nothing.
  Status LoadCoupons(std::span<storage::BatchOperation* const> operations) {
    std::vector<std::string> codes, users;
    for (storage::BatchOperation* base : operations) {
      BookingOperation& op = Op(base);
      if (op.request.coupon_code.empty()) continue;
      if (op.kind != Kind::kHold && op.kind != Kind::kBookAndPay) continue;
      codes.push_back(op.request.coupon_code);
      users.push_back(op.buyer.user_id);
    }
    if (codes.empty()) return Status::Ok();
    coupons_ = &CouponBatch::Of(context_, tx_, now_);
    return coupons_->Load(codes, users);
  }

  // Prepares every payment and refund the batch may stage and loads them into the batch's
  // TransferBatch at once. A refund is prepared for a held booking too: a Pay queued before the
  // Cancel in this batch may confirm it.
  Status LoadPayments(std::span<storage::BatchOperation* const> operations) {
    for (storage::BatchOperation* base : operations) {
      BookingOperation& op = Op(base);
      op.transfers.clear();
      switch (op.kind) {
        case Kind::kBookAndPay: {
          const spi::EventSeats* event = seats_.Find(op.request.event_id);
          if (event == nullptr) break;
          if (id_by_key_.count(BuyerKey(op.buyer.user_id, op.request_key))) break;
          if (op.request.seats < 1 || op.request.seats > event->max_tickets_per_booking) break;
          Prepare(op, NewBooking(op, *event), /*refund=*/false);
          break;
        }
        case Kind::kPay:
        case Kind::kCancel:
          if (auto found = bookings_.find(op.booking_id); found != bookings_.end()) {
            const Booking& booking = found->second.booking;
            const bool live = booking.status == BookingStatus::kHeld ||
                              booking.status == BookingStatus::kConfirmed;
            if (live) Prepare(op, booking, /*refund=*/op.kind == Kind::kCancel);
          }
          break;
        case Kind::kRefund:
          for (const std::string& id : op.booking_ids) {
            auto found = bookings_.find(id);
            if (found != bookings_.end()) Prepare(op, found->second.booking, /*refund=*/true);
          }
          break;
        case Kind::kHold:
        case Kind::kExpire:
          break;
      }
    }
    std::vector<const ledger::PreparedTransfer*> all;
    for (storage::BatchOperation* base : operations) {
      for (const ledger::PreparedTransfer& transfer : Op(base).transfers) {
        all.push_back(&transfer);
        prepared_.emplace(transfer.request.idempotency_key, &transfer);
      }
    }
    if (all.empty()) return Status::Ok();
    transfers_ = &ledger::TransferBatch::Of(context_, tx_, clock_);
    return transfers_->Load(all);
  }

  // Adds the booking's payment or refund to `op`'s transfers; a free booking moves no money, and
  // a request the ledger refuses is reported when the operation is applied.
  static void Prepare(BookingOperation& op, const Booking& booking, bool refund) {
    if (booking.amount.minor_units == 0) return;
    auto prepared = TransferFor(booking, refund);
    if (prepared.ok()) op.transfers.push_back(std::move(*prepared));
  }

  Booking NewBooking(const BookingOperation& op, const spi::EventSeats& event) const {
    Booking booking;
    booking.id = op.new_id;
    booking.event_id = event.event_id;
    booking.user_id = op.buyer.user_id;
    booking.idempotency_key = op.request.idempotency_key;
    booking.seats = op.request.seats;
    booking.amount = Money{event.price.minor_units * op.request.seats, event.price.currency};
    booking.discount = Money{0, event.price.currency};
    const Coupon* coupon = coupons_ ? coupons_->Find(op.request.coupon_code) : nullptr;
    if (coupon != nullptr) {
      booking.coupon_code = coupon->code;
      booking.discount.minor_units = CouponDiscount(*coupon, booking.amount.minor_units);
      booking.amount.minor_units -= booking.discount.minor_units;
    }
    booking.status = BookingStatus::kHeld;
    booking.hold_expires_at = now_ + hold_ttl_;
    booking.created_at = booking.updated_at = now_;
    return booking;
  }

  // Stages the booking's payment or refund (none for a free booking). A failure of the transfer
  // alone is the operation's outcome (returned as the Result's status); kInternal fails the
  // batch.
  Result<Transfer> MoveMoney(const Booking& booking, bool refund) {
    if (booking.amount.minor_units == 0) return Transfer{};
    auto request = TransferFor(booking, refund);
    if (!request.ok()) return request.status();
    auto loaded = prepared_.find(request->request.idempotency_key);
    if (loaded == prepared_.end() || transfers_ == nullptr) {
      return Internal("a booking's transfer was not loaded");
    }
    return transfers_->Stage(*loaded->second);
  }

  void Confirm(Booking& booking, const Transfer& payment) {
    booking.status = BookingStatus::kConfirmed;
    booking.payment_transfer_id = payment.id;
    booking.confirmed_at = now_;
    booking.updated_at = now_;
    booking.tickets.clear();
    confirmed_ids_.push_back(booking.id);
    for (std::int32_t seat = 1; seat <= booking.seats; ++seat) {
      Ticket ticket;
      ticket.id = NewId(now_);
      ticket.booking_id = booking.id;
      ticket.event_id = booking.event_id;
      ticket.user_id = booking.user_id;
      ticket.seat = seat;
      ticket.created_at = now_;
      booking.tickets.push_back(ticket);
      tickets_.push_back(std::move(ticket));
    }
  }

  Status ApplyNew(BookingOperation& op) {
    const auto known = id_by_key_.find(BuyerKey(op.buyer.user_id, op.request_key));
    if (known != id_by_key_.end()) {
      const Booking& existing = bookings_.at(known->second).booking;
      if (existing.event_id != op.request.event_id || existing.seats != op.request.seats ||
          existing.coupon_code != op.request.coupon_code) {
        op.outcome = AlreadyExists("idempotency_key_reused",
                                   "this idempotency key was used for another booking",
                                   "idempotency_key");
        return Status::Ok();
      }
      op.result = existing;
      op.result.status = EffectiveStatus(existing, now_);
      op.outcome = Status::Ok();
      return Status::Ok();
    }
    spi::EventSeats* event = seats_.Find(op.request.event_id);
    op.outcome = CheckCanBook(event, op.buyer, op.request.seats);
    if (!op.outcome.ok()) return Status::Ok();
    op.outcome = CheckSells(*event, now_);
    if (!op.outcome.ok()) return Status::Ok();
    const Coupon* coupon = nullptr;
    if (!op.request.coupon_code.empty()) {
      auto applies = coupons_->Check(op.request.coupon_code, event->event_id, op.buyer.user_id,
                                     event->price.minor_units * op.request.seats);
      if (!applies.ok() && applies.status().code() == StatusCode::kInternal) {
        return applies.status();
      }
      op.outcome = applies.status();
      if (!op.outcome.ok()) return Status::Ok();
      coupon = coupons_->Find(op.request.coupon_code);
    }
    if (SeatBatch::Free(*event) < op.request.seats) {
      op.outcome = FailedPrecondition("sold_out", "fewer seats are left than asked for", "seats");
      return Status::Ok();
    }
    Booking booking = NewBooking(op, *event);
    if (op.kind == Kind::kHold) {
      op.outcome = seats_.Hold(*event, booking.seats);
    } else {
      auto paid = MoveMoney(booking, /*refund=*/false);
      if (!paid.ok() && paid.status().code() == StatusCode::kInternal) return paid.status();
      op.outcome = paid.status();
      if (!paid.ok()) return Status::Ok();
      op.outcome = seats_.Sell(*event, booking.seats);  // free seats were checked above
      Confirm(booking, *paid);
    }
    if (!op.outcome.ok()) return Status::Ok();
    spi::BookingRecord record{booking, op.request_key, coupon ? coupon->id : std::string()};
    if (coupon != nullptr) coupons_->Take(*coupon, op.buyer.user_id);
    record.booking.tickets.clear();
    inserts_.push_back(record);
    op.result = booking;
    Remember(std::move(record));
    return Status::Ok();
  }

  // The booking `op` names when it is the caller's; otherwise null, with op's outcome
  // booking_not_found.
  spi::BookingRecord* BuyersBooking(BookingOperation& op) {
    auto found = bookings_.find(op.booking_id);
    if (found == bookings_.end() || found->second.booking.user_id != op.buyer.user_id) {
      op.outcome = BookingNotFound();
      return nullptr;
    }
    return &found->second;
  }

  // Ends `op` with `booking` as it is, or with `error` when it is not OK.
  static Status Answer(BookingOperation& op, const Booking& booking, Status error) {
    op.outcome = std::move(error);
    if (op.outcome.ok()) op.result = booking;
    return Status::Ok();
  }

  Status ApplyPay(BookingOperation& op) {
    spi::BookingRecord* found = BuyersBooking(op);
    if (found == nullptr) return Status::Ok();
    Booking& booking = found->booking;
    switch (EffectiveStatus(booking, now_)) {
      case BookingStatus::kConfirmed:
        return Answer(op, booking, Status::Ok());  // paid already
      case BookingStatus::kCancelled:
        return Answer(op, booking,
                      FailedPrecondition("booking_cancelled", "this booking was cancelled"));
      case BookingStatus::kExpired:
        return Answer(op, booking,
                      FailedPrecondition("hold_expired", "the hold has expired; book again"));
      case BookingStatus::kHeld:
        break;
    }
    spi::EventSeats* event = seats_.Find(booking.event_id);
    if (event == nullptr) return Internal("a booking names an event that does not exist");
    op.outcome = CheckSells(*event, now_);
    if (!op.outcome.ok()) return Status::Ok();
    auto paid = MoveMoney(booking, /*refund=*/false);
    if (!paid.ok() && paid.status().code() == StatusCode::kInternal) return paid.status();
    op.outcome = paid.status();
    if (!paid.ok()) return Status::Ok();
    seats_.Confirm(*event, booking.seats);
    Confirm(booking, *paid);
    op.result = booking;
    spi::BookingRecord update = *found;
    update.booking.tickets.clear();
    updates_.push_back(std::move(update));
    return Status::Ok();
  }

  Status ApplyCancel(BookingOperation& op) {
    spi::BookingRecord* found = BuyersBooking(op);
    if (found == nullptr) return Status::Ok();
    const Booking& booking = found->booking;
    const BookingStatus status = EffectiveStatus(booking, now_);
    if (status == BookingStatus::kCancelled) return Answer(op, booking, Status::Ok());
    if (status == BookingStatus::kExpired) {
      return Answer(op, booking, FailedPrecondition("hold_expired", "the hold has expired already"));
    }
    spi::EventSeats* event = seats_.Find(booking.event_id);
    if (event == nullptr) return Internal("a booking names an event that does not exist");
    if (status == BookingStatus::kConfirmed) {
      op.outcome = CheckCancellable(*event);
      if (!op.outcome.ok()) return Status::Ok();
      if (admitted_.count(booking.id)) {
        op.outcome = FailedPrecondition("ticket_checked_in",
                                        "a ticket of this booking was admitted at the door");
        return Status::Ok();
      }
    }
    EV_RETURN_IF_ERROR(CancelBooking(op, *found, *event));
    if (op.outcome.ok() && status == BookingStatus::kConfirmed) {
      refunded_ids_.push_back(op.booking_id);
    }
    return Status::Ok();
  }

  // An attendee's cancellation of a confirmed booking: the event lets attendees cancel and has not
  // started, or was cancelled itself.
  Status CheckCancellable(const spi::EventSeats& event) const {
    if (event.status == EventStatus::kCancelled) return Status::Ok();
    if (event.status != EventStatus::kApproved) {
      return FailedPrecondition("event_not_bookable", "this event is over");
    }
    if (!event.attendees_may_cancel) {
      return FailedPrecondition("cancellation_not_allowed",
                                "this event does not let attendees cancel");
    }
    if (event.starts_at <= now_) {
      return FailedPrecondition("event_started", "this event has already started");
    }
    return Status::Ok();
  }

  // Releases a held booking or refunds a confirmed one, and returns its seats.
  Status CancelBooking(BookingOperation& op, spi::BookingRecord& record, spi::EventSeats& event) {
    Booking& booking = record.booking;
    if (booking.status == BookingStatus::kConfirmed) {
      auto refunded = MoveMoney(booking, /*refund=*/true);
      if (!refunded.ok() && refunded.status().code() == StatusCode::kInternal) {
        return refunded.status();
      }
      op.outcome = refunded.status();
      if (!refunded.ok()) return Status::Ok();
      booking.refund_transfer_id = refunded->id;
      seats_.ReturnSold(event, booking.seats);
    } else {
      seats_.ReleaseHeld(event, booking.seats);
    }
    if (coupons_ != nullptr && !record.coupon_id.empty()) {
      coupons_->Release(record.coupon_id, booking.user_id);
    }
    booking.status = BookingStatus::kCancelled;
    booking.cancelled_at = now_;
    booking.updated_at = now_;
    op.result = booking;
    op.outcome = Status::Ok();
    spi::BookingRecord update = record;
    update.booking.tickets.clear();
    updates_.push_back(std::move(update));
    return Status::Ok();
  }

  // Refunds the confirmed bookings of cancelled events among op.booking_ids.
  Status ApplyRefunds(BookingOperation& op) {
    op.count = 0;
    op.outcome = Status::Ok();
    for (const std::string& id : op.booking_ids) {
      auto found = bookings_.find(id);
      if (found == bookings_.end() || found->second.booking.status != BookingStatus::kConfirmed) {
        continue;  // refunded or cancelled meanwhile
      }
      spi::EventSeats* event = seats_.Find(found->second.booking.event_id);
      if (event == nullptr || event->status != EventStatus::kCancelled) continue;
      BookingOperation single;
      EV_RETURN_IF_ERROR(CancelBooking(single, found->second, *event));
      if (!single.outcome.ok()) {
        op.outcome = single.outcome;
        return Status::Ok();
      }
      ++op.count;
      event_refunded_ids_.push_back(id);
    }
    return Status::Ok();
  }

  spi::Transaction& tx_;
  storage::BatchContext& context_;
  ledger::TransferClock& clock_;
  const BookingMail& mail_;
  spi::BookingStore& store_;
  const Duration hold_ttl_;
  const Timestamp now_;
  SeatBatch& seats_;
  ledger::TransferBatch* transfers_ = nullptr;
  CouponBatch* coupons_ = nullptr;  // when a new booking of the batch names a coupon
  // Every transfer loaded, by idempotency key (owned by the operations).
  std::unordered_map<std::string, const ledger::PreparedTransfer*> prepared_;
  std::unordered_map<std::string, spi::BookingRecord> bookings_;  // by id, as changed so far
  std::unordered_map<std::string, std::string> id_by_key_;  // BuyerKey -> booking id
  std::unordered_set<std::string> admitted_;  // bookings cancelled in this batch with an admission
  std::vector<spi::BookingRecord> inserts_;
  std::vector<spi::BookingRecord> updates_;
  std::vector<Ticket> tickets_;
  std::vector<std::string> confirmed_ids_;  // bookings confirmed by this batch, in order
  std::vector<std::string> refunded_ids_;   // confirmed bookings their buyers cancelled
  std::vector<std::string> event_refunded_ids_;  // refunded because their event was cancelled
};

}  // namespace

BookingStatus EffectiveStatus(const Booking& booking, Timestamp now) {
  if (booking.status == BookingStatus::kHeld && booking.hold_expires_at <= now) {
    return BookingStatus::kExpired;
  }
  return booking.status;
}

Status BookingApplier::ApplyBatch(spi::Transaction& tx, storage::BatchContext& context,
                                  std::span<storage::BatchOperation* const> operations) {
  BatchRun run(tx, context, clock_, hold_ttl_, mail_, waitlist_);
  return run.Run(operations);
}

void BookingApplier::Committed(std::span<storage::BatchOperation* const> operations) {
  for (storage::BatchOperation* base : operations) {
    if (static_cast<BookingOperation&>(*base).wrote_mail) {
      mail_.NotifyCommitted();  // one wake-up for the batch's mail, however many it holds
      return;
    }
  }
}

bool BookingApplier::HoldsTurnUntilCommitted(
    std::span<storage::BatchOperation* const> operations) const {
  std::unordered_set<std::string_view> events;
  for (storage::BatchOperation* base : operations) {
    const auto& operation = static_cast<const BookingOperation&>(*base);
    if (operation.kind != BookingOperation::Kind::kHold &&
        operation.kind != BookingOperation::Kind::kBookAndPay) {
      continue;
    }
    if (!events.insert(operation.request.event_id).second) return true;
  }
  return false;
}

}  // namespace eventify::bookings
