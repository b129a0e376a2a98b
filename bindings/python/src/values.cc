// The value types the services return, bound read-only: plain snapshots of what the call saw.
// Enumerations are their stable lower-case names ("confirmed", "attendee"), the same words the
// HTTP API and the database use; timestamps are aware datetimes in UTC.
#include <string>

#include "binding.h"
#include "eventify/accounts.h"
#include "eventify/bookings.h"
#include "eventify/chat.h"
#include "eventify/events.h"
#include "eventify/ledger.h"
#include "eventify/wallets.h"

namespace eventify::python {

namespace {

py::object UtcEpoch(const py::module_& datetime) {
  return datetime.attr("datetime")(1970, 1, 1, 0, 0, 0, 0, datetime.attr("timezone").attr("utc"));
}

}  // namespace

py::object ToDatetime(Timestamp at) {
  py::module_ datetime = py::module_::import("datetime");
  py::object epoch = UtcEpoch(datetime);
  return epoch + datetime.attr("timedelta")(py::arg("microseconds") = ToMicros(at));
}

py::object ToDatetime(const std::optional<Timestamp>& at) {
  return at ? ToDatetime(*at) : py::none();
}

Timestamp FromDatetime(const py::handle& value, const char* field) {
  py::module_ datetime = py::module_::import("datetime");
  if (!py::isinstance(value, datetime.attr("datetime"))) {
    throw py::type_error(std::string(field) + " must be a datetime");
  }
  if (value.attr("utcoffset")().is_none()) {
    Raise(InvalidArgument("naive_datetime",
                          "a datetime with a time zone is needed (e.g. tzinfo=timezone.utc)",
                          field));
  }
  py::object epoch = UtcEpoch(datetime);
  py::object micros =
      (value - epoch).attr("__floordiv__")(datetime.attr("timedelta")(py::arg("microseconds") = 1));
  return FromMicros(micros.cast<std::int64_t>());
}

namespace {

// A read-only property converting a timestamp member (plain or optional).
template <typename C, typename T>
void Time(py::class_<C>& cls, const char* name, T C::*member) {
  cls.def_property_readonly(name, [member](const C& self) { return ToDatetime(self.*member); });
}

// A read-only property giving an enumeration member's name.
template <typename C, typename E, typename NameOf>
void Name(py::class_<C>& cls, const char* name, E C::*member, NameOf name_of) {
  cls.def_property_readonly(
      name, [member, name_of](const C& self) { return std::string(name_of(self.*member)); });
}

void RegisterAccountValues(py::module_& m) {
  py::class_<Money>(m, "Money", "An amount in minor units (paise, cents) of a currency.")
      .def_readonly("minor_units", &Money::minor_units)
      .def_readonly("currency", &Money::currency)
      .def("__eq__", [](const Money& a, const Money& b) { return a == b; })
      .def("__repr__", [](const Money& self) {
        return "Money(" + std::to_string(self.minor_units) + ", '" + self.currency + "')";
      });

  py::class_<User> user(m, "User", "What a client may see of an account.");
  user.def_readonly("id", &User::id)
      .def_readonly("email", &User::email)
      .def_readonly("full_name", &User::full_name)
      .def_readonly("email_verified", &User::email_verified)
      .def_readonly("blocked", &User::blocked)
      .def_readonly("avatar_url", &User::avatar_url);
  Name(user, "role", &User::role, RoleName);
  Time(user, "created_at", &User::created_at);
  Time(user, "updated_at", &User::updated_at);

  py::class_<Principal> principal(
      m, "Principal", "The authenticated caller of an operation (Accounts.authenticate).");
  principal.def_readonly("user_id", &Principal::user_id)
      .def_readonly("session_id", &Principal::session_id);
  Name(principal, "role", &Principal::role, RoleName);

  py::class_<TokenPair> tokens(m, "TokenPair", "What a login or refresh returns.");
  tokens.def_readonly("access_token", &TokenPair::access_token)
      .def_readonly("refresh_token", &TokenPair::refresh_token)
      .def_readonly("user", &TokenPair::user);
  Time(tokens, "access_expires_at", &TokenPair::access_expires_at);
  Time(tokens, "refresh_expires_at", &TokenPair::refresh_expires_at);
}

void RegisterMoneyValues(py::module_& m) {
  py::class_<Balance>(m, "Balance", "A wallet's balance in minor units.")
      .def_readonly("posted", &Balance::posted)
      .def_readonly("pending_debits", &Balance::pending_debits)
      .def_readonly("pending_credits", &Balance::pending_credits)
      .def_property_readonly("available", &Balance::available)
      .def_property_readonly("currency", [](const Balance& self) { return self.account.currency; });

  py::class_<Transfer> transfer(m, "Transfer", "A movement of money between two ledger accounts.");
  transfer.def_readonly("id", &Transfer::id)
      .def_readonly("idempotency_key", &Transfer::idempotency_key)
      .def_readonly("amount", &Transfer::amount)
      .def_readonly("reference", &Transfer::reference)
      .def_readonly("void_note", &Transfer::void_note);
  Name(transfer, "kind", &Transfer::kind, TransferKindName);
  Name(transfer, "status", &Transfer::status, TransferStatusName);
  Name(transfer, "void_cause", &Transfer::void_cause, VoidCauseName);
  Time(transfer, "created_at", &Transfer::created_at);
  Time(transfer, "expires_at", &Transfer::expires_at);
  Time(transfer, "resolved_at", &Transfer::resolved_at);

  py::class_<HistoryItem>(m, "HistoryItem", "One line of a wallet's history, newest first.")
      .def_readonly("transfer", &HistoryItem::transfer)
      .def_readonly("amount", &HistoryItem::amount)
      .def_readonly("balance_after", &HistoryItem::balance_after);

  py::class_<TopUp>(m, "TopUp", "A card top-up: pending until the gateway's callback.")
      .def_readonly("transfer", &TopUp::transfer)
      .def_readonly("charge_id", &TopUp::charge_id);
}

void RegisterEventValues(py::module_& m) {
  py::class_<OrganizerProfile> profile(m, "OrganizerProfile", "An organizer's verification.");
  profile.def_readonly("user_id", &OrganizerProfile::user_id)
      .def_readonly("organisation_name", &OrganizerProfile::organisation_name)
      .def_readonly("about", &OrganizerProfile::about)
      .def_readonly("contact", &OrganizerProfile::contact);
  Name(profile, "status", &OrganizerProfile::status, OrganizerStatusName);

  py::class_<Category>(m, "Category", "A category events are listed under.")
      .def_readonly("id", &Category::id)
      .def_readonly("name", &Category::name)
      .def_readonly("listed", &Category::listed);

  py::class_<Event> event(m, "Event", "An event as the caller may see it.");
  event.def_readonly("id", &Event::id)
      .def_readonly("organizer_id", &Event::organizer_id)
      .def_readonly("title", &Event::title)
      .def_readonly("description", &Event::description)
      .def_readonly("category_id", &Event::category_id)
      .def_readonly("venue", &Event::venue)
      .def_readonly("online_url", &Event::online_url)
      .def_readonly("time_zone", &Event::time_zone)
      .def_readonly("capacity", &Event::capacity)
      .def_readonly("price", &Event::price)
      .def_readonly("attendees_may_cancel", &Event::attendees_may_cancel)
      .def_readonly("max_tickets_per_booking", &Event::max_tickets_per_booking)
      .def_readonly("on_hold", &Event::on_hold)
      .def_readonly("seats_sold", &Event::seats_sold)
      .def_readonly("seats_held", &Event::seats_held);
  Name(event, "status", &Event::status, EventStatusName);
  Time(event, "starts_at", &Event::starts_at);
  Time(event, "ends_at", &Event::ends_at);
  Time(event, "created_at", &Event::created_at);
}

void RegisterBookingValues(py::module_& m) {
  py::class_<Ticket> ticket(m, "Ticket", "One seat of a confirmed booking.");
  ticket.def_readonly("id", &Ticket::id)
      .def_readonly("booking_id", &Ticket::booking_id)
      .def_readonly("event_id", &Ticket::event_id)
      .def_readonly("user_id", &Ticket::user_id)
      .def_readonly("seat", &Ticket::seat)
      .def_readonly("code", &Ticket::code);
  Time(ticket, "checked_in_at", &Ticket::checked_in_at);
  Time(ticket, "created_at", &Ticket::created_at);

  py::class_<Booking> booking(m, "Booking", "Seats of an event held or bought by one buyer.");
  booking.def_readonly("id", &Booking::id)
      .def_readonly("event_id", &Booking::event_id)
      .def_readonly("user_id", &Booking::user_id)
      .def_readonly("idempotency_key", &Booking::idempotency_key)
      .def_readonly("seats", &Booking::seats)
      .def_readonly("amount", &Booking::amount)
      .def_readonly("coupon_code", &Booking::coupon_code)
      .def_readonly("discount", &Booking::discount)
      .def_readonly("payment_transfer_id", &Booking::payment_transfer_id)
      .def_readonly("refund_transfer_id", &Booking::refund_transfer_id)
      .def_readonly("tickets", &Booking::tickets);
  Name(booking, "status", &Booking::status, BookingStatusName);
  Time(booking, "hold_expires_at", &Booking::hold_expires_at);
  Time(booking, "confirmed_at", &Booking::confirmed_at);
  Time(booking, "cancelled_at", &Booking::cancelled_at);
  Time(booking, "created_at", &Booking::created_at);
}

void RegisterChatValues(py::module_& m) {
  py::class_<Message> message(m, "Message", "A message of a conversation.");
  message.def_readonly("id", &Message::id)
      .def_readonly("conversation_id", &Message::conversation_id)
      .def_readonly("seq", &Message::seq)
      .def_readonly("sender_id", &Message::sender_id)
      .def_readonly("text", &Message::text)
      .def_readonly("reply_to_id", &Message::reply_to_id)
      .def_readonly("idempotency_key", &Message::idempotency_key);
  Name(message, "kind", &Message::kind, MessageKindName);
  Time(message, "created_at", &Message::created_at);

  py::class_<Conversation> conversation(m, "Conversation",
                                        "A direct conversation or an event room, as the caller "
                                        "sees it (their marks and unread count).");
  conversation.def_readonly("id", &Conversation::id)
      .def_readonly("participants", &Conversation::participants)
      .def_readonly("event_id", &Conversation::event_id)
      .def_readonly("organizer_id", &Conversation::organizer_id)
      .def_readonly("last_seq", &Conversation::last_seq)
      .def_readonly("read_seq", &Conversation::read_seq)
      .def_readonly("unread", &Conversation::unread)
      .def_readonly("last_message", &Conversation::last_message);
  Name(conversation, "kind", &Conversation::kind, ConversationKindName);
  Time(conversation, "last_activity_at", &Conversation::last_activity_at);
  Time(conversation, "created_at", &Conversation::created_at);
}

}  // namespace

void RegisterValues(py::module_& module) {
  RegisterAccountValues(module);
  RegisterMoneyValues(module);
  RegisterEventValues(module);
  RegisterBookingValues(module);
  RegisterChatValues(module);
}

}  // namespace eventify::python
