// BookingApplier: the bookings area's applier of the commit pipeline (storage/commit_pipeline.h).
// It applies holds, payments, one-step purchases, cancellations, refunds and expiry sweeps many
// per commit: the events
// they touch are locked once through the batch's SeatBatch, the payments staged in the batch's
// ledger::TransferBatch, and the bookings and tickets written with one statement per table; the
// pipeline then writes the seat counters and the money in the same commit.
//
// The rules, in the order they are checked for a new booking: a replayed idempotency key; the
// event exists and is public (event_not_found); the permission table (forbidden); the seat count
// (invalid_seats); the event sells (event_not_bookable, event_on_hold, event_started); the
// coupon, when one is named (bookings/coupon_batch.h: coupon_not_found...
// coupon_user_limit_reached); seats are free (sold_out); then, when paying, the money
// (insufficient_funds...).
//
// Each booking the batch confirms (paid or free, by Pay or BookAndPay) gets its confirmation
// mail with its ticket codes through BookingMail, in the batch's transaction; each confirmed
// booking its buyer cancels (Cancel) gets its cancellation mail the same way, and each one
// refunded because its event was cancelled (kRefund) the event's cancellation with the refund.
//
// Thread-safety: ApplyBatch runs on the pipeline's writer threads, one batch at a time per
// thread; the applier keeps no state between batches and may serve several writers at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bookings/booking_mail.h"
#include "bookings/booking_rules.h"
#include "bookings/waitlist_offers.h"
#include "eventify/accounts.h"
#include "eventify/bookings.h"
#include "eventify/spi/booking_store.h"
#include "ledger/transfer_batch.h"
#include "storage/commit_pipeline.h"

namespace eventify::bookings {

// One call waiting in the pipeline.
struct BookingOperation final : storage::BatchOperation {
  enum class Kind { kHold, kBookAndPay, kPay, kCancel, kRefund, kExpire };
  Kind kind = Kind::kHold;
  Principal buyer;
  BookingRequest request;   // kHold, kBookAndPay; its coupon_code upper case (or empty)
  std::string request_key;  // kHold, kBookAndPay: "<user id>:<client key>"
  std::string new_id;       // kHold, kBookAndPay: the id of the booking if one is made
  std::string booking_id;   // kPay, kCancel
  std::vector<std::string> booking_ids;  // kRefund: confirmed bookings of cancelled events
  std::vector<std::string> event_ids;    // kExpire: the events whose lapsed holds expire

  Booking result;             // kHold, kBookAndPay, kPay, kCancel when OK
  std::int64_t count = 0;     // kExpire: bookings expired by the batch; kRefund: refunded
  // Scratch of one ApplyBatch run: the payment or refund(s) the operation may stage.
  std::vector<ledger::PreparedTransfer> transfers;
  // Set on the first operation of a batch that wrote mail (confirmations, cancellations, an
  // event's refunds): Committed then wakes the job workers once for the whole batch.
  bool wrote_mail = false;
};

// The status a reader is shown: a held booking whose hold has lapsed is expired from then on.
BookingStatus EffectiveStatus(const Booking& booking, Timestamp now);

class BookingApplier final : public storage::BatchApplier {
 public:
  // `clock`, `mail` and `waitlist` must outlive the applier. Seats its operations return are
  // offered to the events' waitlists in the same commit (bookings/waitlist_offers.h).
  BookingApplier(ledger::TransferClock& clock, Duration hold_ttl, const BookingMail& mail,
                 const WaitlistOffers& waitlist)
      : clock_(clock), hold_ttl_(hold_ttl), mail_(mail), waitlist_(waitlist) {}

  Status ApplyBatch(spi::Transaction& tx, storage::BatchContext& context,
                    std::span<storage::BatchOperation* const> operations) override;

  // Wakes the job workers once when the committed batch wrote mail (BookingOperation::
  // wrote_mail), rather than each caller after its own operation: a batch of a thousand
  // bookings writes one confirmations job, and a wake-up per booking made the workers claim
  // again and again (a write transaction each, on SQLite in turn with the pipeline's writer).
  void Committed(std::span<storage::BatchOperation* const> operations) override;

  // True when two of the operations book the same event: a hot event, whose seats row
  // (SeatBatch locks it) the next batch will most likely want too.
  bool HoldsTurnUntilCommitted(
      std::span<storage::BatchOperation* const> operations) const override;

 private:
  ledger::TransferClock& clock_;
  const Duration hold_ttl_;
  const BookingMail& mail_;
  const WaitlistOffers& waitlist_;
};

}  // namespace eventify::bookings
