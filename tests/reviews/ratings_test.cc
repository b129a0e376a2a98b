// Ratings stay exact under concurrency: many reviewers (threads) of two events of one organizer
// write, edit, delete and get moderated at once, and afterwards each event's count and sum and the
// organizer's equal exactly what the surviving reviews add up to, as the public list shows them.
// Boost.Test is not thread-safe: the threads record, the main thread checks.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reviews/reviews_fixture.h"

namespace eventify::testing {
namespace {

BOOST_FIXTURE_TEST_SUITE(ratings, ReviewsFixture)

BOOST_AUTO_TEST_CASE(averages_stay_exact_with_many_concurrent_reviewers) {
  constexpr int kReviewers = 48;
  std::vector<Principal> reviewers;
  for (int i = 0; i < kReviewers; ++i) {
    reviewers.push_back(Principal{"reviewer-" + std::to_string(i), Role::kAttendee, "s"});
  }
  // Even reviewers attended the first event, odd ones the second.
  std::vector<Principal> first_crowd, second_crowd;
  for (int i = 0; i < kReviewers; ++i) (i % 2 == 0 ? first_crowd : second_crowd).push_back(reviewers[i]);
  const Event first = BookedEvent(first_crowd, kReviewers, "First night");
  const Event second = BookedEvent(second_crowd, kReviewers, "Second night");
  EndOf(second.ends_at > first.ends_at ? second : first);

  // Each reviewer writes 1 + i % 5 stars; every third then edits to 5 - i % 5 (when still 1..5);
  // every seventh deletes theirs; all at once.
  std::atomic<int> failures{0};
  std::mutex mu;
  std::vector<std::string> failure_reasons;
  std::vector<std::thread> threads;
  for (int i = 0; i < kReviewers; ++i) {
    threads.emplace_back([&, i] {
      const Event& event = i % 2 == 0 ? first : second;
      auto fail = [&](const Status& status) {
        ++failures;
        std::lock_guard lock(mu);
        failure_reasons.push_back(status.ToString());
      };
      auto written = reviews().WriteReview(reviewers[i], event.id, Draft(1 + i % 5));
      if (!written.ok()) return fail(written.status());
      if (i % 3 == 0) {
        auto edited = reviews().UpdateMyReview(reviewers[i], event.id, Draft(5 - i % 5));
        if (!edited.ok()) return fail(edited.status());
      }
      if (i % 7 == 0) {
        const Status deleted = reviews().DeleteMyReview(reviewers[i], event.id);
        if (!deleted.ok()) return fail(deleted);
      }
    });
  }
  // An admin removes reviews while they are written: whichever of reviewer 5's states it meets.
  std::atomic<bool> writers_done{false};
  std::thread moderator([&] {
    for (;;) {
      const bool last_try = writers_done.load();
      auto mine = reviews().GetMyReview(reviewers[5], second.id);
      if (mine.ok()) {
        if (!reviews().RemoveReview(admin, mine->id, "Off topic").ok()) ++failures;
        return;
      }
      if (last_try) {
        ++failures;
        return;
      }
      std::this_thread::yield();
    }
  });
  for (std::thread& thread : threads) thread.join();
  writers_done = true;
  moderator.join();
  for (const std::string& reason : failure_reasons) BOOST_ERROR(reason);
  BOOST_TEST(failures.load() == 0);

  // What the surviving reviews add up to, as the public list shows them.
  std::map<std::string, Rating> expected;
  Rating organizer_expected;
  for (const Event& event : {first, second}) {
    const ReviewPage page = ValueOrFail(reviews().ListEventReviews(event.id, "", 100));
    for (const Review& r : page.items) {
      expected[event.id].count += 1;
      expected[event.id].sum += r.rating;
      organizer_expected.count += 1;
      organizer_expected.sum += r.rating;
    }
  }
  // And what they must be from the script: reviewers not deleted, reviewer 5 removed.
  Rating scripted;
  for (int i = 0; i < kReviewers; ++i) {
    if (i % 7 == 0 || i == 5) continue;
    scripted.count += 1;
    scripted.sum += i % 3 == 0 ? 5 - i % 5 : 1 + i % 5;
  }
  BOOST_TEST(organizer_expected.count == scripted.count);
  BOOST_TEST(organizer_expected.sum == scripted.sum);
  for (const Event& event : {first, second}) {
    const Event now = EventNow(event.id);
    BOOST_TEST(now.rating.count == expected[event.id].count);
    BOOST_TEST(now.rating.sum == expected[event.id].sum);
  }
  const OrganizerRating organizer_rating =
      ValueOrFail(reviews().GetOrganizerRating(organizer.user_id));
  BOOST_TEST(organizer_rating.rating.count == scripted.count);
  BOOST_TEST(organizer_rating.rating.sum == scripted.sum);
}

BOOST_AUTO_TEST_CASE(one_author_racing_with_themselves_writes_one_review) {
  const Event event = BookedEvent({ann});
  EndOf(event);
  constexpr int kTries = 8;
  std::atomic<int> written{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kTries; ++i) {
    threads.emplace_back([&, i] {
      auto result = reviews().WriteReview(ann, event.id, Draft(1 + i % 5));
      if (result.ok()) {
        ++written;
      } else if (result.status().reason() == "already_reviewed") {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  BOOST_TEST(written.load() == 1);
  BOOST_TEST(refused.load() == kTries - 1);
  BOOST_TEST(other.load() == 0);
  BOOST_TEST(EventNow(event.id).rating.count == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
