#include "reviews/reviews_service.h"

#include <string>
#include <utility>
#include <vector>

#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/review_store.h"
#include "events/validation.h"
#include "events/visibility.h"

namespace eventify::reviews {
namespace {

using spi::EventStore;
using spi::LockMode;
using spi::ReviewStore;
using spi::Transaction;
using spi::TransactionMode;

Status Forbidden() { return PermissionDenied("forbidden", "your role does not allow this"); }
Status EventNotFound() { return NotFound("event_not_found", "there is no such event"); }

// Trims and checks a draft. Errors: invalid_rating, invalid_title, invalid_text.
Result<ReviewDraft> NormalizeDraft(const ReviewDraft& draft) {
  if (draft.rating < 1 || draft.rating > 5) {
    return InvalidArgument("invalid_rating", "the rating must be 1 to 5 stars", "rating");
  }
  ReviewDraft out;
  out.rating = draft.rating;
  EV_ASSIGN_OR_RETURN(out.title,
                      events::NormalizeText(draft.title, kMaxReviewTitleChars, false,
                                            "invalid_title",
                                            "the title must be 1 to 120 characters on one line",
                                            "title"));
  EV_ASSIGN_OR_RETURN(out.text, events::NormalizeText(draft.text, kMaxReviewTextChars, true,
                                                      "invalid_text",
                                                      "the text must be 1 to 5000 characters",
                                                      "text"));
  return out;
}

// The public event `id` (approved, completed or cancelled); event_not_found otherwise.
Result<Event> PublicEvent(EventStore& events, std::string_view id) {
  auto found = events.FindEvent(id, LockMode::kNone);
  if (!found.ok()) {
    return found.status().code() == StatusCode::kNotFound ? EventNotFound() : found.status();
  }
  if (!events::IsPublic(found->status)) return EventNotFound();
  return found;
}

Status ReviewRemoved() {
  return FailedPrecondition("review_removed",
                            "an admin removed this review; it can no longer be changed");
}

class ReviewsServiceImpl final : public Reviews {
 public:
  ReviewsServiceImpl(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::Clock> clock)
      : storage_(std::move(storage)), clock_(std::move(clock)) {}

  Result<Review> WriteReview(const Principal& author, std::string_view event_id,
                             const ReviewDraft& draft) override {
    EV_ASSIGN_OR_RETURN(const ReviewDraft normalized, NormalizeDraft(draft));
    Review review;
    EV_RETURN_IF_ERROR(Write([&](Transaction& tx, ReviewStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(const Event event, EventForAuthor(tx, store, author, event_id));
      auto existing = store.FindUserReview(event.id, author.user_id, LockMode::kNone);
      if (existing.ok()) return AlreadyReviewed();
      if (existing.status().code() != StatusCode::kNotFound) return existing.status();
      const Timestamp now = clock_->Now();
      review = Review{};
      review.id = NewId(now);
      review.event_id = event.id;
      review.organizer_id = event.organizer_id;
      review.user_id = author.user_id;
      review.rating = normalized.rating;
      review.title = normalized.title;
      review.text = normalized.text;
      review.created_at = now;
      review.updated_at = now;
      if (Status inserted = store.InsertReview(review); !inserted.ok()) {
        // A concurrent first review of the same author won the unique (event, user) key.
        return inserted.code() == StatusCode::kAlreadyExists ? AlreadyReviewed() : inserted;
      }
      EV_RETURN_IF_ERROR(store.AddToRatings(event.id, event.organizer_id, 1, review.rating));
      return ReadAuthorName(store, review);
    }));
    return review;
  }

  Result<Review> UpdateMyReview(const Principal& author, std::string_view event_id,
                                const ReviewDraft& draft) override {
    EV_ASSIGN_OR_RETURN(const ReviewDraft normalized, NormalizeDraft(draft));
    Review review;
    EV_RETURN_IF_ERROR(Write([&](Transaction& tx, ReviewStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(review, OwnReviewToChange(tx, store, author, event_id));
      const int previous = review.rating;
      review.rating = normalized.rating;
      review.title = normalized.title;
      review.text = normalized.text;
      review.updated_at = clock_->Now();
      EV_RETURN_IF_ERROR(store.UpdateReview(review));
      return store.AddToRatings(review.event_id, review.organizer_id, 0,
                                review.rating - previous);
    }));
    return review;
  }

  Status DeleteMyReview(const Principal& author, std::string_view event_id) override {
    return Write([&](Transaction& tx, ReviewStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(const Review review, OwnReviewToChange(tx, store, author, event_id));
      EV_RETURN_IF_ERROR(store.DeleteReview(review.id));
      return store.AddToRatings(review.event_id, review.organizer_id, -1, -review.rating);
    });
  }

  Result<Review> GetMyReview(const Principal& author, std::string_view event_id) override {
    Review review;
    EV_RETURN_IF_ERROR(Read([&](Transaction& tx, ReviewStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(const Event event, PublicEvent(*tx.store<EventStore>(), event_id));
      EV_ASSIGN_OR_RETURN(review, store.FindUserReview(event.id, author.user_id, LockMode::kNone));
      return Status::Ok();
    }));
    return review;
  }

  Result<ReviewPage> ListEventReviews(std::string_view event_id, std::string_view cursor,
                                      int limit) override {
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    EV_ASSIGN_OR_RETURN(const std::optional<spi::Keyset> before, DecodePageCursor(cursor));
    ReviewPage page;
    EV_RETURN_IF_ERROR(Read([&](Transaction& tx, ReviewStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(const Event event, PublicEvent(*tx.store<EventStore>(), event_id));
      EV_ASSIGN_OR_RETURN(page.items, store.ListEventReviews(event.id, before, limit + 1));
      return Status::Ok();
    }));
    page.next_cursor = TrimPage(page.items, limit,
                                [](const Review& r) { return spi::Keyset{r.created_at, r.id}; });
    return page;
  }

  Result<OrganizerRating> GetOrganizerRating(std::string_view organizer_id) override {
    OrganizerRating result;
    EV_RETURN_IF_ERROR(Read([&](Transaction& tx, ReviewStore& store) -> Status {
      auto profile = tx.store<EventStore>()->FindOrganizerProfile(organizer_id, LockMode::kNone);
      if (!profile.ok()) {
        return profile.status().code() == StatusCode::kNotFound
                   ? NotFound("organizer_not_found", "there is no such organizer")
                   : profile.status();
      }
      result.organizer_id = profile->user_id;
      EV_ASSIGN_OR_RETURN(result.rating, store.FindOrganizerRating(profile->user_id));
      return Status::Ok();
    }));
    return result;
  }

  Result<Review> RemoveReview(const Principal& admin, std::string_view review_id,
                              std::string_view note) override {
    if (!IsEventActionAllowed(admin.role, EventRelation::kNone, EventAction::kModerateReviews)) {
      return Forbidden();
    }
    EV_ASSIGN_OR_RETURN(const std::string normalized,
                        events::NormalizeNote(note, /*required=*/true));
    Review review;
    EV_RETURN_IF_ERROR(Write([&](Transaction&, ReviewStore& store) -> Status {
      EV_ASSIGN_OR_RETURN(review, store.FindReview(review_id, LockMode::kForUpdate));
      if (review.removed_at) return Status::Ok();
      review.removed_at = clock_->Now();
      review.removed_by = admin.user_id;
      review.removal_note = normalized;
      EV_RETURN_IF_ERROR(store.UpdateReview(review));
      return store.AddToRatings(review.event_id, review.organizer_id, -1, -review.rating);
    }));
    return review;
  }

 private:
  static Status AlreadyReviewed() {
    return AlreadyExists("already_reviewed", "you have reviewed this event already");
  }

  // The event `event_id` if `author` may write their review of it now: the shared errors of
  // eventify/reviews.h, in their order.
  Result<Event> EventForAuthor(Transaction& tx, ReviewStore& store, const Principal& author,
                               std::string_view event_id) {
    EV_ASSIGN_OR_RETURN(Event event, PublicEvent(*tx.store<EventStore>(), event_id));
    if (event.status == EventStatus::kCancelled) {
      return FailedPrecondition("event_cancelled", "a cancelled event cannot be reviewed");
    }
    EventRelation relation = EventRelation::kNone;
    if (events::RelationTo(author, event.organizer_id) == EventRelation::kOrganizerOfEvent) {
      relation = EventRelation::kOrganizerOfEvent;
    } else if (author.role != Role::kAdmin) {
      EV_ASSIGN_OR_RETURN(const bool holds, store.HoldsConfirmedBooking(event.id, author.user_id));
      if (holds) relation = EventRelation::kHolderOfConfirmedBooking;
    }
    if (!IsEventActionAllowed(author.role, relation, EventAction::kWriteReview)) {
      // Would a confirmed booking have made a difference? Then that is what is missing.
      if (relation == EventRelation::kNone &&
          IsEventActionAllowed(author.role, EventRelation::kHolderOfConfirmedBooking,
                               EventAction::kWriteReview)) {
        return PermissionDenied("review_not_allowed",
                                "only holders of a confirmed booking of the event may review it");
      }
      return Forbidden();
    }
    if (event.ends_at > clock_->Now()) {
      return FailedPrecondition("event_not_ended", "the event can be reviewed once it has ended");
    }
    return event;
  }

  // The author's own review of the event, locked, if they may still change it.
  Result<Review> OwnReviewToChange(Transaction& tx, ReviewStore& store, const Principal& author,
                                   std::string_view event_id) {
    EV_ASSIGN_OR_RETURN(const Event event, EventForAuthor(tx, store, author, event_id));
    EV_ASSIGN_OR_RETURN(Review review,
                        store.FindUserReview(event.id, author.user_id, LockMode::kForUpdate));
    if (review.removed_at) return ReviewRemoved();
    return review;
  }

  // Reads back the author's name, which the store joins from the account.
  static Status ReadAuthorName(ReviewStore& store, Review& review) {
    EV_ASSIGN_OR_RETURN(const Review stored, store.FindReview(review.id, LockMode::kNone));
    review.author_name = stored.author_name;
    return Status::Ok();
  }

  template <typename Fn>
  Status Read(Fn&& fn) {
    return storage_->Run(TransactionMode::kReadOnly,
                         [&](Transaction& tx) { return fn(tx, *tx.store<ReviewStore>()); });
  }
  template <typename Fn>
  Status Write(Fn&& fn) {
    return storage_->Run(TransactionMode::kReadWrite,
                         [&](Transaction& tx) { return fn(tx, *tx.store<ReviewStore>()); });
  }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<spi::Clock> clock_;
};

}  // namespace

std::unique_ptr<Reviews> MakeReviewsService(std::shared_ptr<spi::Storage> storage,
                                            std::shared_ptr<spi::Clock> clock) {
  return std::make_unique<ReviewsServiceImpl>(std::move(storage), std::move(clock));
}

Status FillRatings(Transaction& tx, std::span<Event> events) {
  if (events.empty()) return Status::Ok();
  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const Event& event : events) ids.push_back(event.id);
  EV_ASSIGN_OR_RETURN(const auto ratings, tx.store<ReviewStore>()->FindEventRatings(ids));
  for (Event& event : events) {
    event.rating = Rating{};
    for (const auto& [id, rating] : ratings) {
      if (id == event.id) event.rating = rating;
    }
  }
  return Status::Ok();
}

}  // namespace eventify::reviews
