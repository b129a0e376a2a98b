// MailJobs: the transactional outbox for e-mail. An area that must mail because of a change adds
// the message in the transaction of the change (Add); it becomes a kSendMailJob job, committed or
// rolled back with the change, and the job hands it to the engine's spi::Mailer once it runs
// (Deliver), retried with backoff like every job until it goes or dies (docs/mail.md, "The
// outbox").
//
// The payload is sealed (libsodium secretbox) with a key derived from the engine's secret, so the
// jobs table and the admin jobs API never show a message, its recipient or the one-time code in
// it: they show "sealed:v1:" and base64url bytes.
//
// Owned jointly by the engine's areas that mail and the kSendMailJob handler.
// Thread-safety: immutable after construction; every member may be called from any thread.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "eventify/jobs.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/mailer.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "jobs/job_queue.h"

namespace eventify::mail {

class MailJobs {
 public:
  // `max_attempts`: JobsOptions::mail_max_attempts.
  MailJobs(std::shared_ptr<jobs::JobQueue> queue, std::shared_ptr<spi::Clock> clock,
           std::string_view secret_key, int max_attempts);

  // Writes `message` as a kSendMailJob job, due now, in `tx`. A message with `send_before` (a
  // one-time code's expiry, the start of the event a reminder is about) is not sent once that
  // time has passed: its job then succeeds without sending, with a note in last_error. Call
  // NotifyCommitted after the commit.
  // Errors: storage failures.
  Status Add(spi::Transaction& tx, const spi::MailMessage& message,
             std::optional<Timestamp> send_before) const;

  // Adds every message as Add does (without send_before), in one write of the jobs.
  // Errors: storage failures.
  Status AddAll(spi::Transaction& tx, std::span<const spi::MailMessage> messages) const;

  // Writes, in `tx`, a job of `kind` due now with the mail jobs' attempts (mail_max_attempts):
  // mail that its own handler renders when it runs, from the rows the payload names (the
  // confirmations of a batch of bookings: kSendConfirmationsJob). The payload is stored as it
  // is, unsealed: it must name rows, never hold an address or a message. Call NotifyCommitted
  // after the commit.
  // Errors: storage failures.
  Status AddRendering(spi::Transaction& tx, std::string_view kind, std::string payload) const;

  // Wakes the job workers for the mail just committed (JobQueue::NotifyCommitted).
  void NotifyCommitted() const;

  // The kSendMailJob handler: opens the payload and sends it through `mailer`.
  // Errors: kFailedPrecondition mail_payload_unreadable (sealed under another secret key, or
  // altered), kInternal (an opened payload that is not a message), and whatever `mailer.Send`
  // returns (kUnavailable, kInvalidArgument invalid_mail_message).
  Status Deliver(const Job& job, spi::Mailer& mailer) const;

 private:
  // The kSendMailJob request carrying `message`, sealed.
  JobRequest Request(const spi::MailMessage& message, std::optional<Timestamp> send_before) const;

  const std::shared_ptr<jobs::JobQueue> queue_;
  const std::shared_ptr<spi::Clock> clock_;
  const std::string key_;
  const int max_attempts_;
};

// Registers the kSendMailJob handler: `outbox` opens each job's message, `mailer` sends it.
// Errors: those of Jobs::RegisterHandler.
Status RegisterMailJob(Jobs& jobs, std::shared_ptr<const MailJobs> outbox,
                       std::shared_ptr<spi::Mailer> mailer);

}  // namespace eventify::mail
