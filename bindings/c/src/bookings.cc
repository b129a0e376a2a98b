// Bookings and tickets (eventify_c.h, "Bookings and tickets").
#include "handles.h"

namespace eventify::capi {
namespace {

void ClearTicket(eventify_ticket* ticket) {
  std::free(ticket->id);
  std::free(ticket->booking_id);
  std::free(ticket->event_id);
  std::free(ticket->code);
}

void FillTicket(eventify_ticket* out, const Ticket& ticket) {
  out->id = Dup(ticket.id);
  out->booking_id = Dup(ticket.booking_id);
  out->event_id = Dup(ticket.event_id);
  out->code = Dup(ticket.code);
  out->seat = ticket.seat;
  out->has_checked_in = ticket.checked_in_at.has_value() ? 1 : 0;
  out->checked_in_at = ticket.checked_in_at ? ToMicros(*ticket.checked_in_at) : 0;
}

void ClearBooking(eventify_booking* booking) {
  std::free(booking->id);
  std::free(booking->event_id);
  std::free(booking->user_id);
  std::free(booking->status);
  std::free(booking->currency);
  std::free(booking->payment_transfer_id);
  std::free(booking->refund_transfer_id);
  if (booking->tickets != nullptr) {
    for (size_t i = 0; i < booking->ticket_count; ++i) ClearTicket(&booking->tickets[i]);
  }
  std::free(booking->tickets);
}

void FillBooking(eventify_booking* out, const Booking& booking) {
  out->id = Dup(booking.id);
  out->event_id = Dup(booking.event_id);
  out->user_id = Dup(booking.user_id);
  out->status = Dup(BookingStatusName(booking.status));
  out->currency = Dup(booking.amount.currency);
  out->payment_transfer_id = Dup(booking.payment_transfer_id);
  out->refund_transfer_id = Dup(booking.refund_transfer_id);
  out->seats = booking.seats;
  out->amount = booking.amount.minor_units;
  out->hold_expires_at = ToMicros(booking.hold_expires_at);
  out->tickets = NewZeroed<eventify_ticket>(booking.tickets.size());
  out->ticket_count = booking.tickets.size();
  for (size_t i = 0; i < booking.tickets.size(); ++i) {
    FillTicket(&out->tickets[i], booking.tickets[i]);
  }
}

eventify_status GiveBooking(const Result<Booking>& booking, eventify_booking** out) {
  return Give<eventify_booking, eventify_booking_free>(booking, FillBooking, out);
}

BookingRequest Request(const char* event_id, int seats, const char* idempotency_key,
                       const char* coupon_code) {
  return BookingRequest{std::string(Arg(event_id)), seats, std::string(Arg(idempotency_key)),
                        std::string(Arg(coupon_code))};
}

}  // namespace

extern "C" {

void eventify_ticket_free(eventify_ticket* ticket) {
  if (ticket == nullptr) return;
  ClearTicket(ticket);
  std::free(ticket);
}

void eventify_booking_free(eventify_booking* booking) {
  if (booking == nullptr) return;
  ClearBooking(booking);
  std::free(booking);
}

void eventify_booking_list_free(eventify_booking_list* list) { FreeList(list, ClearBooking); }

eventify_status eventify_book_and_pay(eventify_engine* engine, const eventify_session* buyer,
                                      const char* event_id, int seats,
                                      const char* idempotency_key, const char* coupon_code,
                                      eventify_booking** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (buyer == nullptr) return NullArgument("buyer");
    return GiveBooking(engine->engine->bookings().BookAndPay(
                           buyer->principal, Request(event_id, seats, idempotency_key,
                                                     coupon_code)),
                       out);
  });
}

eventify_status eventify_hold(eventify_engine* engine, const eventify_session* buyer,
                              const char* event_id, int seats, const char* idempotency_key,
                              const char* coupon_code, eventify_booking** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (buyer == nullptr) return NullArgument("buyer");
    return GiveBooking(
        engine->engine->bookings().Hold(buyer->principal,
                                        Request(event_id, seats, idempotency_key, coupon_code)),
        out);
  });
}

eventify_status eventify_pay(eventify_engine* engine, const eventify_session* buyer,
                             const char* booking_id, eventify_booking** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (buyer == nullptr) return NullArgument("buyer");
    return GiveBooking(engine->engine->bookings().Pay(buyer->principal, Arg(booking_id)), out);
  });
}

eventify_status eventify_cancel_booking(eventify_engine* engine, const eventify_session* buyer,
                                        const char* booking_id, eventify_booking** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (buyer == nullptr) return NullArgument("buyer");
    return GiveBooking(engine->engine->bookings().Cancel(buyer->principal, Arg(booking_id)),
                       out);
  });
}

eventify_status eventify_get_booking(eventify_engine* engine, const eventify_session* buyer,
                                     const char* booking_id, eventify_booking** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (buyer == nullptr) return NullArgument("buyer");
    return GiveBooking(engine->engine->bookings().GetBooking(buyer->principal, Arg(booking_id)),
                       out);
  });
}

eventify_status eventify_list_my_bookings(eventify_engine* engine, const eventify_session* buyer,
                                          const char* cursor, int limit,
                                          eventify_booking_list** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (buyer == nullptr) return NullArgument("buyer");
    return GiveList<eventify_booking_list, eventify_booking_list_free>(
        engine->engine->bookings().ListMyBookings(buyer->principal, Arg(cursor), limit),
        FillBooking, out);
  });
}

eventify_status eventify_check_in(eventify_engine* engine, const eventify_session* organizer,
                                  const char* event_id, const char* code, eventify_ticket** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (organizer == nullptr) return NullArgument("organizer");
    return Give<eventify_ticket, eventify_ticket_free>(
        engine->engine->bookings().CheckIn(organizer->principal, Arg(event_id), Arg(code)),
        FillTicket, out);
  });
}

}  // extern "C"

}  // namespace eventify::capi
