#include "mail/templates.h"

#include <fmt/format.h>

namespace eventify::mail {
namespace {

// The HTML document around `body` (HTML already escaped), titled with the escaped subject.
std::string HtmlDocument(std::string_view subject, std::string_view body) {
  return fmt::format(
      "<!DOCTYPE html>\n"
      "<html>\n"
      "<head><meta charset=\"utf-8\"><title>{}</title></head>\n"
      "<body>\n"
      "{}"
      "</body>\n"
      "</html>\n",
      HtmlEscape(subject), body);
}

// "2027-01-22 08:00 UTC": to the minute, the zone said.
std::string UtcMinute(Timestamp at) {
  const std::string rfc3339 = FormatTimestamp(at);  // "2027-01-22T08:00:00.000Z"
  return rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 5) + " UTC";
}

// One code mail: what the code is for, and the sentence that follows the expiry.
struct CodeMailWording {
  std::string_view subject;  // after "<product>: "
  std::string_view purpose;  // "your <purpose> is <code>"
  std::string_view closing;
};

spi::MailMessage CodeMail(const CodeMailValues& values, const CodeMailWording& wording) {
  spi::MailMessage mail;
  mail.to = std::string(values.to);
  mail.subject = fmt::format("{}: {}", values.product_name, wording.subject);
  mail.text =
      fmt::format("Hello {},\n\nyour {} is {}\n\nIt expires in {} minutes. {}\n", values.full_name,
                  wording.purpose, values.code, values.expires_in_minutes, wording.closing);
  mail.html = HtmlDocument(
      mail.subject,
      fmt::format("<p>Hello {},</p>\n"
                  "<p>your {} is <strong>{}</strong></p>\n"
                  "<p>It expires in {} minutes. {}</p>\n",
                  HtmlEscape(values.full_name), HtmlEscape(wording.purpose),
                  HtmlEscape(values.code), values.expires_in_minutes, HtmlEscape(wording.closing)));
  return mail;
}

}  // namespace

spi::MailMessage VerificationCodeMail(const CodeMailValues& values) {
  return CodeMail(values, {"verify your e-mail address", "verification code",
                           "If you did not register, ignore this message."});
}

spi::MailMessage PasswordResetCodeMail(const CodeMailValues& values) {
  return CodeMail(values, {"password reset code", "password reset code",
                           "Resetting your password signs you out everywhere. If you did not ask "
                           "for this, ignore this message."});
}

spi::MailMessage BookingConfirmationMail(const BookingMailValues& values,
                                         std::span<const std::string> ticket_codes) {
  const std::string when = UtcMinute(values.starts_at);
  const std::size_t count = ticket_codes.size();
  const std::string tickets = count == 1 ? "1 ticket" : fmt::format("{} tickets", count);
  spi::MailMessage mail;
  mail.to = std::string(values.to);
  mail.subject = fmt::format("{}: your tickets for {}", values.product_name, values.event_title);
  std::string text_codes;
  std::string html_codes;
  for (std::size_t i = 0; i < count; ++i) {
    text_codes += fmt::format("  Ticket {}: {}\n", i + 1, ticket_codes[i]);
    html_codes += fmt::format("<li>Ticket {}: <code>{}</code></li>\n", i + 1,
                              HtmlEscape(ticket_codes[i]));
  }
  constexpr std::string_view kAtTheDoor =
      "Show a ticket's code (or its QR code) at the door; each admits one person once.";
  mail.text = fmt::format("Hello {},\n\nyour booking {} is confirmed: {} for {}, starting {}.\n\n{}\n{}\n",
                          values.full_name, values.booking_id, tickets, values.event_title, when,
                          text_codes, kAtTheDoor);
  mail.html = HtmlDocument(
      mail.subject,
      fmt::format("<p>Hello {},</p>\n"
                  "<p>your booking {} is confirmed: {} for <strong>{}</strong>, starting {}.</p>\n"
                  "<ul>\n{}</ul>\n"
                  "<p>{}</p>\n",
                  HtmlEscape(values.full_name), HtmlEscape(values.booking_id), tickets,
                  HtmlEscape(values.event_title), when, html_codes, kAtTheDoor));
  return mail;
}

spi::MailMessage BookingCancellationMail(const BookingMailValues& values, const Money& refunded) {
  const std::string when = UtcMinute(values.starts_at);
  const std::string refund =
      refunded.minor_units > 0
          ? fmt::format("{} was refunded to your wallet.", FormatMoney(refunded))
          : std::string("Nothing was charged, so nothing is refunded.");
  spi::MailMessage mail;
  mail.to = std::string(values.to);
  mail.subject = fmt::format("{}: booking cancelled for {}", values.product_name,
                             values.event_title);
  mail.text = fmt::format(
      "Hello {},\n\nyour booking {} for {}, starting {}, is cancelled: its tickets no longer "
      "admit.\n\n{}\n",
      values.full_name, values.booking_id, values.event_title, when, refund);
  mail.html = HtmlDocument(
      mail.subject,
      fmt::format("<p>Hello {},</p>\n"
                  "<p>your booking {} for <strong>{}</strong>, starting {}, is cancelled: its "
                  "tickets no longer admit.</p>\n"
                  "<p>{}</p>\n",
                  HtmlEscape(values.full_name), HtmlEscape(values.booking_id),
                  HtmlEscape(values.event_title), when, HtmlEscape(refund)));
  return mail;
}

spi::MailMessage WaitlistOfferMail(const BookingMailValues& values, std::int32_t seats,
                                   const Money& amount, Timestamp pay_before) {
  const std::string when = UtcMinute(values.starts_at);
  const std::string until = UtcMinute(pay_before);
  const std::string held = seats == 1 ? "1 seat is" : fmt::format("{} seats are", seats);
  const std::string price = amount.minor_units > 0
                                ? fmt::format("Pay {} from your wallet", FormatMoney(amount))
                                : std::string("Confirm it (the event is free)");
  spi::MailMessage mail;
  mail.to = std::string(values.to);
  mail.subject = fmt::format("{}: seats for {} are waiting for you", values.product_name,
                             values.event_title);
  mail.text = fmt::format(
      "Hello {},\n\nseats came back for {}, starting {}, and you were next in line: {} held for "
      "you as booking {}.\n\n{} before {}; after that they go to the next in line.\n",
      values.full_name, values.event_title, when, held, values.booking_id, price, until);
  mail.html = HtmlDocument(
      mail.subject,
      fmt::format("<p>Hello {},</p>\n"
                  "<p>seats came back for <strong>{}</strong>, starting {}, and you were next in "
                  "line: {} held for you as booking {}.</p>\n"
                  "<p>{} before {}; after that they go to the next in line.</p>\n",
                  HtmlEscape(values.full_name), HtmlEscape(values.event_title), when, held,
                  HtmlEscape(values.booking_id), HtmlEscape(price), until));
  return mail;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace eventify::mail
