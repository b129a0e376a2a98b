// The SMTP mailer (eventify::smtp) against a local SMTP sink on loopback (run under
// support/with-smtp-sink.sh): what arrives, byte for byte where it matters; and each failure
// (refused, silent, wrong credentials, refused recipient, no STARTTLS) with its own reason, in
// time.
#define BOOST_TEST_MODULE smtp_mailer
#include "eventify/backends/smtp_mailer.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "mail/templates.h"
#include "support/loopback_socket.h"
#include "support/mail_reader.h"

namespace {

using namespace eventify;
using std::chrono::milliseconds;
using std::chrono::seconds;

const testing::SmtpSink& Sink() {
  static const testing::SmtpSink sink = testing::SmtpSinkFromEnvironment();
  return sink;
}

spi::SmtpMailerOptions SinkOptions() {
  spi::SmtpMailerOptions options;
  options.url = Sink().url();
  options.username = Sink().user;
  options.password = Sink().password;
  options.starttls = spi::StartTls::kOff;
  options.from = "Eventify Tests <tests@example.com>";
  options.connect_timeout = seconds(5);
  options.timeout = seconds(10);
  return options;
}

std::shared_ptr<spi::Mailer> Make(const spi::SmtpMailerOptions& options) {
  auto mailer = spi::MakeSmtpMailer(options);
  BOOST_REQUIRE_MESSAGE(mailer.ok(), mailer.status().ToString());
  return *mailer;
}

// Sends one message and checks the failure: kUnavailable, the reason, and that it came in time.
void ExpectFailure(const spi::SmtpMailerOptions& options, const std::string& to,
                   const std::string& reason, seconds within) {
  auto mailer = Make(options);
  const auto start = std::chrono::steady_clock::now();
  const Status sent = mailer->Send({to, "Hello", "Body\n", {}});
  const auto took = std::chrono::steady_clock::now() - start;
  BOOST_TEST((sent.code() == StatusCode::kUnavailable));
  BOOST_TEST(sent.reason() == reason);
  BOOST_TEST(sent.message().find(options.url) != std::string::npos, sent.message());
  BOOST_TEST(sent.message().find(Sink().password) == std::string::npos);
  BOOST_TEST((took < within));
}

}  // namespace

BOOST_AUTO_TEST_CASE(delivers_a_multipart_message_as_built) {
  auto mailer = Make(SinkOptions());
  const spi::MailMessage message = mail::VerificationCodeMail(
      {"ada@example.com", "Eventify", "Ada <b>Lovelace</b>", "654321", 10});
  BOOST_REQUIRE(mailer->Send(message).ok());

  std::set<std::string> seen;
  const auto got = testing::WaitForMail(Sink().dir, "ada@example.com", seen);
  BOOST_TEST(got.envelope_from == "tests@example.com");
  BOOST_TEST((got.envelope_to == std::vector<std::string>{"ada@example.com"}));
  BOOST_TEST(got.headers.at("From") == "Eventify Tests <tests@example.com>");
  BOOST_TEST(got.headers.at("To") == "ada@example.com");
  BOOST_TEST(got.headers.at("Subject") == "Eventify: verify your e-mail address");
  BOOST_TEST(got.headers.at("MIME-Version") == "1.0");
  BOOST_TEST(got.headers.at("Message-ID").ends_with("@example.com>"));
  BOOST_TEST(got.headers.at("Date").ends_with(" +0000"));
  BOOST_TEST(got.headers.at("Content-Type").starts_with("multipart/alternative; boundary=\"=_"));
  BOOST_REQUIRE(got.parts.size() == 2u);
  BOOST_TEST(got.parts[0].headers.at("Content-Type") == "text/plain; charset=utf-8");
  BOOST_TEST(got.parts[1].headers.at("Content-Type") == "text/html; charset=utf-8");
  // What arrived decodes to exactly the template's bodies, with CRLF line endings.
  auto crlf = [](const std::string& text) {
    std::string out;
    for (char c : text) c == '\n' ? out += "\r\n" : out += c;
    return out;
  };
  BOOST_TEST(got.parts[0].body == crlf(message.text));
  BOOST_TEST(got.parts[1].body == crlf(*message.html));
  BOOST_TEST(got.parts[1].body.find("Hello Ada &lt;b&gt;Lovelace&lt;/b&gt;,") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lines_starting_with_a_dot_and_non_ascii_subjects_arrive_intact) {
  auto mailer = Make(SinkOptions());
  BOOST_REQUIRE(mailer->Send({"dots@example.com", "Grüße ☕", ".\n..two dots\n.", {}}).ok());
  std::set<std::string> seen;
  const auto got = testing::WaitForMail(Sink().dir, "dots@example.com", seen);
  BOOST_TEST(got.headers.at("Subject") == "=?UTF-8?B?R3LDvMOfZSDimJU=?=");
  BOOST_REQUIRE(got.parts.size() == 1u);
  BOOST_TEST(got.parts[0].body == ".\r\n..two dots\r\n.\r\n");
}

BOOST_AUTO_TEST_CASE(concurrent_sends_each_arrive_once) {
  auto mailer = Make(SinkOptions());
  std::vector<std::thread> threads;
  std::vector<Status> results(6);
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = mailer->Send({"many@example.com", "Message " + std::to_string(i), "Body\n", {}});
    });
  }
  for (auto& thread : threads) thread.join();
  for (const Status& result : results) BOOST_TEST(result.ok(), result.ToString());
  std::set<std::string> seen;
  std::set<std::string> subjects;
  for (std::size_t i = 0; i < results.size(); ++i) {
    subjects.insert(
        testing::WaitForMail(Sink().dir, "many@example.com", seen).headers.at("Subject"));
  }
  BOOST_TEST(subjects.size() == results.size());
}

BOOST_AUTO_TEST_CASE(a_header_injection_is_refused_before_connecting) {
  auto mailer = Make(SinkOptions());
  const Status sent = mailer->Send({"eve@example.com\r\nBcc: all@example.com", "Hi", "x", {}});
  BOOST_TEST((sent.code() == StatusCode::kInvalidArgument));
  BOOST_TEST(sent.reason() == "invalid_mail_message");
  BOOST_TEST(sent.field() == "to");
}

BOOST_AUTO_TEST_CASE(a_refusing_server_is_unavailable_with_its_reason) {
  testing::LoopbackSocket closed(/*listening=*/false);
  spi::SmtpMailerOptions options = SinkOptions();
  options.url = closed.url();
  ExpectFailure(options, "ada@example.com", "smtp_connection_refused", seconds(5));
}

BOOST_AUTO_TEST_CASE(a_silent_server_times_out_within_the_configured_timeout) {
  testing::LoopbackSocket silent(/*listening=*/true);
  spi::SmtpMailerOptions options = SinkOptions();
  options.url = silent.url();
  options.connect_timeout = milliseconds(500);
  options.timeout = seconds(1);
  ExpectFailure(options, "ada@example.com", "smtp_timeout", seconds(5));
}

BOOST_AUTO_TEST_CASE(wrong_or_missing_credentials_are_an_auth_failure) {
  spi::SmtpMailerOptions options = SinkOptions();
  options.password = "not-the-password";
  ExpectFailure(options, "ada@example.com", "smtp_auth_failed", seconds(10));
  options.username.clear();
  options.password.clear();
  ExpectFailure(options, "ada@example.com", "smtp_auth_failed", seconds(10));
}

BOOST_AUTO_TEST_CASE(a_refused_recipient_has_its_own_reason) {
  ExpectFailure(SinkOptions(), "rejected@example.com", "smtp_recipient_rejected", seconds(10));
}

BOOST_AUTO_TEST_CASE(required_starttls_that_the_server_does_not_offer_sends_nothing) {
  spi::SmtpMailerOptions options = SinkOptions();
  options.starttls = spi::StartTls::kRequired;
  ExpectFailure(options, "tls@example.com", "smtp_tls_failed", seconds(10));
  options.starttls = spi::StartTls::kOpportunistic;
  BOOST_REQUIRE(Make(options)->Send({"tls@example.com", "Clear", "Body\n", {}}).ok());
  std::set<std::string> seen;
  BOOST_TEST(testing::WaitForMail(Sink().dir, "tls@example.com", seen).headers.at("Subject") ==
             "Clear");
}

BOOST_AUTO_TEST_CASE(starttls_upgrades_before_logging_in_and_sending) {
  spi::SmtpMailerOptions options = SinkOptions();
  options.url = Sink().starttls_url();
  options.ca_file = Sink().ca_file;
  std::set<std::string> seen;
  for (spi::StartTls mode : {spi::StartTls::kRequired, spi::StartTls::kOpportunistic}) {
    options.starttls = mode;
    BOOST_REQUIRE(Make(options)->Send({"starttls@example.com", "Upgraded", "Body\n", {}}).ok());
    BOOST_TEST(
        testing::WaitForMail(Sink().dir, "starttls@example.com", seen).headers.at("Subject") ==
        "Upgraded");
  }
  // A server that insists on STARTTLS does not take the login in clear.
  options.starttls = spi::StartTls::kOff;
  ExpectFailure(options, "starttls@example.com", "smtp_auth_failed", seconds(10));
}

BOOST_AUTO_TEST_CASE(smtps_sends_over_implicit_tls_to_a_trusted_certificate_only) {
  spi::SmtpMailerOptions options = SinkOptions();
  options.url = Sink().smtps_url();
  options.ca_file = Sink().ca_file;
  BOOST_REQUIRE(Make(options)->Send({"smtps@example.com", "Implicit", "Body\n", {}}).ok());
  std::set<std::string> seen;
  BOOST_TEST(testing::WaitForMail(Sink().dir, "smtps@example.com", seen).headers.at("Subject") ==
             "Implicit");
  // The system store does not trust the sink's self-signed certificate.
  options.ca_file.clear();
  ExpectFailure(options, "smtps@example.com", "smtp_tls_failed", seconds(10));
}

BOOST_AUTO_TEST_CASE(bad_options_are_refused_naming_the_field) {
  struct Case {
    std::string url;
    std::string from;
    milliseconds connect_timeout;
    std::string reason;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"http://mail.example.com", "a@b.c", seconds(1), "invalid_smtp_url", "url"},
      {"smtp://", "a@b.c", seconds(1), "invalid_smtp_url", "url"},
      {"smtp://user:secret@mail.example.com", "a@b.c", seconds(1), "invalid_smtp_url", "url"},
      {"smtp://mail.example.com/path", "a@b.c", seconds(1), "invalid_smtp_url", "url"},
      {"smtp://mail.example.com:99999", "a@b.c", seconds(1), "invalid_smtp_url", "url"},
      {"smtps://mail.example.com", "not an address", seconds(1), "invalid_mail_from", "from"},
      {"smtps://mail.example.com", "a@b.c", seconds(0), "invalid_smtp_timeout", "timeout"},
      {"smtps://mail.example.com", "a@b.c", seconds(60), "invalid_smtp_timeout", "timeout"},
  };
  for (const Case& c : cases) {
    spi::SmtpMailerOptions options;
    options.url = c.url;
    options.from = c.from;
    options.connect_timeout = c.connect_timeout;
    auto mailer = spi::MakeSmtpMailer(options);
    BOOST_TEST((mailer.status().code() == StatusCode::kInvalidArgument), c.url);
    BOOST_TEST(mailer.status().reason() == c.reason, c.url);
    BOOST_TEST(mailer.status().field() == c.field, c.url);
  }
  spi::SmtpMailerOptions good;
  good.url = "smtps://mail.example.com:465";
  BOOST_TEST(spi::MakeSmtpMailer(good).ok());
}
