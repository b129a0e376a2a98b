// SociBookingStore's coupon calls (spi/booking_store.h, "Coupons"): the coupons table of
// migration 12 and the count of the bookings that use each coupon.
#include <soci/soci.h>

#include <string>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/booking_store.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

Status CouponNotFound() { return NotFound("coupon_not_found", "there is no such coupon"); }

constexpr std::string_view kCouponColumns =
    "id, code, event_id, organizer_id, created_by, percent_off_bp, amount_off, minimum_purchase, "
    "valid_from, valid_until, total_limit, per_user_limit, active, deactivated_at, created_at, "
    "updated_at";

struct CouponRow {
  Coupon coupon;
  long long amount_off = 0;
  long long minimum_purchase = 0;
  long long valid_from = 0;
  long long valid_until = 0;
  int active = 0;
  long long deactivated_at = 0;
  soci::indicator deactivated_indicator = soci::i_null;
  long long created_at = 0;
  long long updated_at = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(coupon.id));
    statement.exchange(soci::into(coupon.code));
    statement.exchange(soci::into(coupon.event_id));
    statement.exchange(soci::into(coupon.organizer_id));
    statement.exchange(soci::into(coupon.created_by));
    statement.exchange(soci::into(coupon.percent_off_bp));
    statement.exchange(soci::into(amount_off));
    statement.exchange(soci::into(minimum_purchase));
    statement.exchange(soci::into(valid_from));
    statement.exchange(soci::into(valid_until));
    statement.exchange(soci::into(coupon.total_limit));
    statement.exchange(soci::into(coupon.per_user_limit));
    statement.exchange(soci::into(active));
    statement.exchange(soci::into(deactivated_at, deactivated_indicator));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(updated_at));
  }

  Result<Coupon> Get() const {
    Coupon out = coupon;
    out.amount_off = amount_off;
    out.minimum_purchase = minimum_purchase;
    out.valid_from = FromMicros(valid_from);
    out.valid_until = FromMicros(valid_until);
    out.active = active != 0;
    out.deactivated_at.reset();
    if (deactivated_indicator == soci::i_ok) out.deactivated_at = FromMicros(deactivated_at);
    out.created_at = FromMicros(created_at);
    out.updated_at = FromMicros(updated_at);
    return out;
  }
};

struct UsesRow {
  spi::CouponUses uses;
  long long paid = 0;
  long long held = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(uses.coupon_id));
    statement.exchange(soci::into(uses.user_id));
    statement.exchange(soci::into(paid));
    statement.exchange(soci::into(held));
  }

  Result<spi::CouponUses> Get() const {
    spi::CouponUses out = uses;
    out.paid = paid;
    out.held = held;
    return out;
  }
};

}  // namespace

Status SociBookingStore::InsertCoupon(const Coupon& coupon) {
  return context_.Call(
      Access::kWrite, "InsertCoupon",
      [&]() -> Status {
        Params p(context_.dialect());
        // One Add() per statement: the placeholders bind in the order they were added.
        std::string values;
        const auto add = [&](const auto& value) {
          values += values.empty() ? "" : ", ";
          values += p.Add(value);
        };
        add(std::string_view(coupon.id));
        add(std::string_view(coupon.code));
        add(std::string_view(coupon.event_id));
        add(std::string_view(coupon.organizer_id));
        add(std::string_view(coupon.created_by));
        add(static_cast<long long>(coupon.percent_off_bp));
        add(static_cast<long long>(coupon.amount_off));
        add(static_cast<long long>(coupon.minimum_purchase));
        add(static_cast<long long>(ToMicros(coupon.valid_from)));
        add(static_cast<long long>(ToMicros(coupon.valid_until)));
        add(static_cast<long long>(coupon.total_limit));
        add(static_cast<long long>(coupon.per_user_limit));
        add(coupon.active ? 1LL : 0LL);
        add(MicrosOf(coupon.deactivated_at));
        add(static_cast<long long>(ToMicros(coupon.created_at)));
        add(static_cast<long long>(ToMicros(coupon.updated_at)));
        const std::string query =
            "INSERT INTO coupons (" + std::string(kCouponColumns) + ") VALUES (" + values + ")";
        ExecuteBound(context_.sql(), query, [&](soci::statement& statement) { p.Bind(statement); });
        return Status::Ok();
      },
      {.unique = AlreadyExists("coupon_code_taken", "a coupon with this code already exists",
                               "code")});
}

Status SociBookingStore::UpdateCoupon(const Coupon& coupon) {
  return context_.Call(Access::kWrite, "UpdateCoupon", [&]() -> Status {
    int active = coupon.active ? 1 : 0;
    long long deactivated = coupon.deactivated_at ? ToMicros(*coupon.deactivated_at) : 0;
    soci::indicator deactivated_indicator = coupon.deactivated_at ? soci::i_ok : soci::i_null;
    long long updated_at = ToMicros(coupon.updated_at);
    std::string id = coupon.id;
    const Executed updated =
        Execute(context_.sql(),
                "UPDATE coupons SET active = :active, deactivated_at = :deactivated_at, "
                "updated_at = :updated_at WHERE id = :id",
                soci::use(active), soci::use(deactivated, deactivated_indicator),
                soci::use(updated_at), soci::use(id));
    if (updated.affected_rows == 0) return CouponNotFound();
    return Status::Ok();
  });
}

Result<Coupon> SociBookingStore::FindCoupon(std::string_view id) {
  return context_.Call(Access::kRead, "FindCoupon", [&]() -> Result<Coupon> {
    std::vector<Coupon> found;
    Params p(context_.dialect());
    const std::string query =
        "SELECT " + std::string(kCouponColumns) + " FROM coupons WHERE id = " + p.Add(id);
    EV_RETURN_IF_ERROR(SelectInto<CouponRow>(context_, query, p, found));
    if (found.empty()) return CouponNotFound();
    return std::move(found.front());
  });
}

// Reads coupons_organizer_idx (organizer_id, created_at, id) for an organizer, coupons_list_idx
// (created_at, id) otherwise.
Result<std::vector<Coupon>> SociBookingStore::ListCoupons(const spi::CouponFilter& filter) {
  return context_.Call(Access::kRead, "ListCoupons", [&]() -> Result<std::vector<Coupon>> {
    Params p(context_.dialect());
    std::string query = "SELECT " + std::string(kCouponColumns) + " FROM coupons WHERE 1 = 1";
    if (!filter.organizer_id.empty()) query += " AND organizer_id = " + p.Add(filter.organizer_id);
    if (!filter.event_id.empty()) query += " AND event_id = " + p.Add(filter.event_id);
    if (filter.before) query += KeysetBefore(p, "", *filter.before);
    query += " ORDER BY created_at DESC, id DESC LIMIT " +
             p.Add(static_cast<long long>(filter.limit));
    std::vector<Coupon> out;
    EV_RETURN_IF_ERROR(SelectInto<CouponRow>(context_, query, p, out));
    return out;
  });
}

Result<std::vector<Coupon>> SociBookingStore::LockCoupons(std::span<const std::string> codes) {
  return context_.Call(Access::kWrite, "LockCoupons", [&]() -> Result<std::vector<Coupon>> {
    std::vector<Coupon> out;
    const Status read = ForChunks(codes, [&](std::span<const std::string> chunk) {
      Params p(context_.dialect());
      const std::string query = "SELECT " + std::string(kCouponColumns) +
                                " FROM coupons WHERE code IN " + InList(p, chunk) +
                                " ORDER BY code" +
                                std::string(context_.LockClause(spi::LockMode::kForUpdate));
      return SelectInto<CouponRow>(context_, query, p, out);
    });
    if (!read.ok()) return read;
    return out;
  });
}

// Reads the partial index bookings_coupon_idx (coupon_id, user_id, status); the literal
// "coupon_id <> ''" lets both databases use it.
Result<std::vector<spi::CouponUses>> SociBookingStore::CountCouponUses(
    std::span<const std::string> coupon_ids, std::span<const std::string> user_ids,
    Timestamp now) {
  return context_.Call(
      Access::kRead, "CountCouponUses", [&]() -> Result<std::vector<spi::CouponUses>> {
        std::vector<spi::CouponUses> out;
        const bool per_user = !user_ids.empty();
        const Status read = ForChunks(coupon_ids, [&](std::span<const std::string> coupons) {
          const auto count = [&](std::span<const std::string> users) {
            Params p(context_.dialect());
            const long long at = ToMicros(now);
            std::string query = "SELECT coupon_id, " + std::string(per_user ? "user_id" : "''") +
                                ", SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END), "
                                "SUM(CASE WHEN status = 'held' THEN 1 ELSE 0 END) "
                                "FROM bookings WHERE coupon_id <> '' AND coupon_id IN " +
                                InList(p, coupons);
            if (per_user) query += " AND user_id IN " + InList(p, users);
            query += " AND (status = 'confirmed' OR (status = 'held' AND hold_expires_at > " +
                     p.Add(at) + "))";
            query += per_user ? " GROUP BY coupon_id, user_id" : " GROUP BY coupon_id";
            return SelectInto<UsesRow>(context_, query, p, out);
          };
          if (!per_user) return count({});
          return ForChunks(user_ids, count);
        });
        if (!read.ok()) return read;
        return out;
      });
}

}  // namespace eventify::storage
