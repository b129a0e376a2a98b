#include "storage/soci/review_store.h"

#include <soci/soci.h>

#include <string>
#include <utility>
#include <vector>

#include "core/status_macros.h"
#include "storage/soci/params.h"
#include "storage/soci/row_queries.h"
#include "storage/soci/statement.h"

namespace eventify::storage {
namespace {

using Access = TransactionContext::Access;

Status ReviewNotFound() { return NotFound("review_not_found", "there is no such review"); }

// The author's name comes from the account as it is now (a subquery, so that a row lock names
// the reviews table alone).
constexpr std::string_view kReviewColumns =
    "r.id, r.event_id, r.organizer_id, r.user_id,"
    " COALESCE((SELECT u.full_name FROM users u WHERE u.id = r.user_id), ''),"
    " r.rating, r.title, r.body, r.created_at, r.updated_at, r.removed_at, r.removed_by,"
    " r.removal_note";

struct ReviewRow {
  Review review;
  long long created_at = 0;
  long long updated_at = 0;
  long long removed_at = 0;
  soci::indicator removed_indicator = soci::i_null;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(review.id));
    statement.exchange(soci::into(review.event_id));
    statement.exchange(soci::into(review.organizer_id));
    statement.exchange(soci::into(review.user_id));
    statement.exchange(soci::into(review.author_name));
    statement.exchange(soci::into(review.rating));
    statement.exchange(soci::into(review.title));
    statement.exchange(soci::into(review.text));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(updated_at));
    statement.exchange(soci::into(removed_at, removed_indicator));
    statement.exchange(soci::into(review.removed_by));
    statement.exchange(soci::into(review.removal_note));
  }

  Review Get() const {
    Review out = review;
    out.created_at = FromMicros(created_at);
    out.updated_at = FromMicros(updated_at);
    out.removed_at.reset();
    if (removed_indicator == soci::i_ok) out.removed_at = FromMicros(removed_at);
    return out;
  }
};

// A row of event_ratings: the event's id and its totals.
struct RatingRow {
  std::string event_id;
  long long count = 0;
  long long sum = 0;

  void Exchange(soci::statement& statement) {
    statement.exchange(soci::into(event_id));
    statement.exchange(soci::into(count));
    statement.exchange(soci::into(sum));
  }

  std::pair<std::string, Rating> Get() const { return {event_id, Rating{count, sum}}; }
};

// The first review `tail` finds, or review_not_found.
Result<Review> FirstOrNotFound(TransactionContext& context, const std::string& tail, Params& p) {
  EV_ASSIGN_OR_RETURN(std::vector<Review> reviews, SelectReviews(context, tail, p));
  if (reviews.empty()) return ReviewNotFound();
  return std::move(reviews.front());
}

// Adds to a totals row in place; the row stays locked by the update until the transaction ends,
// on both databases. A missing row is inserted, and "ON CONFLICT DO UPDATE" turns a concurrent
// first insert into an addition. (The UPDATE comes first because both databases check the CHECK
// constraints of the proposed row before resolving the conflict, and a negative count is refused.)
void AddToTotals(soci::session& sql, const std::string& table, const std::string& key_column,
                 std::string key, long long count, long long sum) {
  const std::string add = "review_count = " + table + ".review_count + :count, rating_sum = " +
                          table + ".rating_sum + :sum";
  const Executed updated =
      Execute(sql, "UPDATE " + table + " SET " + add + " WHERE " + key_column + " = :key",
              soci::use(count), soci::use(sum), soci::use(key));
  if (updated.affected_rows > 0) return;
  long long again_count = count;
  long long again_sum = sum;
  Execute(sql,
          "INSERT INTO " + table + " (" + key_column +
              ", review_count, rating_sum) VALUES (:key, :first_count, :first_sum) ON CONFLICT (" +
              key_column + ") DO UPDATE SET " + add,
          soci::use(key), soci::use(count), soci::use(sum), soci::use(again_count),
          soci::use(again_sum));
}

}  // namespace

// The reviews "SELECT kReviewColumns FROM reviews r" + `tail` finds, `tail` bound by `p`.
Result<std::vector<Review>> SelectReviews(TransactionContext& context, const std::string& tail,
                                          Params& p) {
  std::vector<Review> reviews;
  EV_RETURN_IF_ERROR((SelectInto<ReviewRow>(
      context, "SELECT " + std::string(kReviewColumns) + " FROM reviews r" + tail, p, reviews)));
  return reviews;
}

Result<bool> SociReviewStore::HoldsConfirmedBooking(std::string_view event_id,
                                                    std::string_view user_id) {
  return context_.Call(Access::kRead, "HoldsConfirmedBooking", [&]() -> Result<bool> {
    std::string event(event_id);
    std::string user(user_id);
    std::string found;
    const Executed row = Execute(context_.sql(),
                                 "SELECT id FROM bookings WHERE user_id = :user AND "
                                 "event_id = :event AND status = 'confirmed' LIMIT 1",
                                 soci::into(found), soci::use(user), soci::use(event));
    return row.got_row;
  });
}

Status SociReviewStore::InsertReview(const Review& review) {
  return context_.Call(
      Access::kWrite, "InsertReview",
      [&]() -> Status {
        Review r = review;
        long long rating = r.rating;
        long long created_at = ToMicros(r.created_at);
        long long updated_at = ToMicros(r.updated_at);
        long long removed_at = r.removed_at ? ToMicros(*r.removed_at) : 0;
        soci::indicator removed_indicator = r.removed_at ? soci::i_ok : soci::i_null;
        Execute(context_.sql(),
                "INSERT INTO reviews (id, event_id, organizer_id, user_id, rating, title, body,"
                " created_at, updated_at, removed_at, removed_by, removal_note) VALUES (:id,"
                " :event_id, :organizer_id, :user_id, :rating, :title, :body, :created_at,"
                " :updated_at, :removed_at, :removed_by, :removal_note)",
                soci::use(r.id), soci::use(r.event_id), soci::use(r.organizer_id),
                soci::use(r.user_id), soci::use(rating), soci::use(r.title), soci::use(r.text),
                soci::use(created_at), soci::use(updated_at),
                soci::use(removed_at, removed_indicator), soci::use(r.removed_by),
                soci::use(r.removal_note));
        return Status::Ok();
      },
      {.unique = AlreadyExists("review_exists", "this user has reviewed this event already")});
}

Status SociReviewStore::UpdateReview(const Review& review) {
  return context_.Call(Access::kWrite, "UpdateReview", [&]() -> Status {
    Review r = review;
    long long rating = r.rating;
    long long updated_at = ToMicros(r.updated_at);
    long long removed_at = r.removed_at ? ToMicros(*r.removed_at) : 0;
    soci::indicator removed_indicator = r.removed_at ? soci::i_ok : soci::i_null;
    const Executed updated = Execute(
        context_.sql(),
        "UPDATE reviews SET rating = :rating, title = :title, body = :body,"
        " updated_at = :updated_at, removed_at = :removed_at, removed_by = :removed_by,"
        " removal_note = :removal_note WHERE id = :id",
        soci::use(rating), soci::use(r.title), soci::use(r.text), soci::use(updated_at),
        soci::use(removed_at, removed_indicator), soci::use(r.removed_by),
        soci::use(r.removal_note), soci::use(r.id));
    if (updated.affected_rows == 0) return ReviewNotFound();
    return Status::Ok();
  });
}

Status SociReviewStore::DeleteReview(std::string_view id) {
  return context_.Call(Access::kWrite, "DeleteReview", [&]() -> Status {
    std::string key(id);
    const Executed deleted =
        Execute(context_.sql(), "DELETE FROM reviews WHERE id = :id", soci::use(key));
    if (deleted.affected_rows == 0) return ReviewNotFound();
    return Status::Ok();
  });
}

Result<Review> SociReviewStore::FindReview(std::string_view id, spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindReview", [&]() -> Result<Review> {
    Params p(context_.dialect());
    const std::string tail = " WHERE r.id = " + p.Add(id) + std::string(context_.LockClause(lock));
    return FirstOrNotFound(context_, tail, p);
  });
}

Result<Review> SociReviewStore::FindUserReview(std::string_view event_id, std::string_view user_id,
                                               spi::LockMode lock) {
  return context_.Call(Access::kRead, "FindUserReview", [&]() -> Result<Review> {
    Params p(context_.dialect());
    std::string tail = " WHERE r.event_id = " + p.Add(event_id);
    tail += " AND r.user_id = " + p.Add(user_id);
    tail += context_.LockClause(lock);
    return FirstOrNotFound(context_, tail, p);
  });
}

// Reads the partial index reviews_listing_idx (event_id, created_at, id) of visible reviews.
Result<std::vector<Review>> SociReviewStore::ListEventReviews(
    std::string_view event_id, const std::optional<spi::Keyset>& before, int limit) {
  return context_.Call(Access::kRead, "ListEventReviews", [&]() -> Result<std::vector<Review>> {
    Params p(context_.dialect());
    std::string tail = " WHERE r.event_id = " + p.Add(event_id) + " AND r.removed_at IS NULL";
    if (before) tail += KeysetBefore(p, "r.", *before);
    tail += " ORDER BY r.created_at DESC, r.id DESC LIMIT " + p.Add(static_cast<long long>(limit));
    return SelectReviews(context_, tail, p);
  });
}

Status SociReviewStore::AddToRatings(std::string_view event_id, std::string_view organizer_id,
                                     std::int64_t count, std::int64_t sum) {
  return context_.Call(Access::kWrite, "AddToRatings", [&]() -> Status {
    AddToTotals(context_.sql(), "event_ratings", "event_id", std::string(event_id), count, sum);
    AddToTotals(context_.sql(), "organizer_ratings", "organizer_id", std::string(organizer_id),
                count, sum);
    return Status::Ok();
  });
}

Result<std::vector<std::pair<std::string, Rating>>> SociReviewStore::FindEventRatings(
    std::span<const std::string> event_ids) {
  return context_.Call(
      Access::kRead, "FindEventRatings",
      [&]() -> Result<std::vector<std::pair<std::string, Rating>>> {
        std::vector<std::pair<std::string, Rating>> out;
        EV_RETURN_IF_ERROR(ForChunks(event_ids, [&](std::span<const std::string> chunk) {
          Params p(context_.dialect());
          return SelectInto<RatingRow>(
              context_,
              "SELECT event_id, review_count, rating_sum FROM event_ratings WHERE event_id IN " +
                  InList(p, chunk),
              p, out);
        }));
        return out;
      });
}

Result<Rating> SociReviewStore::FindOrganizerRating(std::string_view organizer_id) {
  return context_.Call(Access::kRead, "FindOrganizerRating", [&]() -> Result<Rating> {
    std::string key(organizer_id);
    long long count = 0;
    long long sum = 0;
    const Executed row = Execute(
        context_.sql(),
        "SELECT review_count, rating_sum FROM organizer_ratings WHERE organizer_id = :id",
        soci::into(count), soci::into(sum), soci::use(key));
    if (!row.got_row) return Rating{};
    return Rating{count, sum};
  });
}

}  // namespace eventify::storage
