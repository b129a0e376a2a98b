// The e-mails the engine sends, in one place: each template fills a plain-text and an HTML body.
// User-supplied values (the full name, an organisation's name, an event's title and venue, an
// admin's note, a cancellation's reason) and configured ones (the product name) are HTML-escaped
// in the HTML body and kept as they are in the text body; the subject is one line of plain text.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "eventify/spi/mailer.h"
#include "eventify/types.h"

namespace eventify::mail {

// What every one-time-code mail says.
struct CodeMailValues {
  std::string_view to;
  std::string_view product_name;
  std::string_view full_name;
  std::string_view code;
  long long expires_in_minutes = 0;
};

// The verification code mailed at registration and on resend.
spi::MailMessage VerificationCodeMail(const CodeMailValues& values);

// The password reset code.
spi::MailMessage PasswordResetCodeMail(const CodeMailValues& values);

// The code that links an OpenID Connect identity to an existing account (eventify/sign_in.h).
spi::MailMessage LinkIdentityCodeMail(const CodeMailValues& values);

// What every booking mail names: the buyer, the booking, and its event.
struct BookingMailValues {
  std::string_view to;
  std::string_view product_name;
  std::string_view full_name;
  std::string_view event_title;
  Timestamp starts_at;  // shown in UTC, said so
  std::string_view booking_id;
};

// Mailed when a booking is confirmed (paid, or free): the ticket codes to show at the door,
// `ticket_codes` one per seat in seat order.
spi::MailMessage BookingConfirmationMail(const BookingMailValues& values,
                                         std::span<const std::string> ticket_codes);

// Mailed when the buyer cancels a confirmed booking (Bookings::Cancel): `refunded` went back to
// the wallet (0 for a free booking).
spi::MailMessage BookingCancellationMail(const BookingMailValues& values, const Money& refunded);

// Mailed to the first in a waitlist's line when seats came back: `seats` seats are held for them
// as booking values.booking_id, costing `amount` (0 when free), payable until `pay_before`.
spi::MailMessage WaitlistOfferMail(const BookingMailValues& values, std::int32_t seats,
                                   const Money& amount, Timestamp pay_before);

// Mailed to each attendee whose confirmed booking was refunded because its event was cancelled
// (Bookings::RefundCancelledEvents): `refunded` went back to the wallet (0 for a free booking),
// `cancel_note` is the reason the organizer or admin gave (Events::CancelEvent).
spi::MailMessage EventCancelledMail(const BookingMailValues& values, const Money& refunded,
                                    std::string_view cancel_note);

// The reminder before the event (Bookings::SendReminders): `seats` tickets, and where it happens
// (`venue`, `online_url`: either may be empty).
struct ReminderPlace {
  std::string_view venue;
  std::string_view online_url;
};
spi::MailMessage BookingReminderMail(const BookingMailValues& values, std::int32_t seats,
                                     const ReminderPlace& place);

// What the mails about an organizer profile name: the organizer and the organisation.
struct OrganizerMailValues {
  std::string_view to;
  std::string_view product_name;
  std::string_view full_name;
  std::string_view organisation_name;
};

// Mailed when an admin verifies the organizer's profile (Events::VerifyOrganizer).
spi::MailMessage OrganizerVerifiedMail(const OrganizerMailValues& values);

// Mailed when an admin rejects it (Events::RejectOrganizer): `cause` says why in words, `note` is
// the admin's note (may be empty).
spi::MailMessage OrganizerRejectedMail(const OrganizerMailValues& values, std::string_view cause,
                                       std::string_view note);

// What the mails about an event's review name: its organizer and the event.
struct EventMailValues {
  std::string_view to;
  std::string_view product_name;
  std::string_view full_name;
  std::string_view event_title;
  Timestamp starts_at;  // shown in UTC, said so
};

// Mailed to the organizer when an admin approves the event (Events::ApproveEvent).
spi::MailMessage EventApprovedMail(const EventMailValues& values);

// Mailed to the organizer when an admin rejects it (Events::RejectEvent), `cause` and `note` as
// for OrganizerRejectedMail.
spi::MailMessage EventRejectedMail(const EventMailValues& values, std::string_view cause,
                                   std::string_view note);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace eventify::mail
