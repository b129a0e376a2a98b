// Reading the e-mails the tests receive: parsing a message (headers, MIME parts, quoted-printable)
// and waiting for one in the folder of the SMTP sink (support/with-smtp-sink.sh).
//
// Thread-safety: plain functions; a MailFolder is used from one thread.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace eventify::testing {

struct MailPart {
  std::map<std::string, std::string> headers;  // names as written; values unfolded
  std::string body;                            // quoted-printable decoded, CRLF kept
};

struct ReceivedMail {
  std::string raw;
  std::map<std::string, std::string> headers;
  // The parts of a multipart message in order, or the one body of a single-part message.
  std::vector<MailPart> parts;
  std::string envelope_from;  // MAIL FROM, when read from the sink
  std::vector<std::string> envelope_to;
};

// Splits CRLF-terminated headers from the body and the body into MIME parts at the boundary of a
// multipart Content-Type. Throws std::runtime_error on a malformed message.
ReceivedMail ParseMail(std::string raw);

std::string DecodeQuotedPrintable(std::string_view text);

// The sink that support/with-smtp-sink.sh started, from its environment variables.
struct SmtpSink {
  int port = 0;           // plain SMTP
  int starttls_port = 0;  // SMTP that requires STARTTLS
  int smtps_port = 0;     // implicit TLS
  int late_port = 0;      // plain SMTP, refusing connections until OpenLatePort()
  std::filesystem::path late_trigger;
  std::string ca_file;    // the sink's self-signed certificate, for 127.0.0.1
  std::filesystem::path dir;
  std::string user;
  std::string password;
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port); }
  std::string starttls_url() const { return "smtp://127.0.0.1:" + std::to_string(starttls_port); }
  std::string smtps_url() const { return "smtps://127.0.0.1:" + std::to_string(smtps_port); }
  std::string late_url() const { return "smtp://127.0.0.1:" + std::to_string(late_port); }
  // Brings the late port up (the sink looks for the trigger file every 50 ms); once only.
  void OpenLatePort() const;
};
// Throws std::runtime_error when the test is not run under with-smtp-sink.sh.
SmtpSink SmtpSinkFromEnvironment();

// Waits up to ten seconds for a message to `to` in the sink's folder that is not in `seen`, marks
// it seen and returns it with its envelope. Throws std::runtime_error when none comes.
ReceivedMail WaitForMail(const std::filesystem::path& dir, const std::string& to,
                         std::set<std::string>& seen);

}  // namespace eventify::testing
