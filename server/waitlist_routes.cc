#include "waitlist_routes.h"

#include <cstdint>
#include <memory>
#include <string>

#include "authentication.h"
#include "eventify/bookings.h"
#include "http_errors.h"
#include "json.h"

namespace eventify::server {
namespace {

// {"entry": {...}}
ApiResponse EntryResponse(int status, const Result<WaitlistEntry>& entry) {
  if (!entry.ok()) return ErrorResponse(entry.status());
  JsonWriter json;
  json.BeginObject().Key("entry").BeginObject();
  json.StringMember("id", entry->id);
  json.StringMember("event_id", entry->event_id);
  json.IntMember("seats", entry->seats);
  json.StringMember("status", WaitlistStatusName(entry->status));
  json.OptionalIntMember("position", entry->status == WaitlistStatus::kWaiting
                                         ? std::optional<std::int64_t>(entry->position)
                                         : std::nullopt);
  json.StringMember("joined_at", FormatTimestamp(entry->joined_at));
  json.StringOrNullMember("booking_id", entry->booking_id);
  json.OptionalTimestampMember("offered_at", entry->offered_at);
  json.OptionalTimestampMember("offer_expires_at", entry->offer_expires_at);
  json.EndObject().EndObject();
  return JsonResponse(status, json.Finish());
}

class WaitlistRoutes {
 public:
  explicit WaitlistRoutes(Engine& engine)
      : accounts_(engine.accounts()), bookings_(engine.bookings()) {}

  // POST /api/v1/events/{id}/waitlist {seats}
  ApiResponse Join(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::int64_t seats = 0;
    Status read = body->Read({Required("seats", seats)});
    if (!read.ok()) return ErrorResponse(read);
    // Out of range: invalid_seats.
    return EntryResponse(
        201, bookings_.JoinWaitlist(*principal, params.at(0), PositiveInt32OrZero(seats)));
  }

  // DELETE /api/v1/events/{id}/waitlist
  ApiResponse Leave(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    const Status left = bookings_.LeaveWaitlist(*principal, params.at(0));
    return left.ok() ? NoContent() : ErrorResponse(left);
  }

  // GET /api/v1/events/{id}/waitlist
  ApiResponse Mine(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return EntryResponse(200, bookings_.GetWaitlistEntry(*principal, params.at(0)));
  }

 private:
  Accounts& accounts_;
  Bookings& bookings_;
};

}  // namespace

void AddWaitlistRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<WaitlistRoutes>(engine);
  router.Add("POST", "/api/v1/events/{}/waitlist", Handler(routes, &WaitlistRoutes::Join));
  router.Add("DELETE", "/api/v1/events/{}/waitlist", Handler(routes, &WaitlistRoutes::Leave));
  router.Add("GET", "/api/v1/events/{}/waitlist", Handler(routes, &WaitlistRoutes::Mine));
}

}  // namespace eventify::server
