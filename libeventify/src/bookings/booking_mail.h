// BookingMail: the e-mails of the bookings area, written through the mail outbox
// (mail/mail_jobs.h) in the transaction of the change they announce (a confirmation, a
// cancellation, a refund of a cancelled event, a reminder's claim), so a change and its mail
// commit together or not at all (docs/mail.md). Confirmations are written as one job per commit
// and rendered when it runs (SendConfirmations).
//
// Thread-safety: immutable after construction; any number of pipeline writers and job workers
// may use one.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "bookings/ticket_codes.h"
#include "eventify/bookings.h"
#include "eventify/jobs.h"
#include "eventify/spi/mailer.h"
#include "eventify/spi/storage.h"
#include "ledger/transfer_batch.h"
#include "mail/mail_jobs.h"

namespace eventify::bookings {

class BookingMail {
 public:
  // `codes` must outlive this object. `product_name`: AccountsOptions::product_name.
  BookingMail(std::shared_ptr<const mail::MailJobs> outbox, const TicketCodes& codes,
              std::string_view product_name);

  // Adds, in `tx`, the confirmation mails of the bookings in `confirmed`: one
  // kSendConfirmationsJob job naming them, rendered when it runs (SendConfirmations), so that the
  // commit that confirms a batch of bookings writes one small row for all their mails. Call
  // NotifyCommitted after the commit.
  // Errors: storage failures.
  Status AddConfirmations(spi::Transaction& tx, std::span<const Booking> confirmed) const;

  // The kSendConfirmationsJob handler. Reads the job's bookings (each once), their tickets,
  // events and buyers in one read transaction of `storage`, renders each confirmation (what it
  // shows is read now: the buyer's name and address, the event's title and start, the number of
  // tickets, every ticket code in seat order) and sends it through `mailer`, in the payload's
  // order; a booking not found or whose buyer has no account (the operator) is mailed nothing,
  // and a booking cancelled since its commit is still confirmed by mail (its cancellation mail
  // follows). It stops at the first failure of `mailer.Send`, or once half of what was left of
  // the job's lease (Job::locked_until, on `clock`) has passed, so that a slow mail server never
  // lets the lease run out and another worker send them all again; that mail and every one
  // after it are then written as kSendMailJob jobs (sealed, each retried on its own) in one
  // write transaction, and the job succeeds with the note "sent K of N confirmations; the other
  // M were written as mail.send jobs after: <the mailer's error, or that half the lease had
  // passed>". If that write fails, the job fails (a later attempt sends the first K again:
  // delivery is at least once).
  // Errors: kInternal (a payload that is not {"bookings":[ids]}); storage failures; after a
  // failed hand-off, the mailer's error (or kUnavailable mail_too_slow) with both causes in the
  // message.
  Status SendConfirmations(const Job& job, spi::Storage& storage, spi::Mailer& mailer,
                           const ledger::TransferClock& clock) const;

  // Adds, in `tx`, the mail of each confirmed booking in `cancelled` that its buyer cancelled
  // (Bookings::Cancel): its tickets no longer admit, and what was refunded to the wallet. The
  // buyers and events are read in `tx`; a buyer without an account (the operator) is mailed
  // nothing. Errors: storage failures.
  Status AddCancellations(spi::Transaction& tx, std::span<const Booking> cancelled) const;

  // Adds, in `tx`, the offer mail of each held booking in `offered` that a waitlist made for the
  // first in line: its seats, price and hold_expires_at. Read and skipped as AddCancellations.
  // Errors: storage failures.
  Status AddWaitlistOffers(spi::Transaction& tx, std::span<const Booking> offered) const;

  // Adds, in `tx`, the mail of each booking in `refunded` that was refunded because its event was
  // cancelled (Bookings::RefundCancelledEvents): the event is cancelled, the reason given, its
  // tickets no longer admit, and what was refunded. Read and skipped as AddCancellations.
  // Errors: storage failures.
  Status AddEventCancellations(spi::Transaction& tx, std::span<const Booking> refunded) const;

  // Adds, in `tx`, the reminder of each confirmed booking in `due` (Bookings::SendReminders): the
  // event's title, start and place, and the number of tickets. A reminder is not sent once its
  // event has started (the mail job's send_before). Read and skipped as AddCancellations.
  // Errors: storage failures.
  Status AddReminders(spi::Transaction& tx, std::span<const Booking> due) const;

  // Wakes the job workers for the mail just committed.
  void NotifyCommitted() const;

 private:
  const std::shared_ptr<const mail::MailJobs> outbox_;
  const TicketCodes& codes_;
  const std::string product_name_;
};

}  // namespace eventify::bookings
