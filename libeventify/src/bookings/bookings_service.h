// The bookings area (eventify/bookings.h): holds, payments and tickets over spi::BookingStore,
// applied through the engine's commit pipeline (bookings/booking_applier.h), and the handlers of
// the recurring jobs that expire lapsed holds, refund cancelled events and send reminders.
//
// Thread-safety: as Bookings.
#pragma once

#include <memory>
#include <string_view>

#include "eventify/bookings.h"
#include "eventify/jobs.h"
#include "eventify/spi/mailer.h"
#include "eventify/spi/storage.h"
#include "ledger/transfer_batch.h"
#include "mail/mail_jobs.h"
#include "storage/commit_pipeline.h"
#include "wallets/card_charges.h"

namespace eventify::bookings {

// The bookings service with what the engine's jobs call beyond Bookings.
class BookingsInternals : public Bookings {
 public:
  // The kSendConfirmationsJob handler (BookingMail::SendConfirmations, through the service's
  // storage and mailer).
  virtual Status SendConfirmations(const Job& job) = 0;
};

// `storage` must Support spi::BookingStore::kArea (Engine::Open checks it). `clock` and `pipeline`
// are the engine's, shared with the ledger so that seats and money commit together; both must
// outlive the service. Ticket codes are signed with a key derived from `secret_key`. Booking mail
// goes through `mail` (the engine's outbox), its subjects naming `product_name`; the
// confirmations are rendered and sent by the kSendConfirmationsJob handler through `mailer`.
// Cards are charged through `cards` (the engine's, shared with the wallets), whose settler the
// service becomes, for top-ups that expire after `topup_timeout`; `ledger` is borrowed and must
// outlive the service.
std::unique_ptr<BookingsInternals> MakeBookingsService(
    std::shared_ptr<spi::Storage> storage, ledger::TransferClock& clock,
    storage::CommitPipeline& pipeline, std::shared_ptr<const mail::MailJobs> mail,
    std::shared_ptr<spi::Mailer> mailer, std::string_view secret_key,
    std::string_view product_name, BookingsOptions options, Ledger& ledger,
    std::shared_ptr<wallets::CardCharges> cards, std::chrono::seconds topup_timeout);

// Registers the handlers of kExpireHoldsJob, kRefundCancelledEventsJob, kSendRemindersJob and
// kSendConfirmationsJob. `bookings` must outlive `jobs`' workers.
Status RegisterBookingsJobs(Jobs& jobs, BookingsInternals& bookings);

}  // namespace eventify::bookings
