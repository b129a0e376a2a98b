#include "bookings/booking_mail.h"

#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "eventify/spi/account_repository.h"
#include "eventify/spi/event_store.h"
#include "mail/templates.h"

namespace eventify::bookings {
namespace {

// Calls `write(values, booking, event)` for each booking whose buyer has an account, with the
// values every booking mail names, reading the buyers and events in `tx` (each event once: a hot event
// fills a batch).
template <typename Write>
Status ForEachBuyer(spi::Transaction& tx, std::string_view product_name,
                    std::span<const Booking> bookings, Write&& write) {
  std::unordered_map<std::string, Event> events;
  for (const Booking& booking : bookings) {
    auto user = tx.accounts().FindUserById(booking.user_id, spi::LockMode::kNone);
    if (!user.ok()) {
      if (user.status().code() == StatusCode::kNotFound) continue;
      return user.status();
    }
    auto event = events.find(booking.event_id);
    if (event == events.end()) {
      EV_ASSIGN_OR_RETURN(Event found, tx.store<spi::EventStore>()->FindEvent(
                                           booking.event_id, spi::LockMode::kNone));
      event = events.emplace(booking.event_id, std::move(found)).first;
    }
    const Event& shown = event->second;
    const mail::BookingMailValues values{user->email, product_name, user->full_name,
                                         shown.title, shown.starts_at, booking.id};
    EV_RETURN_IF_ERROR(write(values, booking, shown));
  }
  return Status::Ok();
}

}  // namespace

BookingMail::BookingMail(std::shared_ptr<const mail::MailJobs> outbox, const TicketCodes& codes,
                         std::string_view product_name)
    : outbox_(std::move(outbox)), codes_(codes), product_name_(product_name) {}

Status BookingMail::AddConfirmations(spi::Transaction& tx, std::span<const Booking> confirmed,
                                     std::span<const Ticket> tickets) const {
  // The codes of each booking's tickets, gathered in one pass (a batch holds many bookings).
  std::unordered_map<std::string_view, std::vector<std::string>> codes_of;
  for (const Ticket& ticket : tickets) codes_of[ticket.booking_id].push_back(codes_.Sign(ticket.id));
  return ForEachBuyer(tx, product_name_, confirmed,
                      [&](const mail::BookingMailValues& values, const Booking& booking,
                          const Event&) {
                        return outbox_->Add(
                            tx, mail::BookingConfirmationMail(values, codes_of[booking.id]),
                            /*send_before=*/std::nullopt);
                      });
}

Status BookingMail::AddCancellations(spi::Transaction& tx,
                                     std::span<const Booking> cancelled) const {
  return ForEachBuyer(tx, product_name_, cancelled,
                      [&](const mail::BookingMailValues& values, const Booking& booking,
                          const Event&) {
                        return outbox_->Add(tx,
                                            mail::BookingCancellationMail(values, booking.amount),
                                            /*send_before=*/std::nullopt);
                      });
}

Status BookingMail::AddEventCancellations(spi::Transaction& tx,
                                          std::span<const Booking> refunded) const {
  return ForEachBuyer(tx, product_name_, refunded,
                      [&](const mail::BookingMailValues& values, const Booking& booking,
                          const Event& event) {
                        return outbox_->Add(
                            tx, mail::EventCancelledMail(values, booking.amount, event.cancel_note),
                            /*send_before=*/std::nullopt);
                      });
}

Status BookingMail::AddReminders(spi::Transaction& tx, std::span<const Booking> due) const {
  return ForEachBuyer(tx, product_name_, due,
                      [&](const mail::BookingMailValues& values, const Booking& booking,
                          const Event& event) {
                        return outbox_->Add(
                            tx,
                            mail::BookingReminderMail(values, booking.seats,
                                                      {event.venue, event.online_url}),
                            /*send_before=*/event.starts_at);
                      });
}

void BookingMail::NotifyCommitted() const { outbox_->NotifyCommitted(); }

}  // namespace eventify::bookings
