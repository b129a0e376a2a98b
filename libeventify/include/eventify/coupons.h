// Coupons: discount codes buyers give when they hold or buy seats (BookingRequest::coupon_code,
// eventify/bookings.h), and their management by admins and organizers.
//
// A coupon takes a percentage (in basis points) or a fixed amount off a booking's price
// (seats x ticket price), when that price reaches its minimum purchase, within its validity
// window [valid_from, valid_until) (UTC), for one event or (admins only) for every event. It is
// used at most total_limit times in all and per_user_limit times by one buyer. A use is one
// booking: it counts from the hold that reserves it (a live hold or a paid booking) and comes
// back when the hold expires or the booking is cancelled (released or refunded). The limits hold
// under any concurrency: the bookings that use a coupon are counted with its row locked, in the
// same commit-pipeline batch that writes them (docs/bookings.md, "Coupons").
//
// Codes: 4-32 characters, ASCII letters, digits, '-' and '_', case-insensitive: stored and shown
// in upper case, unique across the platform.
//
// Who may: the events area's permission table (eventify/events.h): kManageEventCoupons (an
// event's own organizer, admins) for coupons of one event; kManagePlatformCoupons (admins) for
// coupons of every event and for listing all coupons.
//
// Obtained from Engine::bookings().coupons(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any number of threads;
// calls block on storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

inline constexpr std::int32_t kMaxCouponBasisPoints = 10000;  // 100%

struct Coupon {
  std::string id;
  std::string code;          // upper case
  std::string event_id;      // empty: valid for every event
  std::string organizer_id;  // the event's organizer; empty for a platform-wide coupon
  std::string created_by;    // the user who created it
  // Exactly one of the two is set: basis points off (1..10000; 2500 = 25%), or minor units off
  // in the platform currency (ticket prices' currency).
  std::int32_t percent_off_bp = 0;
  std::int64_t amount_off = 0;
  std::int64_t minimum_purchase = 0;  // seats x price must reach it (minor units); 0: none
  Timestamp valid_from;   // usable from this instant on...
  Timestamp valid_until;  // ...and no longer from this one
  std::int32_t total_limit = 1;     // bookings using it, in all
  std::int32_t per_user_limit = 1;  // bookings using it, per buyer
  bool active = true;
  std::optional<Timestamp> deactivated_at;
  Timestamp created_at;
  Timestamp updated_at;
  // Its uses when read: paid (confirmed bookings) and held (live holds). Filled by ListCoupons
  // and DeactivateCoupon.
  std::int64_t uses_paid = 0;
  std::int64_t uses_held = 0;
};

struct CouponRequest {
  std::string code;
  std::string event_id;  // empty: every event (admins only)
  std::int32_t percent_off_bp = 0;  // set exactly one of these two
  std::int64_t amount_off = 0;
  std::int64_t minimum_purchase = 0;
  Timestamp valid_from;
  Timestamp valid_until;
  std::int32_t total_limit = 1;
  std::int32_t per_user_limit = 1;
};

struct CouponPage {
  std::vector<Coupon> items;  // newest first
  std::string next_cursor;    // empty when there is nothing older
};

// The code in its stored form (upper case). Errors: kInvalidArgument invalid_coupon_code (field
// `field`) unless 4-32 ASCII letters, digits, '-' or '_'.
EVENTIFY_EXPORT Result<std::string> NormalizeCouponCode(std::string_view code,
                                                        const char* field = "code");

// What `coupon` takes off a price of `gross` minor units: a percentage rounded down to the minor
// unit (the buyer pays the odd fraction), or the fixed amount; never more than `gross`.
EVENTIFY_EXPORT std::int64_t CouponDiscount(const Coupon& coupon, std::int64_t gross);

class EVENTIFY_EXPORT Coupons {
 public:
  virtual ~Coupons() = default;

  // Creates an active coupon. Errors: kInvalidArgument invalid_coupon_code (field "code"),
  // invalid_discount (field "percent_off_bp": neither or both of percent_off_bp and amount_off set,
  // or percent_off_bp outside 1..10000), invalid_amount_off (field "amount_off": negative),
  // invalid_minimum_purchase (field "minimum_purchase": negative), invalid_validity (field
  // "valid_until": not after valid_from), invalid_total_limit (field "total_limit": below 1),
  // invalid_per_user_limit (field "per_user_limit": below 1 or above total_limit);
  // kNotFound event_not_found (field "event_id": unknown, or not the caller's to see);
  // kPermissionDenied forbidden (the permission table); kFailedPrecondition event_not_bookable
  // (the event was cancelled or is over); kAlreadyExists coupon_code_taken (field "code").
  virtual Result<Coupon> CreateCoupon(const Principal& caller, const CouponRequest& request) = 0;

  // Coupons the caller manages, newest first (by creation, then id), with their uses: an admin
  // sees all of them, an organizer those of their own events; `event_id` (empty: no filter) keeps
  // one event's. `limit` of them after `cursor` (empty: the first page).
  // Errors: kPermissionDenied forbidden (attendees); kInvalidArgument invalid_limit,
  // invalid_cursor.
  virtual Result<CouponPage> ListCoupons(const Principal& caller, std::string_view event_id,
                                         std::string_view cursor, int limit) = 0;

  // Deactivates the coupon: no new hold may use it (coupon_inactive); holds that reserved it
  // keep their discount and may still be paid. Deactivating again returns it unchanged.
  // Errors: kNotFound coupon_not_found (unknown, or not the caller's to manage);
  // kPermissionDenied forbidden.
  virtual Result<Coupon> DeactivateCoupon(const Principal& caller,
                                          std::string_view coupon_id) = 0;
};

}  // namespace eventify
