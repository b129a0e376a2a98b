#include "booking_routes.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "authentication.h"
#include "eventify/bookings.h"
#include "http_errors.h"
#include "idempotency_key.h"
#include "json.h"

namespace eventify::server {
namespace {

constexpr int kDefaultLimit = 20;

void WriteTicket(JsonWriter& json, const Ticket& ticket) {
  json.BeginObject();
  json.StringMember("id", ticket.id);
  json.StringMember("booking_id", ticket.booking_id);
  json.StringMember("event_id", ticket.event_id);
  json.IntMember("seat", ticket.seat);
  json.StringMember("code", ticket.code);
  json.OptionalTimestampMember("checked_in_at", ticket.checked_in_at);
  json.EndObject();
}

void WriteBooking(JsonWriter& json, const Booking& booking) {
  json.BeginObject();
  json.StringMember("id", booking.id);
  json.StringMember("event_id", booking.event_id);
  json.StringMember("status", BookingStatusName(booking.status));
  json.IntMember("seats", booking.seats);
  json.IntMember("amount", booking.amount.minor_units);
  json.StringMember("currency", booking.amount.currency);
  json.StringOrNullMember("coupon_code", booking.coupon_code);
  json.IntMember("discount", booking.discount.minor_units);
  json.StringMember("idempotency_key", booking.idempotency_key);
  json.StringMember("hold_expires_at", FormatTimestamp(booking.hold_expires_at));
  json.StringOrNullMember("payment_transfer_id", booking.payment_transfer_id);
  json.StringOrNullMember("refund_transfer_id", booking.refund_transfer_id);
  json.OptionalTimestampMember("confirmed_at", booking.confirmed_at);
  json.OptionalTimestampMember("cancelled_at", booking.cancelled_at);
  json.StringMember("created_at", FormatTimestamp(booking.created_at));
  json.Key("tickets").BeginArray();
  for (const Ticket& ticket : booking.tickets) WriteTicket(json, ticket);
  json.EndArray();
  json.EndObject();
}

// {"booking": Booking}
ApiResponse BookingResponse(int status, const Result<Booking>& booking) {
  if (!booking.ok()) return ErrorResponse(NameKeyHeader(booking.status()));
  JsonWriter json;
  json.BeginObject().Key("booking");
  WriteBooking(json, *booking);
  json.EndObject();
  return JsonResponse(status, json.Finish());
}

// {"booking": Booking, "card_payment": {...}}: 202 while the gateway has not decided the charge,
// 200 once the booking is confirmed.
ApiResponse CardPaymentResponse(const Result<BookingCardPayment>& paid) {
  if (!paid.ok()) return ErrorResponse(NameKeyHeader(paid.status()));
  JsonWriter json;
  json.BeginObject().Key("booking");
  WriteBooking(json, paid->booking);
  json.Key("card_payment").BeginObject();
  json.StringOrNullMember("topup_transfer_id", paid->payment.topup_transfer_id);
  json.StringOrNullMember("charge_id", paid->payment.charge_id);
  if (paid->payment.topup_transfer_id.empty()) {
    json.Key("state").Null();
  } else {
    json.StringMember("state", CardPaymentStateName(paid->payment.state));
  }
  json.EndObject().EndObject();
  const bool decided = paid->booking.status == BookingStatus::kConfirmed;
  return JsonResponse(decided ? 200 : 202, json.Finish());
}

class BookingRoutes {
 public:
  explicit BookingRoutes(Engine& engine)
      : accounts_(engine.accounts()), bookings_(engine.bookings()) {}

  // POST /api/v1/bookings/holds {event_id, seats, coupon_code?} with Idempotency-Key.
  ApiResponse Hold(const ApiRequest& request) { return New(request, /*pay_now=*/false); }

  // POST /api/v1/bookings {event_id, seats, coupon_code?} with Idempotency-Key: hold and pay in
  // one step.
  ApiResponse BookAndPay(const ApiRequest& request) { return New(request, /*pay_now=*/true); }

  // GET /api/v1/bookings?cursor=&limit=: the caller's own bookings, newest first.
  ApiResponse ListMine(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    int limit = kDefaultLimit;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    auto page =
        bookings_.ListMyBookings(*principal, request.query("cursor").value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteBooking);
  }

  // GET /api/v1/bookings/{id}
  ApiResponse Get(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return BookingResponse(200, bookings_.GetBooking(*principal, params.at(0)));
  }

  // POST /api/v1/bookings/{id}/pay, without a body or with {"method": "wallet"}: from the
  // wallet; with {"method": "card", "card_token"} and an Idempotency-Key: by card.
  ApiResponse Pay(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    if (request.body().empty()) return BookingResponse(200, bookings_.Pay(*principal, params.at(0)));
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::optional<std::string> method;
    std::optional<std::string> card_token;
    if (Status read = body->Read({Optional("method", method), Optional("card_token", card_token)});
        !read.ok()) {
      return ErrorResponse(read);
    }
    if (!method || *method == "wallet") {
      if (card_token) {
        return ErrorResponse(InvalidArgument(
            "unexpected_field", "'card_token' goes with \"method\": \"card\"", "card_token"));
      }
      return BookingResponse(200, bookings_.Pay(*principal, params.at(0)));
    }
    if (*method != "card") {
      return ErrorResponse(
          InvalidArgument("invalid_method", "'method' must be \"wallet\" or \"card\"", "method"));
    }
    if (!card_token) {
      return ErrorResponse(InvalidArgument("missing_field", "'card_token' is required", "card_token"));
    }
    auto key = IdempotencyKey(request);
    if (!key.ok()) return ErrorResponse(key.status());
    CardPaymentRequest card{std::move(*card_token), std::move(key).value()};
    return CardPaymentResponse(bookings_.PayByCard(*principal, params.at(0), card));
  }

  // POST /api/v1/bookings/{id}/cancel
  ApiResponse Cancel(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return BookingResponse(200, bookings_.Cancel(*principal, params.at(0)));
  }

  // POST /api/v1/events/{id}/check-ins {code}
  ApiResponse CheckIn(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string code;
    Status read = body->Read({Required("code", code)});
    if (!read.ok()) return ErrorResponse(read);
    auto ticket = bookings_.CheckIn(*principal, params.at(0), code);
    if (!ticket.ok()) return ErrorResponse(ticket.status());
    JsonWriter json;
    json.BeginObject().Key("ticket");
    WriteTicket(json, *ticket);
    json.EndObject();
    return JsonResponse(200, json.Finish());
  }

 private:
  ApiResponse New(const ApiRequest& request, bool pay_now) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto key = IdempotencyKey(request);
    if (!key.ok()) return ErrorResponse(key.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    BookingRequest booking;
    std::int64_t seats = 0;
    std::optional<std::string> coupon_code;
    Status read = body->Read({Required("event_id", booking.event_id), Required("seats", seats),
                              Optional("coupon_code", coupon_code)});
    if (!read.ok()) return ErrorResponse(read);
    booking.seats = PositiveInt32OrZero(seats);  // out of range: invalid_seats
    booking.idempotency_key = std::move(key).value();
    booking.coupon_code = coupon_code.value_or("");
    return BookingResponse(201, pay_now ? bookings_.BookAndPay(*principal, booking)
                                        : bookings_.Hold(*principal, booking));
  }

  Accounts& accounts_;
  Bookings& bookings_;
};

}  // namespace

void AddBookingRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<BookingRoutes>(engine);
  router.Add("POST", "/api/v1/bookings/holds", Handler(routes, &BookingRoutes::Hold));
  router.Add("POST", "/api/v1/bookings", Handler(routes, &BookingRoutes::BookAndPay));
  router.Add("GET", "/api/v1/bookings", Handler(routes, &BookingRoutes::ListMine));
  router.Add("GET", "/api/v1/bookings/{}", Handler(routes, &BookingRoutes::Get));
  router.Add("POST", "/api/v1/bookings/{}/pay", Handler(routes, &BookingRoutes::Pay));
  router.Add("POST", "/api/v1/bookings/{}/cancel", Handler(routes, &BookingRoutes::Cancel));
  router.Add("POST", "/api/v1/events/{}/check-ins", Handler(routes, &BookingRoutes::CheckIn));
}

}  // namespace eventify::server
