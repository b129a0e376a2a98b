// The bundled SMTP mailer: spi::Mailer over SMTP through libcurl. It is its own library,
// eventify::smtp, so that a program that does not send mail over SMTP never links curl; a host
// makes one and hands it to the engine:
//
//   auto mailer = eventify::spi::MakeSmtpMailer({.url = "smtp://mail.example.com:587",
//                                                .username = "eventify", .password = secret,
//                                                .from = "Eventify <no-reply@example.com>"});
//   if (!mailer.ok()) return mailer.status();
//   options.mailer = *mailer;  // EngineOptions
//
// Each Send() opens its own connection (its own curl handle): one message, one SMTP session, so
// that a slow server holds up only the caller whose message it is. The message bytes are those the
// outbox mailer writes (multipart/alternative when the message has an HTML part); curl does the
// dot-stuffing. TLS certificates and host names are always checked, against the system trust store
// or `ca_file`.
//
// Ownership: MakeSmtpMailer returns a shared mailer; the engine and the host may both keep it.
// Thread-safety: MakeSmtpMailer may be called from any thread (it initialises libcurl once per
// process); Send() may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "eventify/export.h"
#include "eventify/spi/mailer.h"
#include "eventify/status.h"

namespace eventify::spi {

enum class StartTls {
  kRequired,       // smtp:// must upgrade with STARTTLS, or nothing is sent (smtp_tls_failed)
  kOpportunistic,  // smtp:// upgrades when the server offers STARTTLS, else sends in clear
  kOff,            // smtp:// never upgrades (a loopback relay, a test sink)
};

struct SmtpMailerOptions {
  // "smtp://host[:port]" (default port 25; STARTTLS as `starttls` says) or "smtps://host[:port]"
  // (implicit TLS, default port 465; `starttls` is ignored). No user, password, path or query:
  // credentials go in the fields below.
  std::string url;
  // AUTH credentials; empty username: no authentication.
  std::string username;
  std::string password;
  StartTls starttls = StartTls::kRequired;
  // PEM file of the certificates to trust instead of the system store (a private relay's CA);
  // empty: the system store.
  std::string ca_file;
  // The From header, "Name <address>" or "address", printable ASCII; its address is the envelope
  // sender (MAIL FROM) and the domain of Message-IDs.
  std::string from = "Eventify <no-reply@eventify.invalid>";
  // Time allowed to connect (TCP and TLS), and for the whole exchange of one message.
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{30'000};
};

// Checks the options; connects to nothing.
// Errors: kInvalidArgument invalid_smtp_url (field "url"), invalid_mail_from (field "from"),
// invalid_smtp_timeout (field "timeout": not positive, or connect_timeout above timeout).
//
// Errors of Send(), besides invalid_mail_message: kUnavailable with the reason
//   smtp_connection_refused   nothing listens at the address (or the host is unreachable)
//   smtp_host_not_found       the host name does not resolve
//   smtp_timeout              no connection, greeting or reply within the timeouts
//   smtp_tls_failed           STARTTLS required but not offered, or the TLS handshake or
//                             certificate check failed
//   smtp_auth_failed          the server refused the credentials (or offers no way to log in)
//   smtp_sender_rejected      the server refused the envelope sender (MAIL FROM)
//   smtp_recipient_rejected   the server refused the recipient (RCPT TO)
//   smtp_failed               any other failure (the message says what curl reported)
// The password never appears in a message.
EVENTIFY_EXPORT Result<std::shared_ptr<Mailer>> MakeSmtpMailer(SmtpMailerOptions options);

}  // namespace eventify::spi
