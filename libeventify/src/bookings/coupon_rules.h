// The coupon rules that need no storage: the shape of a coupon being created, and whether a
// coupon applies to a booking (eventify/coupons.h; docs/bookings.md, "Coupons"). The limits, which
// need the coupon's uses, are CouponBatch's (bookings/coupon_batch.h).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "eventify/coupons.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::bookings {

// Errors: those of Coupons::CreateCoupon for bad input (kInvalidArgument invalid_coupon_code,
// invalid_discount, invalid_amount_off, invalid_minimum_purchase, invalid_validity,
// invalid_total_limit, invalid_per_user_limit).
Status CheckCouponRequest(const CouponRequest& request);

// Whether `coupon` applies at `now` to a booking of event `event_id` whose price before the
// discount is `gross`, in this order: active, window, event, minimum purchase.
// Errors (field "coupon_code"): kFailedPrecondition coupon_inactive, coupon_not_yet_valid,
// coupon_expired, coupon_not_for_event, coupon_minimum_not_met.
Status CheckCouponApplies(const Coupon& coupon, std::string_view event_id, std::int64_t gross,
                          Timestamp now);

}  // namespace eventify::bookings
