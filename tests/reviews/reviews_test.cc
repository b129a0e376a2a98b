// The reviews area's rules through the engine, on the manual clock: only the holder of a confirmed
// booking (its ticket used or not) of an event that has ended reviews it, once; edits keep the
// creation time; the author may delete and write again; admins remove abusive reviews, which
// leave the list and the ratings for good; the public list pages newest first; bad input gets
// its exact code and field.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "reviews/reviews_fixture.h"

namespace eventify::testing {
namespace {

using A = EventAction;
using R = EventRelation;

BOOST_AUTO_TEST_CASE(review_rows_of_the_permission_table_match_the_documented_ones) {
  // docs/events-api.md, "Who may do what": the holder column grants writing one's own review
  // only; moderation is the admins'. Holding a booking adds nothing to the other rows.
  for (Role role : {Role::kAttendee, Role::kOrganizer}) {
    BOOST_TEST(IsEventActionAllowed(role, R::kHolderOfConfirmedBooking, A::kWriteReview));
    BOOST_TEST(!IsEventActionAllowed(role, R::kNone, A::kWriteReview));
    BOOST_TEST(!IsEventActionAllowed(role, R::kHolderOfConfirmedBooking, A::kModerateReviews));
  }
  BOOST_TEST(!IsEventActionAllowed(Role::kOrganizer, R::kOrganizerOfEvent, A::kWriteReview));
  BOOST_TEST(!IsEventActionAllowed(Role::kAdmin, R::kNone, A::kWriteReview));
  BOOST_TEST(!IsEventActionAllowed(Role::kAdmin, R::kHolderOfConfirmedBooking, A::kWriteReview));
  BOOST_TEST(IsEventActionAllowed(Role::kAdmin, R::kNone, A::kModerateReviews));
  BOOST_TEST(!IsEventActionAllowed(Role::kAttendee, R::kNone, A::kModerateReviews));
  BOOST_TEST(!IsEventActionAllowed(Role::kOrganizer, R::kOrganizerOfEvent, A::kModerateReviews));
  for (int action = 0; action <= static_cast<int>(A::kCheckInTickets); ++action) {
    const auto a = static_cast<A>(action);
    BOOST_TEST_INFO("action " << action);
    BOOST_TEST(IsEventActionAllowed(Role::kAttendee, R::kHolderOfConfirmedBooking, a) ==
               IsEventActionAllowed(Role::kAttendee, R::kNone, a));
    BOOST_TEST(IsEventActionAllowed(Role::kOrganizer, R::kHolderOfConfirmedBooking, a) ==
               IsEventActionAllowed(Role::kOrganizer, R::kNone, a));
  }
}

BOOST_FIXTURE_TEST_SUITE(reviews, ReviewsFixture)

BOOST_AUTO_TEST_CASE(a_holder_reviews_an_ended_event_once_and_edits_it) {
  const Principal ada = RegisteredAttendee("ada@example.com", "Ada Lovelace");
  const Event event = BookedEvent({ada});
  EndOf(event);
  const Timestamp written_at = clock->Now();
  const Review review = ValueOrFail(
      reviews().WriteReview(ada, event.id, Draft(4, "  Loved it  ", "\n Great sound.\nWill return. ")));
  BOOST_TEST(review.event_id == event.id);
  BOOST_TEST(review.organizer_id == organizer.user_id);
  BOOST_TEST(review.user_id == ada.user_id);
  BOOST_TEST(review.author_name == "Ada Lovelace");
  BOOST_TEST(review.rating == 4);
  BOOST_TEST(review.title == "Loved it");
  BOOST_TEST(review.text == "Great sound.\nWill return.");
  BOOST_TEST((review.created_at == written_at));
  BOOST_TEST((review.updated_at == written_at));
  BOOST_TEST(!review.removed_at.has_value());

  ExpectError(reviews().WriteReview(ada, event.id, Draft(5)), StatusCode::kAlreadyExists,
              "already_reviewed");

  clock->Advance(std::chrono::hours(5));
  const Review edited =
      ValueOrFail(reviews().UpdateMyReview(ada, event.id, Draft(2, "Second thoughts", "Too loud.")));
  BOOST_TEST(edited.id == review.id);
  BOOST_TEST(edited.rating == 2);
  BOOST_TEST(edited.title == "Second thoughts");
  BOOST_TEST(edited.text == "Too loud.");
  BOOST_TEST((edited.created_at == written_at));
  BOOST_TEST((edited.updated_at == clock->Now()));

  const Review mine = ValueOrFail(reviews().GetMyReview(ada, event.id));
  BOOST_TEST(mine.rating == 2);
  BOOST_TEST((mine.updated_at == edited.updated_at));
  BOOST_TEST(mine.author_name == "Ada Lovelace");

  const Event rated = EventNow(event.id);
  BOOST_TEST(rated.rating.count == 1);
  BOOST_TEST(rated.rating.sum == 2);
  BOOST_TEST(rated.rating.average() == 2.0);
}

BOOST_AUTO_TEST_CASE(an_event_is_reviewed_only_once_it_has_ended) {
  const Event event = BookedEvent({ann});
  ExpectError(reviews().WriteReview(ann, event.id, Draft(5)), StatusCode::kFailedPrecondition,
              "event_not_ended");
  clock->Set(event.starts_at + std::chrono::hours(1));  // under way
  ExpectError(reviews().WriteReview(ann, event.id, Draft(5)), StatusCode::kFailedPrecondition,
              "event_not_ended");
  clock->Set(event.ends_at - std::chrono::microseconds(1));
  ExpectError(reviews().WriteReview(ann, event.id, Draft(5)), StatusCode::kFailedPrecondition,
              "event_not_ended");
  clock->Set(event.ends_at);  // ended: no need to wait for the completion job
  BOOST_TEST(EventNow(event.id).status == EventStatus::kApproved);
  ValueOrFail(reviews().WriteReview(ann, event.id, Draft(5)));
  // Completed, it still takes reviews.
  ValueOrFail(events().CompleteEndedEvents());
  BOOST_TEST(EventNow(event.id).status == EventStatus::kCompleted);
  ValueOrFail(reviews().UpdateMyReview(ann, event.id, Draft(3)));
}

BOOST_AUTO_TEST_CASE(only_holders_of_a_confirmed_booking_review) {
  const Event event = BookedEvent({ann, other_organizer});
  // bob holds only an unpaid hold on a paid event of the same organizer; on this one nothing.
  const Event paid = ApprovedEvent(10, kTicketPrice, 2, "Paid concert");
  const Booking held = ValueOrFail(bookings().Hold(bob, Request(paid, 1, "bob-hold")));
  BOOST_TEST(held.status == BookingStatus::kHeld);
  EndOf(event);
  ExpectError(reviews().WriteReview(bob, event.id, Draft(1)), StatusCode::kPermissionDenied,
              "review_not_allowed");
  ExpectError(reviews().WriteReview(bob, paid.id, Draft(1)), StatusCode::kPermissionDenied,
              "review_not_allowed");
  // The event's own organizer and admins may not, whatever the bookings.
  ExpectError(reviews().WriteReview(organizer, event.id, Draft(5)), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(reviews().WriteReview(admin, event.id, Draft(5)), StatusCode::kPermissionDenied,
              "forbidden");
  // An organizer who bought a seat of another's event is a holder like any attendee.
  ValueOrFail(reviews().WriteReview(other_organizer, event.id, Draft(4)));
  ValueOrFail(reviews().WriteReview(ann, event.id, Draft(5)));
  // Edits and deletion are refused to non-holders alike.
  ExpectError(reviews().UpdateMyReview(bob, event.id, Draft(1)), StatusCode::kPermissionDenied,
              "review_not_allowed");
  ExpectError(reviews().DeleteMyReview(bob, event.id), StatusCode::kPermissionDenied,
              "review_not_allowed");
}

BOOST_AUTO_TEST_CASE(a_cancelled_booking_gives_no_right_to_review_a_used_ticket_does) {
  const Event event = BookedEvent({ann, bob});
  const BookingPage anns = ValueOrFail(bookings().ListMyBookings(ann, "", 10));
  BOOST_REQUIRE(anns.items.size() == 1u);
  ValueOrFail(bookings().Cancel(ann, anns.items.front().id));
  // bob's ticket is checked in at the door: used, it still counts.
  const BookingPage bobs = ValueOrFail(bookings().ListMyBookings(bob, "", 10));
  BOOST_REQUIRE(bobs.items.size() == 1u);
  clock->Set(event.starts_at);
  const Ticket admitted =
      ValueOrFail(bookings().CheckIn(organizer, event.id, bobs.items.front().tickets.front().code));
  BOOST_TEST(admitted.checked_in_at.has_value());
  EndOf(event);
  ExpectError(reviews().WriteReview(ann, event.id, Draft(3)), StatusCode::kPermissionDenied,
              "review_not_allowed");
  ValueOrFail(reviews().WriteReview(bob, event.id, Draft(3)));
}

BOOST_AUTO_TEST_CASE(a_cancelled_event_is_not_reviewed) {
  const Event event = BookedEvent({ann});
  ValueOrFail(events().CancelEvent(organizer, event.id, "The venue flooded"));
  EndOf(event);
  ExpectError(reviews().WriteReview(ann, event.id, Draft(1)), StatusCode::kFailedPrecondition,
              "event_cancelled");
}

BOOST_AUTO_TEST_CASE(unknown_and_unlisted_events_are_not_found) {
  ExpectError(reviews().WriteReview(ann, "no-such-event", Draft(5)), StatusCode::kNotFound,
              "event_not_found");
  const Event draft = UnlistedEvent();
  ExpectError(reviews().WriteReview(ann, draft.id, Draft(5)), StatusCode::kNotFound,
              "event_not_found");
  ExpectError(reviews().ListEventReviews(draft.id, "", 10), StatusCode::kNotFound,
              "event_not_found");
  ExpectError(reviews().GetMyReview(ann, draft.id), StatusCode::kNotFound, "event_not_found");
}

BOOST_AUTO_TEST_CASE(bad_input_gets_its_exact_code_and_field) {
  const Event event = BookedEvent({ann});
  EndOf(event);
  for (int rating : {0, 6, -1}) {
    ExpectError(reviews().WriteReview(ann, event.id, Draft(rating)), StatusCode::kInvalidArgument,
                "invalid_rating", "rating");
  }
  const std::string long_title(kMaxReviewTitleChars + 1, 't');
  for (const std::string& title : {std::string(""), std::string("   "), long_title,
                                   std::string("two\nlines"), std::string("bad\xff")}) {
    ExpectError(reviews().WriteReview(ann, event.id, Draft(3, title)),
                StatusCode::kInvalidArgument, "invalid_title", "title");
  }
  const std::string long_text(kMaxReviewTextChars + 1, 'x');
  for (const std::string& text :
       {std::string(""), std::string(" \n\t "), long_text, std::string("bell\a")}) {
    ExpectError(reviews().WriteReview(ann, event.id, Draft(3, "Title", text)),
                StatusCode::kInvalidArgument, "invalid_text", "text");
  }
  // Bad input is refused before anything else: even a non-holder hears about the rating first.
  ExpectError(reviews().WriteReview(bob, event.id, Draft(9)), StatusCode::kInvalidArgument,
              "invalid_rating", "rating");
  ExpectError(reviews().GetMyReview(ann, event.id), StatusCode::kNotFound, "review_not_found");
  // The longest title and text (in characters, not bytes) are taken.
  std::string title;
  for (std::size_t i = 0; i < kMaxReviewTitleChars; ++i) title += "\xc3\xa9";  // é
  const Review longest = ValueOrFail(reviews().WriteReview(
      ann, event.id, Draft(1, title, std::string(kMaxReviewTextChars, 'x'))));
  BOOST_TEST(longest.title == title);
  ExpectError(reviews().UpdateMyReview(ann, event.id, Draft(1, "Fine", "")),
              StatusCode::kInvalidArgument, "invalid_text", "text");
  BOOST_TEST(EventNow(event.id).rating.sum == 1);
}

BOOST_AUTO_TEST_CASE(the_author_deletes_and_may_write_again) {
  const Event event = BookedEvent({ann, bob});
  EndOf(event);
  ExpectError(reviews().DeleteMyReview(ann, event.id), StatusCode::kNotFound, "review_not_found");
  ExpectError(reviews().UpdateMyReview(ann, event.id, Draft(2)), StatusCode::kNotFound,
              "review_not_found");
  ValueOrFail(reviews().WriteReview(ann, event.id, Draft(5)));
  ValueOrFail(reviews().WriteReview(bob, event.id, Draft(2)));
  BOOST_TEST(EventNow(event.id).rating.count == 2);
  BOOST_TEST(EventNow(event.id).rating.sum == 7);
  const Status deleted = reviews().DeleteMyReview(ann, event.id);
  BOOST_TEST(deleted.ok(), deleted.ToString());
  ExpectError(reviews().GetMyReview(ann, event.id), StatusCode::kNotFound, "review_not_found");
  BOOST_TEST(EventNow(event.id).rating.count == 1);
  BOOST_TEST(EventNow(event.id).rating.sum == 2);
  ValueOrFail(reviews().WriteReview(ann, event.id, Draft(4)));
  BOOST_TEST(EventNow(event.id).rating.count == 2);
  BOOST_TEST(EventNow(event.id).rating.sum == 6);
}

BOOST_AUTO_TEST_CASE(an_admin_removes_an_abusive_review_for_good) {
  const Event event = BookedEvent({ann, bob});
  EndOf(event);
  const Review abusive = ValueOrFail(reviews().WriteReview(ann, event.id, Draft(1, "Awful", "Rude words")));
  ValueOrFail(reviews().WriteReview(bob, event.id, Draft(5)));

  ExpectError(reviews().RemoveReview(bob, abusive.id, "spam"), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(reviews().RemoveReview(organizer, abusive.id, "spam"), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(reviews().RemoveReview(admin, abusive.id, "  "), StatusCode::kInvalidArgument,
              "invalid_note", "note");
  ExpectError(reviews().RemoveReview(admin, "no-such-review", "spam"), StatusCode::kNotFound,
              "review_not_found");

  clock->Advance(std::chrono::hours(1));
  const Review removed = ValueOrFail(reviews().RemoveReview(admin, abusive.id, " Insults staff "));
  BOOST_TEST((removed.removed_at == std::optional<Timestamp>(clock->Now())));
  BOOST_TEST(removed.removed_by == admin.user_id);
  BOOST_TEST(removed.removal_note == "Insults staff");
  BOOST_TEST(removed.rating == 1);
  // Removing it again changes nothing.
  clock->Advance(std::chrono::hours(1));
  const Review again = ValueOrFail(reviews().RemoveReview(admin, abusive.id, "twice"));
  BOOST_TEST((again.removed_at == removed.removed_at));
  BOOST_TEST(again.removal_note == "Insults staff");

  const Event rated = EventNow(event.id);
  BOOST_TEST(rated.rating.count == 1);
  BOOST_TEST(rated.rating.sum == 5);
  const ReviewPage page = ValueOrFail(reviews().ListEventReviews(event.id, "", 10));
  BOOST_REQUIRE(page.items.size() == 1u);
  BOOST_TEST(page.items.front().user_id == bob.user_id);

  // Its author sees it removed, and can neither change it, delete it nor write another.
  const Review seen = ValueOrFail(reviews().GetMyReview(ann, event.id));
  BOOST_TEST(seen.removed_at.has_value());
  BOOST_TEST(seen.removal_note == "Insults staff");
  ExpectError(reviews().UpdateMyReview(ann, event.id, Draft(5)), StatusCode::kFailedPrecondition,
              "review_removed");
  ExpectError(reviews().DeleteMyReview(ann, event.id), StatusCode::kFailedPrecondition,
              "review_removed");
  ExpectError(reviews().WriteReview(ann, event.id, Draft(5)), StatusCode::kAlreadyExists,
              "already_reviewed");
  BOOST_TEST(EventNow(event.id).rating.count == 1);
}

BOOST_AUTO_TEST_CASE(the_public_list_pages_newest_first) {
  std::vector<Principal> attendees;
  for (int i = 0; i < 5; ++i) {
    attendees.push_back(Principal{"attendee-" + std::to_string(i), Role::kAttendee, "s"});
  }
  const Event event = BookedEvent(attendees);
  EndOf(event);
  for (const Principal& attendee : attendees) {
    ValueOrFail(reviews().WriteReview(attendee, event.id, Draft(3)));
    clock->Advance(std::chrono::minutes(1));
  }
  // An edit does not move a review up the list.
  ValueOrFail(reviews().UpdateMyReview(attendees[0], event.id, Draft(4)));
  std::vector<std::string> authors;
  std::string cursor;
  int pages = 0;
  do {
    const ReviewPage page = ValueOrFail(reviews().ListEventReviews(event.id, cursor, 2));
    for (const Review& r : page.items) authors.push_back(r.user_id);
    cursor = page.next_cursor;
    ++pages;
  } while (!cursor.empty() && pages < 10);
  BOOST_TEST(pages == 3);
  BOOST_TEST((authors == std::vector<std::string>{"attendee-4", "attendee-3", "attendee-2",
                                                   "attendee-1", "attendee-0"}));
  ExpectError(reviews().ListEventReviews(event.id, "", 0), StatusCode::kInvalidArgument,
              "invalid_limit", "limit");
  ExpectError(reviews().ListEventReviews(event.id, "", 101), StatusCode::kInvalidArgument,
              "invalid_limit", "limit");
  ExpectError(reviews().ListEventReviews(event.id, "not-a-cursor", 10),
              StatusCode::kInvalidArgument, "invalid_cursor", "cursor");
  ExpectError(reviews().ListEventReviews("no-such-event", "", 10), StatusCode::kNotFound,
              "event_not_found");
}

BOOST_AUTO_TEST_CASE(an_organizers_rating_spans_their_events) {
  const Event first = BookedEvent({ann, bob}, 10, "First");
  const Event second = BookedEvent({ann}, 10, "Second");
  EndOf(second.ends_at > first.ends_at ? second : first);
  ValueOrFail(reviews().WriteReview(ann, first.id, Draft(5)));
  ValueOrFail(reviews().WriteReview(bob, first.id, Draft(4)));
  ValueOrFail(reviews().WriteReview(ann, second.id, Draft(2)));
  const OrganizerRating rating = ValueOrFail(reviews().GetOrganizerRating(organizer.user_id));
  BOOST_TEST(rating.organizer_id == organizer.user_id);
  BOOST_TEST(rating.rating.count == 3);
  BOOST_TEST(rating.rating.sum == 11);
  ValueOrFail(events().ApplyAsOrganizer(other_organizer, {"Other", "Talks", "o@example.com"}));
  const OrganizerRating none = ValueOrFail(reviews().GetOrganizerRating(other_organizer.user_id));
  BOOST_TEST(none.rating.count == 0);
  BOOST_TEST(none.rating.average() == 0.0);
  ExpectError(reviews().GetOrganizerRating("nobody"), StatusCode::kNotFound, "organizer_not_found");
  // The listing and the organizer's own list carry each event's rating too.
  const EventPage own = ValueOrFail(events().ListOwnEvents(organizer, std::nullopt, "", 10));
  for (const Event& e : own.items) {
    BOOST_TEST(e.rating.count == (e.id == first.id ? 2 : 1));
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
