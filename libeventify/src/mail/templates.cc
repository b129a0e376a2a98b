#include "mail/templates.h"

#include <fmt/format.h>

#include <vector>

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

// What a booking's refund sentence says.
std::string RefundSentence(const Money& refunded) {
  return refunded.minor_units > 0
             ? fmt::format("{} was refunded to your wallet.", FormatMoney(refunded))
             : std::string("Nothing was charged, so nothing is refunded.");
}

// One paragraph of a mail, as plain text and as HTML (escaped already).
struct Paragraph {
  std::string text;
  std::string html;
};

// A paragraph of fixed wording (escaped for the HTML part all the same).
Paragraph Plain(std::string text) {
  std::string html = HtmlEscape(text);
  return {std::move(text), std::move(html)};
}

// "Hello <name>," and the paragraphs, in both parts.
spi::MailMessage ParagraphMail(std::string_view to, std::string subject,
                               std::string_view full_name,
                               const std::vector<Paragraph>& paragraphs) {
  spi::MailMessage mail;
  mail.to = std::string(to);
  mail.subject = std::move(subject);
  mail.text = fmt::format("Hello {},\n", full_name);
  std::string body = fmt::format("<p>Hello {},</p>\n", HtmlEscape(full_name));
  for (const Paragraph& paragraph : paragraphs) {
    mail.text += "\n" + paragraph.text + "\n";
    body += "<p>" + paragraph.html + "</p>\n";
  }
  mail.html = HtmlDocument(mail.subject, body);
  return mail;
}

// The reviewer's note, when there is one.
void AddNote(std::vector<Paragraph>& paragraphs, std::string_view note) {
  if (note.empty()) return;
  constexpr std::string_view kNote = "The reviewer's note: ";
  paragraphs.push_back({fmt::format("{}{}", kNote, note), HtmlEscape(kNote) + HtmlEscape(note)});
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

spi::MailMessage LinkIdentityCodeMail(const CodeMailValues& values) {
  return CodeMail(values, {"code to link a sign-in provider", "code to link a sign-in provider",
                           "Someone signed in with a provider using this address and asked to "
                           "link it to your account. If it was not you, ignore this message."});
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
  return ParagraphMail(
      values.to,
      fmt::format("{}: booking cancelled for {}", values.product_name, values.event_title),
      values.full_name,
      {{fmt::format("your booking {} for {}, starting {}, is cancelled: its tickets no longer "
                    "admit.",
                    values.booking_id, values.event_title, when),
        fmt::format("your booking {} for <strong>{}</strong>, starting {}, is cancelled: its "
                    "tickets no longer admit.",
                    HtmlEscape(values.booking_id), HtmlEscape(values.event_title), when)},
       Plain(RefundSentence(refunded))});
}

spi::MailMessage WaitlistOfferMail(const BookingMailValues& values, std::int32_t seats,
                                   const Money& amount, Timestamp pay_before) {
  const std::string when = UtcMinute(values.starts_at);
  const std::string held = seats == 1 ? "1 seat is" : fmt::format("{} seats are", seats);
  const std::string price = amount.minor_units > 0
                                ? fmt::format("Pay {} from your wallet", FormatMoney(amount))
                                : std::string("Confirm it (the event is free)");
  return ParagraphMail(
      values.to,
      fmt::format("{}: seats for {} are waiting for you", values.product_name, values.event_title),
      values.full_name,
      {{fmt::format("seats came back for {}, starting {}, and you were next in line: {} held for "
                    "you as booking {}.",
                    values.event_title, when, held, values.booking_id),
        fmt::format("seats came back for <strong>{}</strong>, starting {}, and you were next in "
                    "line: {} held for you as booking {}.",
                    HtmlEscape(values.event_title), when, held, HtmlEscape(values.booking_id))},
       Plain(fmt::format("{} before {}; after that they go to the next in line.", price,
                         UtcMinute(pay_before)))});
}

spi::MailMessage EventCancelledMail(const BookingMailValues& values, const Money& refunded,
                                    std::string_view cancel_note) {
  const std::string when = UtcMinute(values.starts_at);
  std::vector<Paragraph> paragraphs;
  paragraphs.push_back(
      {fmt::format("the event {}, which was to start {}, is cancelled.", values.event_title, when),
       fmt::format("the event <strong>{}</strong>, which was to start {}, is cancelled.",
                   HtmlEscape(values.event_title), when)});
  if (!cancel_note.empty()) {
    paragraphs.push_back({fmt::format("The reason given: {}", cancel_note),
                          fmt::format("The reason given: {}", HtmlEscape(cancel_note))});
  }
  paragraphs.push_back(Plain(fmt::format(
      "Your booking {} is cancelled with it: its tickets no longer admit. {}", values.booking_id,
      RefundSentence(refunded))));
  return ParagraphMail(values.to,
                       fmt::format("{}: {} is cancelled", values.product_name, values.event_title),
                       values.full_name, paragraphs);
}

spi::MailMessage BookingReminderMail(const BookingMailValues& values, std::int32_t seats,
                                     const ReminderPlace& place) {
  const std::string when = UtcMinute(values.starts_at);
  std::vector<Paragraph> paragraphs;
  paragraphs.push_back({fmt::format("a reminder: {} starts {}.", values.event_title, when),
                        fmt::format("a reminder: <strong>{}</strong> starts {}.",
                                    HtmlEscape(values.event_title), when)});
  if (!place.venue.empty()) {
    paragraphs.push_back({fmt::format("Where: {}", place.venue),
                          fmt::format("Where: {}", HtmlEscape(place.venue))});
  }
  if (!place.online_url.empty()) {
    paragraphs.push_back({fmt::format("Online: {}", place.online_url),
                          fmt::format("Online: {}", HtmlEscape(place.online_url))});
  }
  const std::string tickets = seats == 1 ? "1 ticket" : fmt::format("{} tickets", seats);
  paragraphs.push_back(Plain(fmt::format(
      "Your booking {} holds {}. Show each ticket's code (in your confirmation mail and under "
      "your bookings) at the door.",
      values.booking_id, tickets)));
  return ParagraphMail(
      values.to,
      fmt::format("{}: reminder, {} starts {}", values.product_name, values.event_title, when),
      values.full_name, paragraphs);
}

spi::MailMessage OrganizerVerifiedMail(const OrganizerMailValues& values) {
  return ParagraphMail(
      values.to, fmt::format("{}: your organizer profile is verified", values.product_name),
      values.full_name,
      {{fmt::format("your organizer profile for {} is verified.", values.organisation_name),
        fmt::format("your organizer profile for <strong>{}</strong> is verified.",
                    HtmlEscape(values.organisation_name))},
       Plain("You can now create events and submit them for approval.")});
}

spi::MailMessage OrganizerRejectedMail(const OrganizerMailValues& values, std::string_view cause,
                                       std::string_view note) {
  std::vector<Paragraph> paragraphs;
  paragraphs.push_back(
      {fmt::format("your organizer profile for {} was not verified: {}.", values.organisation_name,
                   cause),
       fmt::format("your organizer profile for <strong>{}</strong> was not verified: {}.",
                   HtmlEscape(values.organisation_name), HtmlEscape(cause))});
  AddNote(paragraphs, note);
  paragraphs.push_back(Plain("You may correct your profile and submit it again."));
  return ParagraphMail(values.to,
                       fmt::format("{}: your organizer profile was not verified",
                                   values.product_name),
                       values.full_name, paragraphs);
}

spi::MailMessage EventApprovedMail(const EventMailValues& values) {
  const std::string when = UtcMinute(values.starts_at);
  return ParagraphMail(
      values.to, fmt::format("{}: {} is approved", values.product_name, values.event_title),
      values.full_name,
      {{fmt::format("your event {}, starting {}, is approved: it is listed and takes bookings.",
                    values.event_title, when),
        fmt::format("your event <strong>{}</strong>, starting {}, is approved: it is listed and "
                    "takes bookings.",
                    HtmlEscape(values.event_title), when)}});
}

spi::MailMessage EventRejectedMail(const EventMailValues& values, std::string_view cause,
                                   std::string_view note) {
  const std::string when = UtcMinute(values.starts_at);
  std::vector<Paragraph> paragraphs;
  paragraphs.push_back(
      {fmt::format("your event {}, starting {}, was not approved: {}.", values.event_title, when,
                   cause),
       fmt::format("your event <strong>{}</strong>, starting {}, was not approved: {}.",
                   HtmlEscape(values.event_title), when, HtmlEscape(cause))});
  AddNote(paragraphs, note);
  paragraphs.push_back(Plain("You may edit the event and submit it again."));
  return ParagraphMail(values.to,
                       fmt::format("{}: {} was not approved", values.product_name,
                                   values.event_title),
                       values.full_name, paragraphs);
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
