// CouponBatch: the coupons' limits as a part of a commit-pipeline batch (storage/commit_pipeline.h),
// as SeatBatch is for seats.
//
//   auto& coupons = CouponBatch::Of(context, tx, now);
//   EV_RETURN_IF_ERROR(coupons.Load(codes, buyers));  // one lock of each coupon row, one count
//   for (op : ops) {
//     auto discount = coupons.Check(code, event_id, buyer, gross);  // every rule, limits counted
//     ...                                                            // in memory, arrival order
//     coupons.Take(*coupons.Find(code), buyer);   // the booking is written: its use counts
//   }
//
// A coupon's uses are the bookings that name it (confirmed, or held with a live hold). Load locks
// the coupons' rows (spi::BookingStore::LockCoupons, in code order, after the batch's events) and
// only then counts their uses, so no other batch adds a use meanwhile; the operations of the batch
// then count on in memory. Nothing is written back: the bookings the batch inserts are the uses.
// Only batches with a coupon code ask for this part, so a booking without one costs nothing here.
//
// Ownership and threads: made by Of inside a pipeline batch and owned by its BatchContext; used
// by the thread running that batch only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "eventify/coupons.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/storage.h"
#include "storage/commit_pipeline.h"

namespace eventify::bookings {

class CouponBatch final : public storage::BatchContext::Part {
 public:
  // The batch's CouponBatch, made on first use; `now` is the batch's clock reading.
  static CouponBatch& Of(storage::BatchContext& context, spi::Transaction& tx, Timestamp now);

  CouponBatch(spi::BookingStore& store, Timestamp now) : store_(store), now_(now) {}

  // Locks the coupons among `codes` (upper case) not locked yet in this batch and counts their
  // uses, in all and by each of `user_ids`. Unknown codes are left out (Find answers nullptr).
  // Errors: storage failures only (they roll the batch back).
  Status Load(std::span<const std::string> codes, std::span<const std::string> user_ids);

  // The locked coupon of `code` (upper case); nullptr when unknown or not loaded.
  const Coupon* Find(std::string_view code) const;

  // The discount the coupon of `code` gives `user_id` on a booking of `event_id` costing `gross`,
  // its limits counted as changed so far in this batch. Errors (field "coupon_code"): kNotFound
  // coupon_not_found; those of CheckCouponApplies (bookings/coupon_rules.h); kFailedPrecondition
  // coupon_exhausted, coupon_user_limit_reached.
  Result<std::int64_t> Check(std::string_view code, std::string_view event_id,
                             const std::string& user_id, std::int64_t gross) const;

  // Counts one more use (a booking naming it was made), or one less (one was released).
  // Release of a coupon this batch did not load changes nothing: its count is read afresh by the
  // next batch that loads it.
  void Take(const Coupon& coupon, const std::string& user_id);
  void Release(const std::string& coupon_id, const std::string& user_id);

  // Nothing to write: the uses are the booking rows.
  Status Finish(spi::Transaction& tx) override;

 private:
  struct Counted {
    Coupon coupon;
    std::int64_t uses = 0;                                  // live holds and paid bookings
    std::unordered_map<std::string, std::int64_t> by_user;  // of the users loaded
  };

  spi::BookingStore& store_;
  const Timestamp now_;
  std::map<std::string, Counted> by_code_;                // locked
  std::unordered_map<std::string, std::string> code_of_;  // coupon id -> code
  std::set<std::string> missing_;                         // looked for, not found
  std::set<std::pair<std::string, std::string>> counted_users_;  // (coupon id, user id)
};

}  // namespace eventify::bookings
