// OutboxMailer: writes each message as an .eml file so a developer can read it without SMTP; the
// bytes come from mail/mime.h, as the SMTP mailer's do.
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/status_macros.h"
#include "eventify/spi/clock.h"
#include "eventify/spi/mailer.h"
#include "mail/mime.h"

namespace eventify::spi {
namespace {

namespace fs = std::filesystem;

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
  OutboxMailer(std::string directory, std::string from)
      : directory_(std::move(directory)), from_(std::move(from)) {}

  Status Send(const MailMessage& message) override {
    const Timestamp now = SystemClock().Now();
    EV_ASSIGN_OR_RETURN(const std::string bytes,
                        mail::BuildMessage(message, mail::NewEnvelope(from_, now)));
    std::error_code ec;
    fs::create_directories(directory_, ec);
    if (ec) return Unavailable("outbox_unavailable", "cannot create the outbox directory");
    // The sequence number keeps names unique and ordered when two mails share a microsecond.
    const std::string name =
        fmt::format("{:020}-{:06}-{}.eml", ToMicros(now), sequence_.fetch_add(1) % 1000000,
                    SafeFilePart(message.to));
    const fs::path final_path = fs::path(directory_) / name;
    const fs::path temp_path = fs::path(directory_) / (name + ".tmp");
    {
      std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
      out << bytes;
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
  const std::string from_;
  std::atomic<std::uint64_t> sequence_{0};
};

}  // namespace

std::shared_ptr<Mailer> MakeOutboxMailer(std::string directory, std::string from) {
  return std::make_shared<OutboxMailer>(std::move(directory), std::move(from));
}

}  // namespace eventify::spi
