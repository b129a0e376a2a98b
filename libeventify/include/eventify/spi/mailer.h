// Mailer: how the engine sends e-mail (verification codes, password resets, later reminders).
//
// The engine calls Send() from the outbox job (kSendMailJob, or kSendConfirmationsJob for the
// confirmations of a commit's bookings; eventify/jobs.h) that the transaction producing the
// message wrote, so a mail never announces something that was rolled back, and no request waits
// for the mailer. Send() runs on a job worker thread (or the thread calling Jobs::RunDueJobs),
// never on a network I/O thread, and may block (SMTP); keep it within a timeout well below
// JobsOptions::lease (a confirmations job that has spent half its lease hands the mails it has
// not sent to kSendMailJob jobs). A failure is retried by the job with backoff: Send() itself
// does not retry, and may be called again for a message it already handed over when the process
// died before the job was marked done (at-least-once delivery).
//
// Thread-safety: implementations must accept concurrent Send() calls.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "eventify/export.h"
#include "eventify/status.h"

namespace eventify::spi {

struct MailMessage {
  std::string to;       // one normalised address: no space, control character, <, > or comma
  std::string subject;  // a single line (no CR or LF), UTF-8
  std::string text;     // plain-text body, UTF-8
  // HTML body, UTF-8, with every user-supplied value already escaped. When present the message is
  // sent as multipart/alternative with `text` as the plain-text alternative.
  std::optional<std::string> html;
};

class EVENTIFY_EXPORT Mailer {
 public:
  virtual ~Mailer() = default;
  // Errors: kInvalidArgument invalid_mail_message when `to` is not one address or `subject` holds
  // a CR or LF (a header could be injected); kUnavailable when the message could not be handed over
  // (it is not retried here), with a reason that says why (see each implementation).
  virtual Status Send(const MailMessage& message) = 0;
};

// Checks a From value for the bundled mailers: "address" or "Name <address>", printable ASCII,
// one '@' in the address. Errors: kInvalidArgument invalid_mail_from (field "from").
EVENTIFY_EXPORT Status CheckMailFrom(std::string_view from);

// Writes each message as an RFC 5322 .eml file into `directory` (created if missing), named by
// time and recipient, so that a developer can read a one-time code without a mail server. The
// bytes are those the SMTP mailer (eventify/backends/smtp_mailer.h) would send, From included.
// `from` should pass CheckMailFrom; if it does not, every Send fails with invalid_mail_from.
// Errors of Send: kUnavailable outbox_unavailable when the folder cannot be written.
EVENTIFY_EXPORT std::shared_ptr<Mailer> MakeOutboxMailer(
    std::string directory, std::string from = "Eventify <no-reply@eventify.invalid>");

}  // namespace eventify::spi
