#include "bookings/coupons_service.h"

#include <utility>

#include "bookings/coupon_rules.h"
#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "eventify/events.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/event_store.h"
#include "events/visibility.h"

namespace eventify::bookings {
namespace {

using spi::BookingStore;
using spi::Transaction;
using spi::TransactionMode;

using events::RelationTo;

// Whether the caller manages any coupons at all (an organizer of their events, an admin).
bool ManagesCoupons(const Principal& caller) {
  return IsEventActionAllowed(caller.role, EventRelation::kOrganizerOfEvent,
                              EventAction::kManageEventCoupons);
}

Status Forbidden() { return PermissionDenied("forbidden", "your role does not allow this"); }

bool MayManage(const Principal& caller, const Coupon& coupon) {
  const EventAction action = coupon.event_id.empty() ? EventAction::kManagePlatformCoupons
                                                     : EventAction::kManageEventCoupons;
  return IsEventActionAllowed(caller.role, RelationTo(caller, coupon.organizer_id), action);
}

// Fills uses_paid and uses_held of `coupons` as of `now`.
Status CountUses(BookingStore& store, std::span<Coupon> coupons, Timestamp now) {
  std::vector<std::string> ids;
  for (const Coupon& coupon : coupons) ids.push_back(coupon.id);
  if (ids.empty()) return Status::Ok();
  EV_ASSIGN_OR_RETURN(auto counted, store.CountCouponUses(ids, {}, now));
  for (Coupon& coupon : coupons) {
    for (const spi::CouponUses& uses : counted) {
      if (uses.coupon_id != coupon.id) continue;
      coupon.uses_paid = uses.paid;
      coupon.uses_held = uses.held;
    }
  }
  return Status::Ok();
}

class CouponsService final : public Coupons {
 public:
  CouponsService(std::shared_ptr<spi::Storage> storage, ledger::TransferClock& clock)
      : storage_(std::move(storage)), clock_(clock) {}

  Result<Coupon> CreateCoupon(const Principal& caller, const CouponRequest& request) override {
    if (!ManagesCoupons(caller)) return Forbidden();
    EV_RETURN_IF_ERROR(CheckCouponRequest(request));
    Coupon coupon;
    EV_ASSIGN_OR_RETURN(coupon.code, NormalizeCouponCode(request.code));
    const Timestamp now = clock_.Now();
    coupon.id = NewId(now);
    coupon.event_id = request.event_id;
    coupon.created_by = caller.user_id;
    coupon.percent_off_bp = request.percent_off_bp;
    coupon.amount_off = request.amount_off;
    coupon.minimum_purchase = request.minimum_purchase;
    coupon.valid_from = request.valid_from;
    coupon.valid_until = request.valid_until;
    coupon.total_limit = request.total_limit;
    coupon.per_user_limit = request.per_user_limit;
    coupon.created_at = coupon.updated_at = now;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      if (!coupon.event_id.empty()) {
        EV_ASSIGN_OR_RETURN(const Event event, FindEventFor(tx, caller, coupon.event_id));
        coupon.organizer_id = event.organizer_id;
      } else if (!IsEventActionAllowed(caller.role, EventRelation::kNone,
                                       EventAction::kManagePlatformCoupons)) {
        return Forbidden();
      }
      return tx.store<BookingStore>()->InsertCoupon(coupon);
    }));
    return coupon;
  }

  Result<CouponPage> ListCoupons(const Principal& caller, std::string_view event_id,
                                 std::string_view cursor, int limit) override {
    if (!ManagesCoupons(caller)) return Forbidden();
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    spi::CouponFilter filter;
    EV_ASSIGN_OR_RETURN(filter.before, DecodePageCursor(cursor));
    filter.limit = limit + 1;
    filter.event_id = std::string(event_id);
    if (!IsEventActionAllowed(caller.role, EventRelation::kNone,
                              EventAction::kManagePlatformCoupons)) {
      filter.organizer_id = caller.user_id;  // an organizer sees the coupons of their events
    }
    CouponPage page;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      auto* store = tx.store<BookingStore>();
      EV_ASSIGN_OR_RETURN(page.items, store->ListCoupons(filter));
      page.next_cursor = TrimPage(page.items, limit, [](const Coupon& coupon) {
        return spi::Keyset{coupon.created_at, coupon.id};
      });
      return CountUses(*store, page.items, clock_.Now());
    }));
    return page;
  }

  Result<Coupon> DeactivateCoupon(const Principal& caller, std::string_view coupon_id) override {
    if (!ManagesCoupons(caller)) return Forbidden();
    Coupon coupon;
    EV_RETURN_IF_ERROR(storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      auto* store = tx.store<BookingStore>();
      EV_ASSIGN_OR_RETURN(coupon, store->FindCoupon(coupon_id));
      if (!MayManage(caller, coupon)) {
        return NotFound("coupon_not_found", "there is no such coupon");
      }
      const Timestamp now = clock_.Now();
      if (coupon.active) {
        coupon.active = false;
        coupon.deactivated_at = now;
        coupon.updated_at = now;
        EV_RETURN_IF_ERROR(store->UpdateCoupon(coupon));
      }
      return CountUses(*store, std::span(&coupon, 1), now);
    }));
    return coupon;
  }

 private:
  // The event a new coupon is for, when the caller may manage its coupons: an event the caller
  // may not see answers event_not_found; one that is over answers event_not_bookable.
  static Result<Event> FindEventFor(Transaction& tx, const Principal& caller,
                                    const std::string& event_id) {
    auto found = tx.store<spi::EventStore>()->FindEvent(event_id, spi::LockMode::kNone);
    const auto not_found = [] {
      return NotFound("event_not_found", "there is no such event", "event_id");
    };
    if (!found.ok()) {
      return found.status().code() == StatusCode::kNotFound ? not_found() : found.status();
    }
    const EventRelation relation = RelationTo(caller, found->organizer_id);
    if (!IsEventActionAllowed(caller.role, relation, EventAction::kManageEventCoupons)) {
      return events::MaySee(&caller, found->organizer_id, found->status) ? Forbidden()
                                                                         : not_found();
    }
    if (found->status == EventStatus::kCancelled || found->status == EventStatus::kCompleted) {
      return FailedPrecondition("event_not_bookable", "this event takes no bookings");
    }
    return std::move(found).value();
  }

  const std::shared_ptr<spi::Storage> storage_;
  ledger::TransferClock& clock_;
};

}  // namespace

std::unique_ptr<Coupons> MakeCouponsService(std::shared_ptr<spi::Storage> storage,
                                            ledger::TransferClock& clock) {
  return std::make_unique<CouponsService>(std::move(storage), clock);
}

}  // namespace eventify::bookings
