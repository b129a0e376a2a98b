// ReviewStore: the reviews area's store (eventify/reviews.h) — reviews, and the rating totals of
// events and organizers they add up to — handed out by Transaction::store<ReviewStore>() of a
// storage that Supports(ReviewStore::kArea).
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h. The rules (who may review, when, once) are the engine's; the store
// keeps rows and finds them. Timestamps to the microsecond.
//
// The totals are exact under concurrency because AddToRatings changes them in place (count +=,
// sum +=) while holding their rows' locks until the transaction ends: concurrent reviewers of one
// event or organizer queue on those rows instead of overwriting each other's totals. The engine
// calls it in the transaction that writes the review, so a review and its share of the totals
// commit together.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventify/events.h"
#include "eventify/export.h"
#include "eventify/reviews.h"
#include "eventify/spi/keyset.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

class EVENTIFY_EXPORT ReviewStore {
 public:
  static constexpr StoreArea kArea{"reviews"};

  virtual ~ReviewStore() = default;

  // Whether `user_id` holds a confirmed booking of `event_id` (the bookings area's rows, status
  // "confirmed").
  virtual Result<bool> HoldsConfirmedBooking(std::string_view event_id,
                                             std::string_view user_id) = 0;

  // Stores every field but author_name, which reads return from the author's account.
  // Errors: kAlreadyExists (review_exists) for a taken id or a second review of one user for one
  // event.
  virtual Status InsertReview(const Review& review) = 0;
  // Overwrites rating, title, text, updated_at, removed_at, removed_by and removal_note.
  // Errors: kNotFound (review_not_found).
  virtual Status UpdateReview(const Review& review) = 0;
  // Errors: kNotFound (review_not_found).
  virtual Status DeleteReview(std::string_view id) = 0;
  // Errors: kNotFound (review_not_found).
  virtual Result<Review> FindReview(std::string_view id, LockMode lock) = 0;
  // The review of `user_id` for `event_id`, removed or not. Errors: kNotFound (review_not_found).
  virtual Result<Review> FindUserReview(std::string_view event_id, std::string_view user_id,
                                        LockMode lock) = 0;
  // Up to `limit` reviews of the event that are not removed, newest first (created_at DESC, id
  // DESC), only those strictly older than `before` when it is given. Read from an index in that
  // order, never with OFFSET.
  virtual Result<std::vector<Review>> ListEventReviews(std::string_view event_id,
                                                       const std::optional<Keyset>& before,
                                                       int limit) = 0;

  // Adds `count` and `sum` (either may be negative) to the totals of the event and of the
  // organizer, creating rows that do not exist yet, and keeps both rows locked until the
  // transaction ends (event first, then organizer). Read-write transactions only.
  virtual Status AddToRatings(std::string_view event_id, std::string_view organizer_id,
                              std::int64_t count, std::int64_t sum) = 0;
  // The totals of the events among `event_ids` that have any; the others are left out.
  virtual Result<std::vector<std::pair<std::string, Rating>>> FindEventRatings(
      std::span<const std::string> event_ids) = 0;
  // The organizer's totals; zero when none were ever added.
  virtual Result<Rating> FindOrganizerRating(std::string_view organizer_id) = 0;
};

}  // namespace eventify::spi
