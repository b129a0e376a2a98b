// OutboxMailer: writes each message as an .eml file so a developer can read it without SMTP.
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "crypto/sodium.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/mailer.h"

namespace eventify::spi {
namespace {

namespace fs = std::filesystem;

// Header values must stay on one line: a CR or LF would let a value inject headers.
std::string OneLine(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  return out;
}

std::string SafeFilePart(std::string_view value) {
  std::string out;
  for (char c : value) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_' || c == '@';
    out.push_back(keep ? c : '_');
  }
  return out.substr(0, 100);
}

class OutboxMailer final : public Mailer {
 public:
  explicit OutboxMailer(std::string directory) : directory_(std::move(directory)) {}

  Status Send(const MailMessage& message) override {
    std::error_code ec;
    fs::create_directories(directory_, ec);
    if (ec) return Unavailable("outbox_unavailable", "cannot create the outbox directory");
    const Timestamp now = SystemClock().Now();
    // The sequence number keeps names unique and ordered when two mails share a microsecond.
    const std::string name =
        fmt::format("{:020}-{:06}-{}.eml", ToMicros(now), sequence_.fetch_add(1) % 1000000,
                    SafeFilePart(message.to));
    const fs::path final_path = fs::path(directory_) / name;
    const fs::path temp_path = fs::path(directory_) / (name + ".tmp");
    {
      std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
      out << "Date: " << FormatTimestamp(now) << "\r\n"
          << "From: Eventify <no-reply@eventify.invalid>\r\n"
          << "To: " << OneLine(message.to) << "\r\n"
          << "Subject: " << OneLine(message.subject) << "\r\n"
          << "Message-ID: <" << crypto::HexEncode(crypto::RandomBytes(12))
          << "@eventify.invalid>\r\n"
          << "MIME-Version: 1.0\r\n"
          << "Content-Type: text/plain; charset=utf-8\r\n"
          << "\r\n"
          << message.text;
      if (!message.text.empty() && message.text.back() != '\n') out << "\r\n";
      out.flush();
      if (!out) return Unavailable("outbox_unavailable", "cannot write to the outbox");
    }
    // Rename last, so a reader polling the folder never sees a half-written message.
    fs::rename(temp_path, final_path, ec);
    if (ec) return Unavailable("outbox_unavailable", "cannot write to the outbox");
    return Status::Ok();
  }

 private:
  const std::string directory_;
  std::atomic<std::uint64_t> sequence_{0};
};

}  // namespace

std::shared_ptr<Mailer> MakeOutboxMailer(std::string directory) {
  return std::make_shared<OutboxMailer>(std::move(directory));
}

}  // namespace eventify::spi
