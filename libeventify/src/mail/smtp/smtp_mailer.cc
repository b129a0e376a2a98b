// SmtpMailer: spi::Mailer over SMTP with libcurl, one easy handle per Send(). The only file that
// includes curl; the message bytes come from mail/mime.h, as the outbox mailer's do.
#include "eventify/backends/smtp_mailer.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>

#include "core/status_macros.h"
#include "eventify/spi/clock.h"
#include "mail/mime.h"

namespace eventify::spi {
namespace {

// curl_global_init is not thread-safe against itself; once per process, never undone (the
// process may still send from other threads while static destructors run).
Status InitCurlOnce() {
  static const CURLcode initialised = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (initialised == CURLE_OK) return Status::Ok();
  return Unavailable("smtp_failed",
                     fmt::format("cannot initialise libcurl: {}", curl_easy_strerror(initialised)));
}

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
  void operator()(char* text) const { curl_free(text); }
};
template <typename T>
using CurlPtr = std::unique_ptr<T, CurlDeleter>;

Status InvalidUrl(std::string_view why) {
  return InvalidArgument("invalid_smtp_url",
                         fmt::format("the SMTP URL must be smtp://host[:port] or "
                                     "smtps://host[:port]: {}",
                                     why),
                         "url");
}

// Lets curl parse the URL, so that what is accepted here is what curl will connect to.
Status CheckUrl(const std::string& url) {
  CurlPtr<CURLU> parsed(curl_url());
  if (!parsed) return Unavailable("smtp_failed", "out of memory");
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return InvalidUrl("it does not parse");
  }
  auto part = [&](CURLUPart which) {
    char* raw = nullptr;
    if (curl_url_get(parsed.get(), which, &raw, 0) != CURLUE_OK) return std::string();
    CurlPtr<char> owned(raw);
    return std::string(raw);
  };
  const std::string scheme = part(CURLUPART_SCHEME);
  if (scheme != "smtp" && scheme != "smtps") return InvalidUrl("unknown scheme");
  if (part(CURLUPART_HOST).empty()) return InvalidUrl("no host");
  if (!part(CURLUPART_USER).empty() || !part(CURLUPART_PASSWORD).empty()) {
    return InvalidUrl("credentials belong in the username and password settings");
  }
  if (!part(CURLUPART_QUERY).empty() || !part(CURLUPART_FRAGMENT).empty()) {
    return InvalidUrl("no query or fragment");
  }
  const std::string path = part(CURLUPART_PATH);
  if (path != "" && path != "/") return InvalidUrl("no path");
  return Status::Ok();
}

// The bytes of one message, handed to curl as it asks for them.
struct Upload {
  std::string_view bytes;

  static size_t Read(char* buffer, size_t size, size_t count, void* self) {
    auto& upload = *static_cast<Upload*>(self);
    const size_t n = std::min(size * count, upload.bytes.size());
    std::memcpy(buffer, upload.bytes.data(), n);
    upload.bytes.remove_prefix(n);
    return n;
  }
};

Status Failure(CURLcode code, long smtp_reply, const std::string& detail, const std::string& url) {
  const std::string what =
      fmt::format("{} ({})", detail.empty() ? curl_easy_strerror(code) : detail, url);
  auto fail = [&](const char* reason, std::string_view summary) {
    return Unavailable(reason, fmt::format("{}: {}", summary, what));
  };
  const bool mail_refused = detail.rfind("MAIL failed", 0) == 0;
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return fail("smtp_connection_refused", "the mail server refused the connection");
    case CURLE_COULDNT_RESOLVE_HOST:
      return fail("smtp_host_not_found", "the mail server's host name does not resolve");
    case CURLE_OPERATION_TIMEDOUT:
      return fail("smtp_timeout", "the mail server did not answer in time");
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return fail("smtp_tls_failed", "TLS with the mail server failed");
    case CURLE_LOGIN_DENIED:
      return fail("smtp_auth_failed", "the mail server refused the credentials");
    default:
      break;
  }
  // 530: authentication required, 535: credentials invalid (RFC 4954).
  if (mail_refused && (smtp_reply == 530 || smtp_reply == 535)) {
    return fail("smtp_auth_failed", "the mail server requires a login it did not get");
  }
  if (mail_refused) return fail("smtp_sender_rejected", "the mail server refused the sender");
  if (detail.rfind("RCPT failed", 0) == 0) {
    return fail("smtp_recipient_rejected", "the mail server refused the recipient");
  }
  return fail("smtp_failed", "sending through the mail server failed");
}

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(SmtpMailerOptions options, std::string envelope_from)
      : options_(std::move(options)), envelope_from_("<" + envelope_from + ">") {}

  Status Send(const MailMessage& message) override {
    EV_ASSIGN_OR_RETURN(
        const std::string bytes,
        mail::BuildMessage(message, mail::NewEnvelope(options_.from, SystemClock().Now())));
    CurlPtr<CURL> curl(curl_easy_init());
    const std::string recipient = "<" + message.to + ">";
    CurlPtr<curl_slist> recipients(curl_slist_append(nullptr, recipient.c_str()));
    if (!curl || !recipients) return Unavailable("smtp_failed", "out of memory");
    Upload upload{bytes};
    char detail[CURL_ERROR_SIZE] = {};
    CURL* h = curl.get();
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM: Send runs on many threads
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(h, CURLOPT_USE_SSL, UseSsl());
    if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.username.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str());
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, envelope_from_.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(bytes.size()));
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &Upload::Read);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    const CURLcode code = curl_easy_perform(h);
    if (code == CURLE_OK) return Status::Ok();
    long smtp_reply = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &smtp_reply);
    return Failure(code, smtp_reply, detail, options_.url);
  }

 private:
  long UseSsl() const {
    switch (options_.starttls) {
      case StartTls::kRequired:
        return CURLUSESSL_ALL;
      case StartTls::kOpportunistic:
        return CURLUSESSL_TRY;
      case StartTls::kOff:
        return CURLUSESSL_NONE;
    }
    return CURLUSESSL_ALL;
  }

  const SmtpMailerOptions options_;
  const std::string envelope_from_;  // "<address>"
};

}  // namespace

Result<std::shared_ptr<Mailer>> MakeSmtpMailer(SmtpMailerOptions options) {
  EV_RETURN_IF_ERROR(InitCurlOnce());
  EV_RETURN_IF_ERROR(CheckUrl(options.url));
  EV_ASSIGN_OR_RETURN(std::string envelope_from, mail::FromAddress(options.from));
  if (options.connect_timeout.count() <= 0 || options.timeout.count() <= 0 ||
      options.connect_timeout > options.timeout) {
    return InvalidArgument("invalid_smtp_timeout",
                           "timeouts must be positive, the connect timeout at most the total",
                           "timeout");
  }
  return std::shared_ptr<Mailer>(
      std::make_shared<SmtpMailer>(std::move(options), std::move(envelope_from)));
}

}  // namespace eventify::spi
