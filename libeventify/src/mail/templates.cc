#include "mail/templates.h"

#include <fmt/format.h>

namespace eventify::mail {
namespace {

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
  mail.html = fmt::format(
      "<!DOCTYPE html>\n"
      "<html>\n"
      "<head><meta charset=\"utf-8\"><title>{}</title></head>\n"
      "<body>\n"
      "<p>Hello {},</p>\n"
      "<p>your {} is <strong>{}</strong></p>\n"
      "<p>It expires in {} minutes. {}</p>\n"
      "</body>\n"
      "</html>\n",
      HtmlEscape(mail.subject), HtmlEscape(values.full_name), HtmlEscape(wording.purpose),
      HtmlEscape(values.code), values.expires_in_minutes, HtmlEscape(wording.closing));
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

spi::MailMessage BookingConfirmationMail(const BookingConfirmationValues& values) {
  const std::string starts = FormatTimestamp(values.starts_at);
  // "2027-01-22T08:00:00.000Z" -> "2027-01-22 08:00 UTC"
  const std::string when = starts.substr(0, 10) + " " + starts.substr(11, 5) + " UTC";
  const std::size_t count = values.ticket_codes.size();
  const std::string tickets = count == 1 ? "1 ticket" : fmt::format("{} tickets", count);
  spi::MailMessage mail;
  mail.to = std::string(values.to);
  mail.subject = fmt::format("{}: your tickets for {}", values.product_name, values.event_title);
  std::string text_codes;
  std::string html_codes;
  for (std::size_t i = 0; i < count; ++i) {
    text_codes += fmt::format("  Ticket {}: {}\n", i + 1, values.ticket_codes[i]);
    html_codes += fmt::format("<li>Ticket {}: <code>{}</code></li>\n", i + 1,
                              HtmlEscape(values.ticket_codes[i]));
  }
  mail.text = fmt::format(
      "Hello {},\n\nyour booking {} is confirmed: {} for {}, starting {}.\n\n{}\nShow a ticket's "
      "code (or its QR code) at the door; each admits one person once.\n",
      values.full_name, values.booking_id, tickets, values.event_title, when, text_codes);
  mail.html = fmt::format(
      "<!DOCTYPE html>\n"
      "<html>\n"
      "<head><meta charset=\"utf-8\"><title>{}</title></head>\n"
      "<body>\n"
      "<p>Hello {},</p>\n"
      "<p>your booking {} is confirmed: {} for <strong>{}</strong>, starting {}.</p>\n"
      "<ul>\n{}</ul>\n"
      "<p>Show a ticket's code (or its QR code) at the door; each admits one person once.</p>\n"
      "</body>\n"
      "</html>\n",
      HtmlEscape(mail.subject), HtmlEscape(values.full_name), HtmlEscape(values.booking_id),
      tickets, HtmlEscape(values.event_title), when, html_codes);
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
