#include "bookings/coupon_batch.h"

#include <algorithm>
#include <vector>

#include "bookings/coupon_rules.h"
#include "core/status_macros.h"

namespace eventify::bookings {

CouponBatch& CouponBatch::Of(storage::BatchContext& context, spi::Transaction& tx, Timestamp now) {
  return context.Get<CouponBatch>(
      [&] { return std::make_unique<CouponBatch>(*tx.store<spi::BookingStore>(), now); });
}

Status CouponBatch::Load(std::span<const std::string> codes, std::span<const std::string> user_ids) {
  std::vector<std::string> wanted;
  for (const std::string& code : codes) {
    if (!by_code_.count(code) && !missing_.count(code)) wanted.push_back(code);
  }
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  if (!wanted.empty()) {
    EV_ASSIGN_OR_RETURN(auto locked, store_.LockCoupons(wanted));
    std::vector<std::string> ids;
    for (Coupon& coupon : locked) {
      ids.push_back(coupon.id);
      code_of_[coupon.id] = coupon.code;
      std::string code = coupon.code;
      by_code_.emplace(std::move(code), Counted{std::move(coupon), 0, {}});
    }
    for (const std::string& code : wanted) {
      if (!by_code_.count(code)) missing_.insert(code);
    }
    if (!ids.empty()) {
      // The rows are locked: no other batch adds a use of these coupons until this one commits.
      EV_ASSIGN_OR_RETURN(auto totals, store_.CountCouponUses(ids, {}, now_));
      for (const spi::CouponUses& uses : totals) {
        by_code_.at(code_of_.at(uses.coupon_id)).uses = uses.paid + uses.held;
      }
    }
  }

  // Each buyer's uses of each coupon named, for the pairs not counted yet.
  std::vector<std::string> coupon_ids, users;
  for (const std::string& code : codes) {
    auto found = by_code_.find(code);
    if (found == by_code_.end()) continue;
    for (const std::string& user : user_ids) {
      if (counted_users_.count({found->second.coupon.id, user})) continue;
      coupon_ids.push_back(found->second.coupon.id);
      users.push_back(user);
    }
  }
  if (coupon_ids.empty()) return Status::Ok();
  std::set<std::pair<std::string, std::string>> fresh;
  for (std::size_t i = 0; i < coupon_ids.size(); ++i) {
    fresh.insert({coupon_ids[i], users[i]});
    counted_users_.insert({coupon_ids[i], users[i]});
    by_code_.at(code_of_.at(coupon_ids[i])).by_user.emplace(users[i], 0);
  }
  std::sort(coupon_ids.begin(), coupon_ids.end());
  coupon_ids.erase(std::unique(coupon_ids.begin(), coupon_ids.end()), coupon_ids.end());
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  EV_ASSIGN_OR_RETURN(auto per_user, store_.CountCouponUses(coupon_ids, users, now_));
  for (const spi::CouponUses& uses : per_user) {
    // Only the pairs asked for now: a pair counted earlier in the batch has moved on in memory.
    if (!fresh.count({uses.coupon_id, uses.user_id})) continue;
    by_code_.at(code_of_.at(uses.coupon_id)).by_user[uses.user_id] = uses.paid + uses.held;
  }
  return Status::Ok();
}

const Coupon* CouponBatch::Find(std::string_view code) const {
  auto found = by_code_.find(std::string(code));
  return found == by_code_.end() ? nullptr : &found->second.coupon;
}

Result<std::int64_t> CouponBatch::Check(std::string_view code, std::string_view event_id,
                                        const std::string& user_id, std::int64_t gross) const {
  auto found = by_code_.find(std::string(code));
  if (found == by_code_.end()) {
    return NotFound("coupon_not_found", "there is no such coupon", "coupon_code");
  }
  const Counted& counted = found->second;
  EV_RETURN_IF_ERROR(CheckCouponApplies(counted.coupon, event_id, gross, now_));
  if (counted.uses >= counted.coupon.total_limit) {
    return FailedPrecondition("coupon_exhausted", "this coupon has been used up", "coupon_code");
  }
  auto mine = counted.by_user.find(user_id);
  if (mine == counted.by_user.end()) {
    return Internal("a coupon's uses were not counted for this buyer");
  }
  if (mine->second >= counted.coupon.per_user_limit) {
    return FailedPrecondition("coupon_user_limit_reached",
                              "you have used this coupon as often as it allows", "coupon_code");
  }
  return CouponDiscount(counted.coupon, gross);
}

void CouponBatch::Take(const Coupon& coupon, const std::string& user_id) {
  Counted& counted = by_code_.at(coupon.code);
  ++counted.uses;
  ++counted.by_user[user_id];
}

void CouponBatch::Release(const std::string& coupon_id, const std::string& user_id) {
  auto code = code_of_.find(coupon_id);
  if (code == code_of_.end()) return;
  Counted& counted = by_code_.at(code->second);
  --counted.uses;
  auto mine = counted.by_user.find(user_id);
  if (mine != counted.by_user.end()) --mine->second;
}

Status CouponBatch::Finish(spi::Transaction& /*tx*/) { return Status::Ok(); }

}  // namespace eventify::bookings
