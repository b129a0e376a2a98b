// Reviews: what attendees say about an event they attended, and the ratings of events and
// organizers that their stars add up to.
//
// Who may review: the holder of a confirmed booking of the event (paid and not cancelled; its
// tickets used or unused; never the event's organizer) — the events area's permission table,
// EventAction::kWriteReview with EventRelation::kHolderOfConfirmedBooking (eventify/events.h).
// When: once the event has ended (ends_at at or before now on the engine clock), whether or not
// the completion job has marked it completed; never for a cancelled event. Each holder has at
// most one review per event: 1-5 stars, a title and a text. The author may edit it (updated_at
// records the last edit; created_at, and so its place in the list, stays) or delete it, and may
// then write a new one.
//
// Moderation: an admin (EventAction::kModerateReviews) removes an abusive review with a note. A
// removed review is kept with who removed it, when and why; it leaves the public list and the
// ratings, its author still sees it (GetMyReview) but can neither edit nor delete it, and cannot
// write another for that event.
//
// Ratings: Event::rating (on every event the engine returns) and GetOrganizerRating give the count
// and the sum of the stars of visible reviews, exact under any concurrency: every write of a
// review adjusts both totals in its own commit, under the row locks of the totals.
//
// Input: the rating is 1-5; title and text are trimmed, then title 1-120 characters on one line
// and text 1-5000 characters (line breaks allowed), both valid UTF-8 without other control
// characters.
//
// Obtained from Engine::reviews(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any number of threads.
// Calls block on storage, so never call them on a network I/O thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/events.h"
#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

inline constexpr std::size_t kMaxReviewTitleChars = 120;
inline constexpr std::size_t kMaxReviewTextChars = 5000;

// What an author writes, on creation and on every edit (the whole review).
struct ReviewDraft {
  int rating = 0;  // stars, 1-5
  std::string title;
  std::string text;
};

struct Review {
  std::string id;
  std::string event_id;
  std::string organizer_id;  // the event's organizer, whose rating this review counts in
  std::string user_id;       // the author
  std::string author_name;   // the author's full name as it is now; empty if the account is gone
  int rating = 0;
  std::string title;
  std::string text;
  Timestamp created_at;
  Timestamp updated_at;  // the author's last edit; created_at until then
  // Moderation: set when an admin removed the review.
  std::optional<Timestamp> removed_at;
  std::string removed_by;    // the admin's user id; empty unless removed
  std::string removal_note;  // why; empty unless removed
};

struct ReviewPage {
  std::vector<Review> items;  // newest written first
  std::string next_cursor;    // empty when there is nothing older
};

struct OrganizerRating {
  std::string organizer_id;
  Rating rating;  // over the visible reviews of all the organizer's events
};

class EVENTIFY_EXPORT Reviews {
 public:
  virtual ~Reviews() = default;

  // Errors shared by WriteReview, UpdateMyReview and DeleteMyReview, checked in this order after
  // the draft (whose errors come first, before anything is read):
  //   kNotFound event_not_found (unknown, or not public); kFailedPrecondition event_cancelled;
  //   kPermissionDenied forbidden (the table says no whatever the bookings: the event's own
  //   organizer, admins), review_not_allowed (the caller holds no confirmed booking of the
  //   event); kFailedPrecondition event_not_ended (its end is still ahead).

  // Writes the caller's review. Errors: those above; kInvalidArgument invalid_rating (field
  // "rating"), invalid_title (field "title"), invalid_text (field "text"); kAlreadyExists
  // already_reviewed (the caller has a review of this event, a removed one included).
  virtual Result<Review> WriteReview(const Principal& author, std::string_view event_id,
                                     const ReviewDraft& draft) = 0;

  // Replaces rating, title and text of the caller's review of the event.
  // Errors: those above, those of the draft as for WriteReview, kNotFound review_not_found (none
  // written), kFailedPrecondition review_removed (an admin removed it).
  virtual Result<Review> UpdateMyReview(const Principal& author, std::string_view event_id,
                                        const ReviewDraft& draft) = 0;

  // Deletes the caller's review of the event for good; the caller may write a new one.
  // Errors: those above, kNotFound review_not_found, kFailedPrecondition review_removed.
  virtual Status DeleteMyReview(const Principal& author, std::string_view event_id) = 0;

  // The caller's review of the event, a removed one too (with who removed it and why).
  // Errors: kNotFound event_not_found (unknown, or not public), review_not_found.
  virtual Result<Review> GetMyReview(const Principal& author, std::string_view event_id) = 0;

  // Public: the visible reviews of a public event, newest written first (created_at, then id),
  // `limit` after `cursor` (empty: the first page; otherwise a next_cursor this call returned).
  // Errors: kNotFound event_not_found; kInvalidArgument invalid_limit (1-100), invalid_cursor.
  virtual Result<ReviewPage> ListEventReviews(std::string_view event_id, std::string_view cursor,
                                              int limit) = 0;

  // Public: the rating of an organizer over all their events.
  // Errors: kNotFound organizer_not_found (no organizer profile with this user id).
  virtual Result<OrganizerRating> GetOrganizerRating(std::string_view organizer_id) = 0;

  // Admin: removes a review (moderation); `note` says why, 1-1000 characters, trimmed. Removing a
  // removed review returns it unchanged.
  // Errors: kPermissionDenied forbidden; kNotFound review_not_found; kInvalidArgument invalid_note
  // (field "note").
  virtual Result<Review> RemoveReview(const Principal& admin, std::string_view review_id,
                                      std::string_view note) = 0;
};

}  // namespace eventify
