#include "coupon_routes.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "authentication.h"
#include "eventify/bookings.h"
#include "eventify/coupons.h"
#include "http_errors.h"
#include "json.h"

namespace eventify::server {
namespace {

constexpr int kDefaultLimit = 20;

void WriteCoupon(JsonWriter& json, const Coupon& c) {
  json.BeginObject();
  json.StringMember("id", c.id);
  json.StringMember("code", c.code);
  json.StringOrNullMember("event_id", c.event_id);
  json.StringOrNullMember("organizer_id", c.organizer_id);
  json.StringMember("created_by", c.created_by);
  json.OptionalIntMember("percent_off_bp", c.percent_off_bp > 0
                                               ? std::optional<std::int64_t>(c.percent_off_bp)
                                               : std::nullopt);
  json.OptionalIntMember("amount_off",
                         c.amount_off > 0 ? std::optional<std::int64_t>(c.amount_off) : std::nullopt);
  json.IntMember("minimum_purchase", c.minimum_purchase);
  json.StringMember("valid_from", FormatTimestamp(c.valid_from));
  json.StringMember("valid_until", FormatTimestamp(c.valid_until));
  json.IntMember("total_limit", c.total_limit);
  json.IntMember("per_user_limit", c.per_user_limit);
  json.BoolMember("active", c.active);
  json.OptionalTimestampMember("deactivated_at", c.deactivated_at);
  json.IntMember("uses_paid", c.uses_paid);
  json.IntMember("uses_held", c.uses_held);
  json.StringMember("created_at", FormatTimestamp(c.created_at));
  json.EndObject();
}

// {"coupon": Coupon}
ApiResponse CouponResponse(int status, const Result<Coupon>& coupon) {
  if (!coupon.ok()) return ErrorResponse(coupon.status());
  JsonWriter json;
  json.BeginObject().Key("coupon");
  WriteCoupon(json, *coupon);
  json.EndObject();
  return JsonResponse(status, json.Finish());
}

// A count that must fit 32 bits; out of range becomes `refused`, which the library rejects.
std::int32_t ToInt32(std::int64_t value, std::int32_t refused) {
  if (value < std::numeric_limits<std::int32_t>::min() ||
      value > std::numeric_limits<std::int32_t>::max()) {
    return refused;
  }
  return static_cast<std::int32_t>(value);
}

// The body of POST /coupons (docs/bookings-api.md, "Coupons").
Result<CouponRequest> ReadCouponRequest(const JsonObject& body) {
  CouponRequest r;
  std::optional<std::string> event_id;
  std::optional<std::int64_t> percent, amount, minimum, per_user;
  std::int64_t total = 0;
  Status read = body.Read({Required("code", r.code), Optional("event_id", event_id),
                           Optional("percent_off_bp", percent), Optional("amount_off", amount),
                           Optional("minimum_purchase", minimum), Required("total_limit", total),
                           Optional("per_user_limit", per_user)});
  if (read.ok()) read = ReadTimestampField(body, "valid_from", r.valid_from);
  if (read.ok()) read = ReadTimestampField(body, "valid_until", r.valid_until);
  if (!read.ok()) return read;
  r.event_id = event_id.value_or("");
  r.percent_off_bp = ToInt32(percent.value_or(0), -1);
  r.amount_off = amount.value_or(0);
  r.minimum_purchase = minimum.value_or(0);
  r.total_limit = ToInt32(total, 0);
  if (per_user) r.per_user_limit = ToInt32(*per_user, 0);  // else the library's default
  return r;
}

class CouponRoutes {
 public:
  explicit CouponRoutes(Engine& engine)
      : accounts_(engine.accounts()), coupons_(engine.bookings().coupons()) {}

  // POST /api/v1/coupons
  ApiResponse Create(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    auto coupon = ReadCouponRequest(*body);
    if (!coupon.ok()) return ErrorResponse(coupon.status());
    return CouponResponse(201, coupons_.CreateCoupon(*principal, *coupon));
  }

  // GET /api/v1/coupons?event_id=&cursor=&limit=
  ApiResponse List(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    int limit = kDefaultLimit;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    auto page = coupons_.ListCoupons(*principal, request.query("event_id").value_or(""),
                                     request.query("cursor").value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteCoupon);
  }

  // POST /api/v1/coupons/{id}/deactivate
  ApiResponse Deactivate(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return CouponResponse(200, coupons_.DeactivateCoupon(*principal, params.at(0)));
  }

 private:
  Accounts& accounts_;
  Coupons& coupons_;
};

}  // namespace

void AddCouponRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<CouponRoutes>(engine);
  router.Add("POST", "/api/v1/coupons", Handler(routes, &CouponRoutes::Create));
  router.Add("GET", "/api/v1/coupons", Handler(routes, &CouponRoutes::List));
  router.Add("POST", "/api/v1/coupons/{}/deactivate", Handler(routes, &CouponRoutes::Deactivate));
}

}  // namespace eventify::server
