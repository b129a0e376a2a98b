// EventMail: the e-mails of the events area to organizers, written through the mail outbox
// (mail/mail_jobs.h) in the transaction of the review they announce: an organizer profile
// verified or rejected, an event approved or rejected (docs/mail.md). A review that is refused
// (not pending, a bad note) rolls back and writes none.
//
// Thread-safety: immutable after construction; every member may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "eventify/events.h"
#include "eventify/spi/storage.h"
#include "mail/mail_jobs.h"

namespace eventify::events {

class EventMail {
 public:
  // `product_name`: AccountsOptions::product_name.
  EventMail(std::shared_ptr<const mail::MailJobs> outbox, std::string_view product_name);

  // Adds, in `tx`, the mail telling the profile's organizer that it was verified or rejected (by
  // its status; with the cause in words and the admin's note). An organizer without an account
  // (the operator, a test principal) is mailed nothing. Call NotifyCommitted after the commit.
  // Errors: storage failures.
  Status AddOrganizerReviewed(spi::Transaction& tx, const OrganizerProfile& profile) const;

  // Adds, in `tx`, the mail telling the event's organizer that it was approved or rejected (by
  // its status; with the cause in words and the admin's note). Skipped as AddOrganizerReviewed.
  // Errors: storage failures.
  Status AddEventReviewed(spi::Transaction& tx, const Event& event) const;

  // Wakes the job workers for the mail just committed.
  void NotifyCommitted() const;

 private:
  const std::shared_ptr<const mail::MailJobs> outbox_;
  const std::string product_name_;
};

// The cause of a rejection in words, as the mails say it ("the profile is incomplete").
std::string_view OrganizerRejectCauseWords(OrganizerRejectCause cause);
std::string_view EventRejectCauseWords(EventRejectCause cause);

}  // namespace eventify::events
