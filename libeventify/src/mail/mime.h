// Building the bytes of an e-mail: RFC 5322 headers and a MIME body (RFC 2045-2047), shared by
// every bundled mailer so that the outbox folder shows exactly what SMTP would send.
//
// The message is UTF-8 throughout. A subject with anything but printable ASCII becomes RFC 2047
// encoded-words; the bodies are quoted-printable with CRLF line endings; a message with an HTML
// part is multipart/alternative (plain text first, so that a client that cannot show HTML shows
// the text). Dot-stuffing is the transport's job (SMTP), not done here.
//
// Thread-safety: pure functions.
//
// Private, but exported from the core's shared library (EVENTIFY_EXPORT) for the SMTP mailer
// (eventify::smtp), which is a library of its own.
#pragma once

#include <string>
#include <string_view>

#include "eventify/export.h"
#include "eventify/spi/mailer.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::mail {

// The headers a mailer chooses; the rest comes from the message.
struct Envelope {
  std::string from;        // the From header, "Name <address>" or "address"
  Timestamp date;          // the Date header
  std::string message_id;  // "<unique@domain>"
  std::string boundary;    // multipart boundary, used only when the message has an HTML part
};

// Checks what goes into headers. A CR or LF would let a value start a header of its own, so it is
// refused rather than flattened; the recipient must be one address (an '@', no control character,
// space, '<', '>' or ',').
// Errors: kInvalidArgument invalid_mail_message (field "to" or "subject").
EVENTIFY_EXPORT Status CheckMessage(const spi::MailMessage& message);

// Splits a From value into the address inside its angle brackets (or the whole value) and checks
// it: printable ASCII only, one '@', no space, '<' or '>' in the address, nothing after the '>'.
// Errors: kInvalidArgument invalid_mail_from.
EVENTIFY_EXPORT Result<std::string> FromAddress(std::string_view from);

// The domain of the address in `from`, for Message-IDs ("eventify.invalid" when it has none).
EVENTIFY_EXPORT std::string MessageIdDomain(std::string_view from);

// A fresh Envelope for `from`: the current time, a random Message-ID and boundary.
EVENTIFY_EXPORT Envelope NewEnvelope(std::string from, Timestamp now);

// The whole message, CRLF line endings, ready for an .eml file or SMTP DATA.
// Errors: those of CheckMessage and FromAddress (for envelope.from).
EVENTIFY_EXPORT Result<std::string> BuildMessage(const spi::MailMessage& message,
                                                 const Envelope& envelope);

// RFC 5322 date-time in UTC: "Fri, 15 Jan 2027 08:00:00 +0000".
EVENTIFY_EXPORT std::string FormatMailDate(Timestamp t);

// The value as is when it is printable ASCII and holds no "=?", else RFC 2047 encoded-words
// ("=?UTF-8?B?...?=", each at most 75 characters, split on whole UTF-8 characters) folded with
// CRLF SP.
EVENTIFY_EXPORT std::string EncodeHeaderText(std::string_view value);

// Quoted-printable (RFC 2045 6.7): "\n" and "\r\n" become CRLF hard line breaks; lines are at most
// 76 characters; '=', bytes outside printable ASCII and a space or tab before a line break are
// encoded.
EVENTIFY_EXPORT std::string QuotedPrintable(std::string_view text);

}  // namespace eventify::mail
