#include "bookings/booking_mail.h"

#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "eventify/spi/account_repository.h"
#include "eventify/spi/event_store.h"
#include "mail/templates.h"

namespace eventify::bookings {

BookingMail::BookingMail(std::shared_ptr<const mail::MailJobs> outbox, const TicketCodes& codes,
                         std::string_view product_name)
    : outbox_(std::move(outbox)), codes_(codes), product_name_(product_name) {}

Status BookingMail::AddConfirmations(spi::Transaction& tx, std::span<const Booking> confirmed,
                                     std::span<const Ticket> tickets) const {
  std::unordered_map<std::string, Event> events;  // by id: a hot event is read once per batch
  for (const Booking& booking : confirmed) {
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
    std::vector<std::string> codes;
    for (const Ticket& ticket : tickets) {
      if (ticket.booking_id == booking.id) codes.push_back(codes_.Sign(ticket.id));
    }
    const mail::BookingConfirmationValues values{
        user->email,       product_name_, user->full_name, event->second.title,
        event->second.starts_at, booking.id,    codes};
    EV_RETURN_IF_ERROR(
        outbox_->Add(tx, mail::BookingConfirmationMail(values), /*send_before=*/std::nullopt));
  }
  return Status::Ok();
}

void BookingMail::NotifyCommitted() const { outbox_->NotifyCommitted(); }

}  // namespace eventify::bookings
