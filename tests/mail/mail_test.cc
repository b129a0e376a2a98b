// The bytes of e-mails: MIME building (exact bytes), header encoding, quoted-printable, the
// templates and their HTML escaping, and the outbox mailer writing what SMTP would send.
#define BOOST_TEST_MODULE mail
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eventify/spi/mailer.h"
#include "eventify/types.h"
#include "mail/mime.h"
#include "mail/templates.h"
#include "support/mail_reader.h"

namespace {

namespace fs = std::filesystem;
using namespace eventify;

mail::Envelope FixedEnvelope() {
  return {"Eventify <no-reply@example.com>", FromMicros(1'800'000'000'000'000), "<abc@example.com>",
          "=_boundary"};
}

mail::CodeMailValues CodeValues() {
  return {"ada@example.com", "Eventify", "Ada <b>\"Lovelace\" & 'Co'", "123456", 10};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mime)

BOOST_AUTO_TEST_CASE(a_text_only_message_is_one_quoted_printable_part) {
  auto built = mail::BuildMessage({"ada@example.com", "Hello", "Line one\nLine = two\n", {}},
                                  FixedEnvelope());
  BOOST_REQUIRE(built.ok());
  BOOST_TEST(*built ==
             "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"
             "From: Eventify <no-reply@example.com>\r\n"
             "To: ada@example.com\r\n"
             "Subject: Hello\r\n"
             "Message-ID: <abc@example.com>\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n"
             "\r\n"
             "Line one\r\n"
             "Line =3D two\r\n");
}

BOOST_AUTO_TEST_CASE(an_html_message_is_multipart_alternative_text_first) {
  auto built = mail::BuildMessage(
      {"ada@example.com", "Café ☕ tickets", "Code 123456\n", "<p>Code 123456</p>\n"},
      FixedEnvelope());
  BOOST_REQUIRE(built.ok());
  BOOST_TEST(*built ==
             "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"
             "From: Eventify <no-reply@example.com>\r\n"
             "To: ada@example.com\r\n"
             "Subject: =?UTF-8?B?Q2Fmw6kg4piVIHRpY2tldHM=?=\r\n"
             "Message-ID: <abc@example.com>\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: multipart/alternative; boundary=\"=_boundary\"\r\n"
             "\r\n"
             "--=_boundary\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n"
             "\r\n"
             "Code 123456\r\n"
             "\r\n"
             "--=_boundary\r\n"
             "Content-Type: text/html; charset=utf-8\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n"
             "\r\n"
             "<p>Code 123456</p>\r\n"
             "\r\n"
             "--=_boundary--\r\n");
  const auto parsed = testing::ParseMail(*built);
  BOOST_REQUIRE(parsed.parts.size() == 2u);
  BOOST_TEST(parsed.parts[0].body == "Code 123456\r\n");
  BOOST_TEST(parsed.parts[1].body == "<p>Code 123456</p>\r\n");
}

BOOST_AUTO_TEST_CASE(line_breaks_in_the_recipient_or_subject_are_refused) {
  for (const spi::MailMessage& message :
       {spi::MailMessage{"ada@example.com\r\nBcc: eve@example.com", "Hi", "x", {}},
        spi::MailMessage{"ada@example.com", "Hi\nBcc: eve@example.com", "x", {}},
        spi::MailMessage{"ada@example.com", "Hi\rthere", "x", {}},
        spi::MailMessage{"", "Hi", "x", {}},
        spi::MailMessage{"ada@example.com, eve@example.com", "Hi", "x", {}},
        spi::MailMessage{"<ada@example.com>", "Hi", "x", {}},
        spi::MailMessage{"no-at-sign", "Hi", "x", {}}}) {
    auto built = mail::BuildMessage(message, FixedEnvelope());
    BOOST_TEST((built.status().code() == StatusCode::kInvalidArgument));
    BOOST_TEST(built.status().reason() == "invalid_mail_message");
    BOOST_TEST(built.status().field() == (message.subject == "Hi" ? "to" : "subject"));
  }
}

BOOST_AUTO_TEST_CASE(a_bad_from_is_refused) {
  mail::Envelope envelope = FixedEnvelope();
  envelope.from = "Eve <eve@example.com>\r\nBcc: all@example.com";
  auto built = mail::BuildMessage({"ada@example.com", "Hi", "x", {}}, envelope);
  BOOST_TEST(built.status().reason() == "invalid_mail_from");
  BOOST_TEST(spi::CheckMailFrom("Eventify <no-reply@example.com>").ok());
  BOOST_TEST(spi::CheckMailFrom("no-reply").reason() == "invalid_mail_from");
}

BOOST_AUTO_TEST_CASE(dates_are_rfc_5322_in_utc) {
  BOOST_TEST(mail::FormatMailDate(FromMicros(0)) == "Thu, 01 Jan 1970 00:00:00 +0000");
  BOOST_TEST(mail::FormatMailDate(FromMicros(1'709'251'199'999'999)) ==
             "Thu, 29 Feb 2024 23:59:59 +0000");
}

BOOST_AUTO_TEST_CASE(header_text_is_encoded_only_when_it_must_be) {
  BOOST_TEST(mail::EncodeHeaderText("Plain ASCII: verify") == "Plain ASCII: verify");
  BOOST_TEST(mail::EncodeHeaderText("=?x?=") == "=?UTF-8?B?PT94Pz0=?=");
  BOOST_TEST(mail::EncodeHeaderText("tab\there") == "=?UTF-8?B?dGFiCWhlcmU=?=");
  // 30 two-byte characters: 44 bytes in the first word (never half a character), 16 in the next.
  std::string accents;
  for (int i = 0; i < 30; ++i) accents += "é";
  BOOST_TEST(mail::EncodeHeaderText(accents) ==
             "=?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=\r\n"
             " =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqQ==?=");
}

BOOST_AUTO_TEST_CASE(quoted_printable_encodes_what_it_must_and_keeps_lines_short) {
  BOOST_TEST(mail::QuotedPrintable("Grüße — tickets = 5 \n") ==
             "Gr=C3=BC=C3=9Fe =E2=80=94 tickets =3D 5=20\r\n");
  BOOST_TEST(mail::QuotedPrintable("a\r\nb\tc\t") == "a\r\nb\tc=09");
  BOOST_TEST(mail::QuotedPrintable(".\nFrom x") == ".\r\nFrom x");
  const std::string encoded = mail::QuotedPrintable(std::string(100, 'x') + "é");
  BOOST_TEST(encoded == std::string(75, 'x') + "=\r\n" + std::string(25, 'x') + "=C3=A9");
  BOOST_TEST(testing::DecodeQuotedPrintable(encoded) == std::string(100, 'x') + "é");
}

BOOST_AUTO_TEST_CASE(from_values_give_the_envelope_address) {
  BOOST_TEST(*mail::FromAddress("Eventify <no-reply@example.com>") == "no-reply@example.com");
  BOOST_TEST(*mail::FromAddress("no-reply@example.com") == "no-reply@example.com");
  for (const char* bad : {"no at sign", "Name <a@b.c> trailing", "a@b@c", "<@b.c>", "Name <a@b.c",
                          "Ünïcode <a@b.c>", "a@b.c\r\nBcc: x@y.z"}) {
    BOOST_TEST(mail::FromAddress(bad).status().reason() == "invalid_mail_from", bad);
  }
  BOOST_TEST(mail::MessageIdDomain("Eventify <no-reply@mail.example.com>") == "mail.example.com");
}

BOOST_AUTO_TEST_CASE(fresh_envelopes_differ_and_boundaries_hold_no_digits) {
  const auto a = mail::NewEnvelope("x@example.com", FromMicros(0));
  const auto b = mail::NewEnvelope("x@example.com", FromMicros(0));
  BOOST_TEST(a.message_id != b.message_id);
  BOOST_TEST(a.boundary != b.boundary);
  BOOST_TEST(a.message_id.ends_with("@example.com>"));
  BOOST_TEST(a.boundary.find_first_of("0123456789") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(templates)

BOOST_AUTO_TEST_CASE(html_escape_covers_the_five_characters) {
  BOOST_TEST(mail::HtmlEscape("<a href=\"x\">Tom & 'Jerry'</a>") ==
             "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
}

BOOST_AUTO_TEST_CASE(the_verification_mail_fills_both_parts_and_escapes_the_name_in_html) {
  const spi::MailMessage mail = mail::VerificationCodeMail(CodeValues());
  BOOST_TEST(mail.to == "ada@example.com");
  BOOST_TEST(mail.subject == "Eventify: verify your e-mail address");
  BOOST_TEST(mail.text ==
             "Hello Ada <b>\"Lovelace\" & 'Co',\n\nyour verification code is 123456\n\nIt expires "
             "in 10 minutes. If you did not register, ignore this message.\n");
  BOOST_REQUIRE(mail.html.has_value());
  BOOST_TEST(*mail.html ==
             "<!DOCTYPE html>\n"
             "<html>\n"
             "<head><meta charset=\"utf-8\"><title>Eventify: verify your e-mail address</title>"
             "</head>\n"
             "<body>\n"
             "<p>Hello Ada &lt;b&gt;&quot;Lovelace&quot; &amp; &#39;Co&#39;,</p>\n"
             "<p>your verification code is <strong>123456</strong></p>\n"
             "<p>It expires in 10 minutes. If you did not register, ignore this message.</p>\n"
             "</body>\n"
             "</html>\n");
}

BOOST_AUTO_TEST_CASE(the_reset_mail_escapes_the_product_name_in_html) {
  mail::CodeMailValues values = CodeValues();
  values.product_name = "<Events>";
  const spi::MailMessage mail = mail::PasswordResetCodeMail(values);
  BOOST_TEST(mail.subject == "<Events>: password reset code");
  BOOST_TEST(mail.text.find("your password reset code is 123456\n") != std::string::npos);
  BOOST_TEST(mail.text.find("signs you out everywhere") != std::string::npos);
  BOOST_TEST(mail.html->find("<title>&lt;Events&gt;: password reset code</title>") !=
             std::string::npos);
  BOOST_TEST(mail.html->find("<strong>123456</strong>") != std::string::npos);
  BOOST_TEST(mail.html->find("<b>") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_booking_confirmation_lists_every_code_and_escapes_the_title) {
  const std::vector<std::string> codes = {"t1.a.sig1", "t1.b.sig2"};
  // 2027-01-15 08:00:00 UTC
  const mail::BookingMailValues values{"ada@example.com", "Eventify", "Ada", "Rock & <Roll>",
                                       FromMicros(1'800'000'000'000'000), "b-1"};
  const spi::MailMessage mail = mail::BookingConfirmationMail(values, codes);
  BOOST_TEST(mail.to == "ada@example.com");
  BOOST_TEST(mail.subject == "Eventify: your tickets for Rock & <Roll>");
  BOOST_TEST(mail.text ==
             "Hello Ada,\n\nyour booking b-1 is confirmed: 2 tickets for Rock & <Roll>, starting "
             "2027-01-15 08:00 UTC.\n\n  Ticket 1: t1.a.sig1\n  Ticket 2: t1.b.sig2\n\nShow a "
             "ticket's code (or its QR code) at the door; each admits one person once.\n");
  BOOST_REQUIRE(mail.html.has_value());
  BOOST_TEST(*mail.html ==
             "<!DOCTYPE html>\n"
             "<html>\n"
             "<head><meta charset=\"utf-8\"><title>Eventify: your tickets for Rock &amp; "
             "&lt;Roll&gt;</title></head>\n"
             "<body>\n"
             "<p>Hello Ada,</p>\n"
             "<p>your booking b-1 is confirmed: 2 tickets for <strong>Rock &amp; &lt;Roll&gt;"
             "</strong>, starting 2027-01-15 08:00 UTC.</p>\n"
             "<ul>\n<li>Ticket 1: <code>t1.a.sig1</code></li>\n"
             "<li>Ticket 2: <code>t1.b.sig2</code></li>\n</ul>\n"
             "<p>Show a ticket's code (or its QR code) at the door; each admits one person "
             "once.</p>\n"
             "</body>\n"
             "</html>\n");
}

BOOST_AUTO_TEST_CASE(the_cancellation_says_what_was_refunded) {
  const mail::BookingMailValues values{"ada@example.com", "Eventify", "Ada", "Talk \"A\"",
                                       FromMicros(1'800'000'000'000'000), "b-1"};
  const spi::MailMessage paid = mail::BookingCancellationMail(values, Money{1250, "INR"});
  BOOST_TEST(paid.subject == "Eventify: booking cancelled for Talk \"A\"");
  BOOST_TEST(paid.text ==
             "Hello Ada,\n\nyour booking b-1 for Talk \"A\", starting 2027-01-15 08:00 UTC, is "
             "cancelled: its tickets no longer admit.\n\nINR 12.50 was refunded to your "
             "wallet.\n");
  BOOST_TEST(paid.html->find("<strong>Talk &quot;A&quot;</strong>") != std::string::npos);
  BOOST_TEST(paid.html->find("<p>INR 12.50 was refunded to your wallet.</p>") !=
             std::string::npos);
  const spi::MailMessage free = mail::BookingCancellationMail(values, Money{0, "INR"});
  BOOST_TEST(free.text.find("Nothing was charged, so nothing is refunded.") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_waitlist_offer_says_what_is_held_and_until_when) {
  const mail::BookingMailValues values{"ada@example.com", "Eventify", "Ada", "Talk \"A\"",
                                       FromMicros(1'800'000'000'000'000), "b-1"};
  const Timestamp until = FromMicros(1'799'000'000'000'000);  // 2027-01-03 18:13:20 UTC
  const spi::MailMessage two = mail::WaitlistOfferMail(values, 2, Money{1250, "INR"}, until);
  BOOST_TEST(two.to == "ada@example.com");
  BOOST_TEST(two.subject == "Eventify: seats for Talk \"A\" are waiting for you");
  BOOST_TEST(two.text ==
             "Hello Ada,\n\nseats came back for Talk \"A\", starting 2027-01-15 08:00 UTC, and you "
             "were next in line: 2 seats are held for you as booking b-1.\n\nPay INR 12.50 from "
             "your wallet before 2027-01-03 18:13 UTC; after that they go to the next in line.\n");
  BOOST_TEST(two.html->find("<strong>Talk &quot;A&quot;</strong>") != std::string::npos);
  BOOST_TEST(two.html->find("<p>Pay INR 12.50 from your wallet before 2027-01-03 18:13 UTC; "
                            "after that they go to the next in line.</p>") != std::string::npos);
  const spi::MailMessage free = mail::WaitlistOfferMail(values, 1, Money{0, "INR"}, until);
  BOOST_TEST(free.text.find("1 seat is held for you") != std::string::npos);
  BOOST_TEST(free.text.find("Confirm it (the event is free) before") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(review_mails_escape_the_organisation_the_cause_and_the_note) {
  const mail::OrganizerMailValues values{"ada@example.com", "Eventify", "Ada", "Ada & <Co>"};
  const spi::MailMessage mail =
      mail::OrganizerRejectedMail(values, "its contact could not be verified", "Call <b>us</b>");
  BOOST_TEST(mail.subject == "Eventify: your organizer profile was not verified");
  BOOST_TEST(mail.text ==
             "Hello Ada,\n\nyour organizer profile for Ada & <Co> was not verified: its contact "
             "could not be verified.\n\nThe reviewer's note: Call <b>us</b>\n\nYou may correct "
             "your profile and submit it again.\n");
  BOOST_TEST(*mail.html ==
             "<!DOCTYPE html>\n"
             "<html>\n"
             "<head><meta charset=\"utf-8\"><title>Eventify: your organizer profile was not "
             "verified</title></head>\n"
             "<body>\n"
             "<p>Hello Ada,</p>\n"
             "<p>your organizer profile for <strong>Ada &amp; &lt;Co&gt;</strong> was not "
             "verified: its contact could not be verified.</p>\n"
             "<p>The reviewer&#39;s note: Call &lt;b&gt;us&lt;/b&gt;</p>\n"
             "<p>You may correct your profile and submit it again.</p>\n"
             "</body>\n"
             "</html>\n");
  const spi::MailMessage bare = mail::OrganizerRejectedMail(values, "the profile is incomplete", "");
  BOOST_TEST(bare.text.find("note") == std::string::npos);  // no note, no paragraph
}

BOOST_AUTO_TEST_CASE(the_reminder_names_the_place_and_escapes_it) {
  const mail::BookingMailValues values{"ada@example.com", "Eventify", "Ada", "Talk <1>",
                                       FromMicros(1'800'000'000'000'000), "b-1"};
  const spi::MailMessage online =
      mail::BookingReminderMail(values, 1, {"", "https://meet.example/a?b=1&c=2"});
  BOOST_TEST(online.subject == "Eventify: reminder, Talk <1> starts 2027-01-15 08:00 UTC");
  BOOST_TEST(online.text ==
             "Hello Ada,\n\na reminder: Talk <1> starts 2027-01-15 08:00 UTC.\n\nOnline: "
             "https://meet.example/a?b=1&c=2\n\nYour booking b-1 holds 1 ticket. Show each "
             "ticket's code (in your confirmation mail and under your bookings) at the door.\n");
  BOOST_TEST(online.html->find("<p>Online: https://meet.example/a?b=1&amp;c=2</p>") !=
             std::string::npos);
  BOOST_TEST(online.html->find("<strong>Talk &lt;1&gt;</strong>") != std::string::npos);
  const spi::MailMessage cancelled =
      mail::EventCancelledMail(values, Money{1250, "INR"}, "Storm <warning>");
  BOOST_TEST(cancelled.subject == "Eventify: Talk <1> is cancelled");
  BOOST_TEST(cancelled.html->find("<p>The reason given: Storm &lt;warning&gt;</p>") !=
             std::string::npos);
  BOOST_TEST(cancelled.text.find("INR 12.50 was refunded to your wallet.") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(outbox)

BOOST_AUTO_TEST_CASE(writes_the_multipart_message_smtp_would_send) {
  const fs::path dir = fs::temp_directory_path() / ("eventify-mail-test-" + NewId(FromMicros(0)));
  auto mailer = spi::MakeOutboxMailer(dir.string(), "Events <events@example.com>");
  BOOST_REQUIRE(mailer->Send(mail::VerificationCodeMail(CodeValues())).ok());
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  BOOST_REQUIRE(files.size() == 1u);
  std::ifstream in(files[0], std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const auto parsed = testing::ParseMail(bytes.str());
  BOOST_TEST(parsed.headers.at("From") == "Events <events@example.com>");
  BOOST_TEST(parsed.headers.at("To") == "ada@example.com");
  BOOST_TEST(parsed.headers.at("MIME-Version") == "1.0");
  BOOST_TEST(parsed.headers.at("Message-ID").ends_with("@example.com>"));
  BOOST_TEST(parsed.headers.at("Content-Type").starts_with("multipart/alternative; boundary="));
  BOOST_REQUIRE(parsed.parts.size() == 2u);
  BOOST_TEST(parsed.parts[0].headers.at("Content-Type") == "text/plain; charset=utf-8");
  BOOST_TEST(parsed.parts[1].headers.at("Content-Type") == "text/html; charset=utf-8");
  BOOST_TEST(parsed.parts[0].body.find("Hello Ada <b>\"Lovelace\" & 'Co',") != std::string::npos);
  BOOST_TEST(parsed.parts[1].body.find("Hello Ada &lt;b&gt;&quot;Lovelace&quot; &amp; "
                                       "&#39;Co&#39;,") != std::string::npos);
  BOOST_TEST(mailer->Send({"ada@example.com", "Hi\r\nBcc: eve@example.com", "x", {}}).reason() ==
             "invalid_mail_message");
  BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
