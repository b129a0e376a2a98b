#include "bookings/coupon_rules.h"

#include <string>

namespace eventify {

Result<std::string> NormalizeCouponCode(std::string_view code, const char* field) {
  constexpr std::size_t kMin = 4, kMax = 32;
  std::string out;
  bool valid = code.size() >= kMin && code.size() <= kMax;
  for (const char c : code) {
    if (!valid) break;
    if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      out.push_back(c);
    } else {
      valid = false;
    }
  }
  if (!valid) {
    return InvalidArgument("invalid_coupon_code",
                           "a coupon code is 4-32 letters, digits, '-' or '_'", field);
  }
  return out;
}

std::int64_t CouponDiscount(const Coupon& coupon, std::int64_t gross) {
  if (gross <= 0) return 0;
  if (coupon.percent_off_bp > 0) {
    // floor(gross * bp / 10000) without overflowing for any gross.
    const std::int64_t bp = coupon.percent_off_bp;
    const std::int64_t whole = gross / kMaxCouponBasisPoints;
    const std::int64_t rest = gross % kMaxCouponBasisPoints;
    const std::int64_t off = whole * bp + rest * bp / kMaxCouponBasisPoints;
    return off < gross ? off : gross;
  }
  return coupon.amount_off < gross ? coupon.amount_off : gross;
}

namespace bookings {

Status CheckCouponRequest(const CouponRequest& request) {
  if (auto code = NormalizeCouponCode(request.code); !code.ok()) return code.status();
  const bool percent = request.percent_off_bp != 0;
  const bool fixed = request.amount_off != 0;
  if (percent == fixed) {
    return InvalidArgument("invalid_discount",
                           "give exactly one of percent_off_bp and amount_off",
                           "percent_off_bp");
  }
  if (percent && (request.percent_off_bp < 1 || request.percent_off_bp > kMaxCouponBasisPoints)) {
    return InvalidArgument("invalid_discount",
                           "percent_off_bp is 1-10000 basis points (10000 = 100%)",
                           "percent_off_bp");
  }
  if (request.amount_off < 0) {
    return InvalidArgument("invalid_amount_off", "amount_off must be positive", "amount_off");
  }
  if (request.minimum_purchase < 0) {
    return InvalidArgument("invalid_minimum_purchase", "minimum_purchase must not be negative",
                           "minimum_purchase");
  }
  if (request.valid_until <= request.valid_from) {
    return InvalidArgument("invalid_validity", "valid_until must be after valid_from",
                           "valid_until");
  }
  if (request.total_limit < 1) {
    return InvalidArgument("invalid_total_limit", "total_limit must be 1 to 2147483647",
                           "total_limit");
  }
  if (request.per_user_limit < 1 || request.per_user_limit > request.total_limit) {
    return InvalidArgument("invalid_per_user_limit",
                           "per_user_limit must be 1 to total_limit", "per_user_limit");
  }
  return Status::Ok();
}

Status CheckCouponApplies(const Coupon& coupon, std::string_view event_id, std::int64_t gross,
                          Timestamp now) {
  constexpr const char* kField = "coupon_code";
  if (!coupon.active) {
    return FailedPrecondition("coupon_inactive", "this coupon was deactivated", kField);
  }
  if (now < coupon.valid_from) {
    return FailedPrecondition("coupon_not_yet_valid",
                              "this coupon is valid from " + FormatTimestamp(coupon.valid_from),
                              kField);
  }
  if (now >= coupon.valid_until) {
    return FailedPrecondition("coupon_expired",
                              "this coupon expired at " + FormatTimestamp(coupon.valid_until),
                              kField);
  }
  if (!coupon.event_id.empty() && coupon.event_id != event_id) {
    return FailedPrecondition("coupon_not_for_event", "this coupon is for another event", kField);
  }
  if (gross < coupon.minimum_purchase) {
    return FailedPrecondition("coupon_minimum_not_met",
                              "this coupon needs a purchase of at least " +
                                  std::to_string(coupon.minimum_purchase) + " minor units",
                              kField);
  }
  return Status::Ok();
}

}  // namespace bookings
}  // namespace eventify
