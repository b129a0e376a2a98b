// SociReviewStore: spi::ReviewStore over the reviews, event_ratings and organizer_ratings tables
// of migration 11 ("reviews"), reading the bookings of migration 9 and the users of migration 1.
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/review_store.h"
#include "storage/soci/params.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

// The reviews "SELECT <columns> FROM reviews r" + `tail` finds, `tail` bound by `p`, with the
// author's name from the account as it is now (the admin store lists an organizer's reviews with
// it too).
Result<std::vector<Review>> SelectReviews(TransactionContext& context, const std::string& tail,
                                          Params& p);

class SociReviewStore final : public spi::ReviewStore {
 public:
  explicit SociReviewStore(TransactionContext& context) : context_(context) {}

  Result<bool> HoldsConfirmedBooking(std::string_view event_id, std::string_view user_id) override;
  Status InsertReview(const Review& review) override;
  Status UpdateReview(const Review& review) override;
  Status DeleteReview(std::string_view id) override;
  Result<Review> FindReview(std::string_view id, spi::LockMode lock) override;
  Result<Review> FindUserReview(std::string_view event_id, std::string_view user_id,
                                spi::LockMode lock) override;
  Result<std::vector<Review>> ListEventReviews(std::string_view event_id,
                                               const std::optional<spi::Keyset>& before,
                                               int limit) override;
  Status AddToRatings(std::string_view event_id, std::string_view organizer_id,
                      std::int64_t count, std::int64_t sum) override;
  Result<std::vector<std::pair<std::string, Rating>>> FindEventRatings(
      std::span<const std::string> event_ids) override;
  Result<Rating> FindOrganizerRating(std::string_view organizer_id) override;

 private:
  TransactionContext& context_;
};

}  // namespace eventify::storage
