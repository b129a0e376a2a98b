#include "bookings/booking_mail.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "eventify/spi/account_repository.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/event_store.h"
#include "mail/templates.h"

namespace eventify::bookings {
namespace {

// The message `make(values, booking, event)` for each booking whose buyer has an account, with
// the values every booking mail names, reading the buyers in one call and each event once (a hot
// event fills a batch) in `tx`.
template <typename Make>
Result<std::vector<spi::MailMessage>> MessagesToBuyers(spi::Transaction& tx,
                                                       std::string_view product_name,
                                                       std::span<const Booking> bookings,
                                                       Make&& make) {
  std::vector<spi::MailMessage> messages;
  if (bookings.empty()) return messages;
  std::vector<std::string> buyer_ids;
  buyer_ids.reserve(bookings.size());
  for (const Booking& booking : bookings) buyer_ids.push_back(booking.user_id);
  EV_ASSIGN_OR_RETURN(std::vector<spi::UserRecord> found, tx.accounts().FindUsersByIds(buyer_ids));
  std::unordered_map<std::string_view, const spi::UserRecord*> buyers;
  for (const spi::UserRecord& user : found) buyers.emplace(user.id, &user);
  std::unordered_map<std::string, Event> events;
  messages.reserve(bookings.size());
  for (const Booking& booking : bookings) {
    const auto buyer = buyers.find(booking.user_id);
    if (buyer == buyers.end()) continue;
    auto event = events.find(booking.event_id);
    if (event == events.end()) {
      EV_ASSIGN_OR_RETURN(Event read, tx.store<spi::EventStore>()->FindEvent(
                                          booking.event_id, spi::LockMode::kNone));
      event = events.emplace(booking.event_id, std::move(read)).first;
    }
    const spi::UserRecord& user = *buyer->second;
    const Event& shown = event->second;
    const mail::BookingMailValues values{user.email, product_name, user.full_name,
                                         shown.title, shown.starts_at, booking.id};
    messages.push_back(make(values, booking, shown));
  }
  return messages;
}

// The payload of a kSendConfirmationsJob job: {"bookings":["<id>",...]}.
std::string ConfirmationsPayload(std::span<const Booking> confirmed) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("bookings");
  writer.StartArray();
  for (const Booking& booking : confirmed) {
    writer.String(booking.id.data(), static_cast<rapidjson::SizeType>(booking.id.size()));
  }
  writer.EndArray();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<std::vector<std::string>> ConfirmationIds(std::string_view payload) {
  const Status malformed =
      Internal(R"(the payload of a booking confirmations job is not {"bookings":[ids]})");
  rapidjson::Document doc;
  doc.Parse(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject()) return malformed;
  const rapidjson::Value& root = doc;  // const: its iterators compare unambiguously
  const auto member = root.FindMember("bookings");
  if (member == root.MemberEnd() || !member->value.IsArray()) return malformed;
  std::vector<std::string> ids;
  ids.reserve(member->value.Size());
  for (const auto& id : member->value.GetArray()) {
    if (!id.IsString()) return malformed;
    ids.emplace_back(id.GetString(), id.GetStringLength());
  }
  return ids;
}

}  // namespace

BookingMail::BookingMail(std::shared_ptr<const mail::MailJobs> outbox, const TicketCodes& codes,
                         std::string_view product_name)
    : outbox_(std::move(outbox)), codes_(codes), product_name_(product_name) {}

Status BookingMail::AddConfirmations(spi::Transaction& tx,
                                     std::span<const Booking> confirmed) const {
  if (confirmed.empty()) return Status::Ok();
  return outbox_->AddRendering(tx, kSendConfirmationsJob, ConfirmationsPayload(confirmed));
}

Status BookingMail::SendConfirmations(const Job& job, spi::Storage& storage, spi::Mailer& mailer,
                                      const ledger::TransferClock& clock) const {
  const Timestamp started = clock.Now();
  // Half of what is left of the lease (the worker starts no job after half of it): a slow mail
  // server must not let the lease run out, or another worker would send them all again.
  const Timestamp deadline =
      job.locked_until ? started + (*job.locked_until - started) / 2 : Timestamp::max();
  EV_ASSIGN_OR_RETURN(const std::vector<std::string> ids, ConfirmationIds(job.payload));
  std::vector<spi::MailMessage> messages;
  EV_RETURN_IF_ERROR(
      storage.Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) -> Status {
        spi::BookingStore& store = *tx.store<spi::BookingStore>();
        EV_ASSIGN_OR_RETURN(const std::vector<spi::BookingRecord> records, store.FindBookings(ids));
        EV_ASSIGN_OR_RETURN(const std::vector<Ticket> tickets, store.ListTickets(ids));
        std::unordered_map<std::string_view, const Booking*> by_id;
        for (const spi::BookingRecord& record : records) {
          by_id.emplace(record.booking.id, &record.booking);
        }
        std::vector<Booking> bookings;  // in the payload's order, each once
        bookings.reserve(ids.size());
        for (const std::string& id : ids) {
          const auto found = by_id.find(id);
          if (found == by_id.end()) continue;
          bookings.push_back(*found->second);
          by_id.erase(found);
        }
        // Each booking's codes, in seat order (ListTickets answers by booking and seat).
        std::unordered_map<std::string_view, std::vector<std::string>> codes_of;
        for (const Ticket& ticket : tickets) {
          codes_of[ticket.booking_id].push_back(codes_.Sign(ticket.id));
        }
        EV_ASSIGN_OR_RETURN(
            messages,
            MessagesToBuyers(tx, product_name_, bookings,
                             [&](const mail::BookingMailValues& values, const Booking& booking,
                                 const Event&) {
                               return mail::BookingConfirmationMail(values, codes_of[booking.id]);
                             }));
        return Status::Ok();
      }));
  std::size_t sent = 0;
  Status failure;
  for (; sent < messages.size(); ++sent) {
    if (clock.Now() >= deadline) break;
    failure = mailer.Send(messages[sent]);
    if (!failure.ok()) break;
  }
  if (sent == messages.size()) return Status::Ok();
  // The rest become mails of their own, each retried (and, after its attempts, dead) alone.
  const std::span<const spi::MailMessage> rest(
      messages.begin() + static_cast<std::ptrdiff_t>(sent), messages.end());
  const Status handed = storage.Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) {
    return outbox_->AddAll(tx, rest);
  });
  const std::string why = failure.ok() ? fmt::format("half of the job's lease had passed ({})",
                                                     FormatTimestamp(deadline))
                                       : failure.ToString();
  if (!handed.ok()) {  // the job is retried: the first `sent` go again (at least once)
    return Status(failure.ok() ? StatusCode::kUnavailable : failure.code(),
                  failure.ok() ? std::string("mail_too_slow") : std::string(failure.reason()),
                  fmt::format("sent {} of {} confirmations, then {}; writing the other {} as {} "
                              "jobs failed: {}",
                              sent, messages.size(), why, rest.size(), kSendMailJob,
                              handed.ToString()));
  }
  outbox_->NotifyCommitted();
  return Status(StatusCode::kOk, "mail_handed_to_outbox",
                fmt::format("sent {} of {} confirmations; the other {} were written as {} jobs "
                            "after: {}",
                            sent, messages.size(), rest.size(), kSendMailJob, why));
}

Status BookingMail::AddCancellations(spi::Transaction& tx,
                                     std::span<const Booking> cancelled) const {
  EV_ASSIGN_OR_RETURN(
      const std::vector<spi::MailMessage> messages,
      MessagesToBuyers(tx, product_name_, cancelled,
                       [&](const mail::BookingMailValues& values, const Booking& booking,
                           const Event&) {
                         return mail::BookingCancellationMail(values, booking.amount);
                       }));
  return outbox_->AddAll(tx, messages);
}

Status BookingMail::AddWaitlistOffers(spi::Transaction& tx,
                                      std::span<const Booking> offered) const {
  EV_ASSIGN_OR_RETURN(
      const std::vector<spi::MailMessage> messages,
      MessagesToBuyers(tx, product_name_, offered,
                       [&](const mail::BookingMailValues& values, const Booking& booking,
                           const Event&) {
                         return mail::WaitlistOfferMail(values, booking.seats, booking.amount,
                                                        booking.hold_expires_at);
                       }));
  return outbox_->AddAll(tx, messages);
}

Status BookingMail::AddEventCancellations(spi::Transaction& tx,
                                          std::span<const Booking> refunded) const {
  EV_ASSIGN_OR_RETURN(
      const std::vector<spi::MailMessage> messages,
      MessagesToBuyers(tx, product_name_, refunded,
                       [&](const mail::BookingMailValues& values, const Booking& booking,
                           const Event& event) {
                         return mail::EventCancelledMail(values, booking.amount, event.cancel_note);
                       }));
  return outbox_->AddAll(tx, messages);
}

Status BookingMail::AddReminders(spi::Transaction& tx, std::span<const Booking> due) const {
  std::vector<Timestamp> starts;  // each message's send_before, in the order of the messages
  EV_ASSIGN_OR_RETURN(
      const std::vector<spi::MailMessage> messages,
      MessagesToBuyers(tx, product_name_, due,
                       [&](const mail::BookingMailValues& values, const Booking& booking,
                           const Event& event) {
                         starts.push_back(event.starts_at);
                         return mail::BookingReminderMail(values, booking.seats,
                                                          {event.venue, event.online_url});
                       }));
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EV_RETURN_IF_ERROR(outbox_->Add(tx, messages[i], /*send_before=*/starts[i]));
  }
  return Status::Ok();
}

void BookingMail::NotifyCommitted() const { outbox_->NotifyCommitted(); }

}  // namespace eventify::bookings
