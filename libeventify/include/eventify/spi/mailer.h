// Mailer: how the engine sends e-mail (verification codes, password resets, later reminders).
//
// The engine calls Send() only after the transaction that produced the message has committed, so
// a mail never announces something that was rolled back. Send() may block (SMTP); it is never
// called on a network I/O thread.
//
// Thread-safety: implementations must accept concurrent Send() calls.
#pragma once

#include <memory>
#include <string>

#include "eventify/status.h"

namespace eventify::spi {

struct MailMessage {
  std::string to;       // one normalised address
  std::string subject;  // a single line
  std::string text;     // plain-text body, UTF-8
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // Errors: kUnavailable when the message could not be handed over (it is not retried here).
  virtual Status Send(const MailMessage& message) = 0;
};

// Writes each message as an RFC 5322 .eml file into `directory` (created if missing), named by
// time and recipient, so that a developer can read a one-time code without a mail server.
std::shared_ptr<Mailer> MakeOutboxMailer(std::string directory);

}  // namespace eventify::spi
