#include "mail/mail_jobs.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "crypto/sodium.h"

namespace eventify::mail {
namespace {

constexpr std::string_view kSealedPrefix = "sealed:v1:";

std::string ToJson(const spi::MailMessage& message, std::optional<Timestamp> send_before) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  auto string = [&](const char* name, std::string_view value) {
    writer.Key(name);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  writer.StartObject();
  string("to", message.to);
  string("subject", message.subject);
  string("text", message.text);
  if (message.html) string("html", *message.html);
  if (send_before) {
    writer.Key("send_before");
    writer.Int64(ToMicros(*send_before));
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

struct OpenedMail {
  spi::MailMessage message;
  std::optional<Timestamp> send_before;
};

Result<OpenedMail> FromJson(std::string_view json) {
  const Status malformed = Internal("the opened mail payload is not a message");
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return malformed;
  const rapidjson::Value& root = doc;  // const: its iterators compare unambiguously
  auto string = [&](const char* name) -> std::optional<std::string> {
    const auto it = root.FindMember(name);
    if (it == root.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
  };
  OpenedMail mail;
  auto to = string("to");
  auto subject = string("subject");
  auto text = string("text");
  if (!to || !subject || !text) return malformed;
  mail.message.to = std::move(*to);
  mail.message.subject = std::move(*subject);
  mail.message.text = std::move(*text);
  mail.message.html = string("html");
  if (const auto it = root.FindMember("send_before"); it != root.MemberEnd()) {
    if (!it->value.IsInt64()) return malformed;
    mail.send_before = FromMicros(it->value.GetInt64());
  }
  return mail;
}

}  // namespace

MailJobs::MailJobs(std::shared_ptr<jobs::JobQueue> queue, std::shared_ptr<spi::Clock> clock,
                   std::string_view secret_key, int max_attempts)
    : queue_(std::move(queue)),
      clock_(std::move(clock)),
      key_(crypto::DeriveKey(secret_key, "eventify/mail-outbox/v1")),
      max_attempts_(max_attempts) {}

JobRequest MailJobs::Request(const spi::MailMessage& message,
                             std::optional<Timestamp> send_before) const {
  JobRequest request;
  request.kind = std::string(kSendMailJob);
  request.payload = std::string(kSealedPrefix) +
                    crypto::Base64UrlEncode(crypto::Seal(key_, ToJson(message, send_before)));
  request.max_attempts = max_attempts_;
  return request;
}

Status MailJobs::Add(spi::Transaction& tx, const spi::MailMessage& message,
                     std::optional<Timestamp> send_before) const {
  return queue_->Add(tx, Request(message, send_before)).status();
}

Status MailJobs::AddAll(spi::Transaction& tx, std::span<const spi::MailMessage> messages) const {
  std::vector<JobRequest> requests;
  requests.reserve(messages.size());
  for (const spi::MailMessage& message : messages) {
    requests.push_back(Request(message, std::nullopt));
  }
  return queue_->AddAll(tx, requests);
}

Status MailJobs::AddRendering(spi::Transaction& tx, std::string_view kind,
                              std::string payload) const {
  JobRequest request;
  request.kind = std::string(kind);
  request.payload = std::move(payload);
  request.max_attempts = max_attempts_;
  // AddAll: the job store's batch insert, kept prepared on the commit path.
  return queue_->AddAll(tx, std::span(&request, 1));
}

void MailJobs::NotifyCommitted() const { queue_->NotifyCommitted(); }

Status MailJobs::Deliver(const Job& job, spi::Mailer& mailer) const {
  const Status unreadable = FailedPrecondition(
      "mail_payload_unreadable",
      "the sealed message cannot be opened: it was sealed under another secret key (was the "
      "engine's secret key changed?) or altered");
  std::string_view payload = job.payload;
  if (!payload.starts_with(kSealedPrefix)) return unreadable;
  payload.remove_prefix(kSealedPrefix.size());
  auto sealed = crypto::Base64UrlDecode(payload);
  if (!sealed.ok()) return unreadable;
  auto json = crypto::Open(key_, *sealed);
  if (!json.ok()) return unreadable;
  EV_ASSIGN_OR_RETURN(const OpenedMail mail, FromJson(*json));
  if (mail.send_before && clock_->Now() >= *mail.send_before) {
    return Status(StatusCode::kOk, "mail_expired",
                  fmt::format("not sent: it was worth sending only before {} (its one-time code "
                              "had expired, or the event it reminds of had started)",
                              FormatTimestamp(*mail.send_before)));
  }
  return mailer.Send(mail.message);
}

Status RegisterMailJob(Jobs& jobs, std::shared_ptr<const MailJobs> outbox,
                       std::shared_ptr<spi::Mailer> mailer) {
  return jobs.RegisterHandler(
      kSendMailJob, [outbox = std::move(outbox), mailer = std::move(mailer)](const Job& job) {
        return outbox->Deliver(job, *mailer);
      });
}

}  // namespace eventify::mail
