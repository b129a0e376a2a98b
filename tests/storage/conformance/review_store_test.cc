// The contract of spi::ReviewStore (spi/review_store.h) that every storage serving the "reviews"
// area must keep: reviews by id and by (event, author), one per author and event, the public list
// newest first by keyset without removed ones, the author's name from the account, whether a user
// holds a confirmed booking, and rating totals that lose no update under concurrent writers.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/review_store.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::ReviewStore;

std::string Id(int n) { return IdOf(n, "a000"); }

struct ReviewStoreFixture {
  ReviewStoreFixture() : storage(conformance::OpenStorageUnderTest()) {}

  Status Run(const std::function<Status(ReviewStore&)>& body) {
    return storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
      auto* store = tx.store<ReviewStore>();
      BOOST_REQUIRE(store != nullptr);
      return body(*store);
    });
  }

  // Review n of `event_id` by "user-<n>", written `minutes` after BaseTime().
  static Review Sample(int n, const std::string& event_id, int minutes) {
    Review r;
    r.id = Id(n);
    r.event_id = event_id;
    r.organizer_id = "organizer";
    r.user_id = "user-" + std::to_string(n);
    r.rating = 1 + n % 5;
    r.title = "Title " + std::to_string(n);
    r.text = "Text\nof review " + std::to_string(n);
    r.created_at = r.updated_at = BaseTime() + std::chrono::minutes(minutes);
    return r;
  }

  std::shared_ptr<spi::Storage> storage;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(review_store, ReviewStoreFixture)

BOOST_AUTO_TEST_CASE(reviews_are_found_updated_deleted_and_unique_per_author_and_event) {
  const spi::UserRecord author = SampleUser(7);
  REQUIRE_OK(Write(*storage, [&](spi::AccountRepository& accounts) {
    return accounts.InsertUser(author);
  }));
  Review review = Sample(1, "event-a", 0);
  review.user_id = author.id;
  REQUIRE_OK(Run([&](ReviewStore& store) { return store.InsertReview(review); }));

  REQUIRE_OK(Run([&](ReviewStore& store) -> Status {
    auto found = store.FindReview(review.id, spi::LockMode::kForUpdate);
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    BOOST_TEST(found->event_id == "event-a");
    BOOST_TEST(found->organizer_id == "organizer");
    BOOST_TEST(found->user_id == author.id);
    BOOST_TEST(found->author_name == author.full_name);
    BOOST_TEST(found->rating == review.rating);
    BOOST_TEST(found->title == review.title);
    BOOST_TEST(found->text == review.text);
    BOOST_TEST((found->created_at == review.created_at));
    BOOST_TEST((found->updated_at == review.updated_at));
    BOOST_TEST(!found->removed_at.has_value());
    auto mine = store.FindUserReview("event-a", author.id, spi::LockMode::kNone);
    BOOST_REQUIRE(mine.ok());
    BOOST_TEST(mine->id == review.id);
    const auto other = store.FindUserReview("event-b", author.id, spi::LockMode::kNone);
    BOOST_TEST(other.status().reason() == "review_not_found");
    BOOST_TEST((other.status().code() == StatusCode::kNotFound));

    Review changed = *found;
    changed.rating = 5;
    changed.title = "New title";
    changed.text = "New text";
    changed.updated_at = review.created_at + std::chrono::hours(1);
    changed.removed_at = review.created_at + std::chrono::hours(2);
    changed.removed_by = "admin-1";
    changed.removal_note = "abusive";
    EV_TEST_RETURN_IF_ERROR(store.UpdateReview(changed));
    auto reread = store.FindReview(review.id, spi::LockMode::kNone);
    BOOST_REQUIRE(reread.ok());
    BOOST_TEST(reread->rating == 5);
    BOOST_TEST(reread->title == "New title");
    BOOST_TEST(reread->text == "New text");
    BOOST_TEST((reread->updated_at == changed.updated_at));
    BOOST_TEST((reread->removed_at == changed.removed_at));
    BOOST_TEST(reread->removed_by == "admin-1");
    BOOST_TEST(reread->removal_note == "abusive");
    BOOST_TEST((reread->created_at == review.created_at));
    return Status::Ok();
  }));

  // A second review of the same author and event, and a taken id, are refused.
  Review again = Sample(2, "event-a", 5);
  again.user_id = author.id;
  const Status twice = Run([&](ReviewStore& store) { return store.InsertReview(again); });
  BOOST_TEST((twice.code() == StatusCode::kAlreadyExists));
  BOOST_TEST(twice.reason() == "review_exists");
  Review same_id = Sample(3, "event-b", 5);
  same_id.id = review.id;
  const Status taken = Run([&](ReviewStore& store) { return store.InsertReview(same_id); });
  BOOST_TEST(taken.reason() == "review_exists");

  REQUIRE_OK(Run([&](ReviewStore& store) { return store.DeleteReview(review.id); }));
  const Status gone = Run([&](ReviewStore& store) { return store.DeleteReview(review.id); });
  BOOST_TEST(gone.reason() == "review_not_found");
  Review unknown = Sample(9, "event-a", 0);
  const Status update_unknown = Run([&](ReviewStore& store) { return store.UpdateReview(unknown); });
  BOOST_TEST(update_unknown.reason() == "review_not_found");
  // Deleted, the author may write again; an author without an account has no name.
  REQUIRE_OK(Run([&](ReviewStore& store) { return store.InsertReview(again); }));
  REQUIRE_OK(Run([&](ReviewStore& store) -> Status {
    auto nameless = store.InsertReview(Sample(4, "event-a", 0));
    EV_TEST_RETURN_IF_ERROR(nameless);
    auto found = store.FindReview(Id(4), spi::LockMode::kNone);
    BOOST_REQUIRE(found.ok());
    BOOST_TEST(found->author_name.empty());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(visible_reviews_of_an_event_are_listed_newest_first_by_keyset) {
  // Five reviews of event-a (two written at the same minute: the id breaks the tie), one removed,
  // and one of another event, which is never listed.
  REQUIRE_OK(Run([&](ReviewStore& store) -> Status {
    const int minutes[] = {0, 5, 5, 10, 20};
    for (int n = 1; n <= 5; ++n) {
      EV_TEST_RETURN_IF_ERROR(store.InsertReview(Sample(n, "event-a", minutes[n - 1])));
    }
    Review removed = Sample(6, "event-a", 30);
    removed.removed_at = BaseTime();
    removed.removed_by = "admin";
    removed.removal_note = "spam";
    EV_TEST_RETURN_IF_ERROR(store.InsertReview(removed));
    return store.InsertReview(Sample(7, "event-b", 40));
  }));
  std::vector<std::string> seen;
  std::optional<spi::Keyset> before;
  for (int page = 0; page < 4; ++page) {
    std::vector<Review> rows;
    REQUIRE_OK(Run([&](ReviewStore& store) -> Status {
      auto listed = store.ListEventReviews("event-a", before, 2);
      if (!listed.ok()) return listed.status();
      rows = std::move(listed).value();
      return Status::Ok();
    }));
    for (const Review& r : rows) seen.push_back(r.id);
    if (rows.size() < 2) break;
    before = spi::Keyset{rows.back().created_at, rows.back().id};
  }
  BOOST_TEST((seen == std::vector<std::string>{Id(5), Id(4), Id(3), Id(2), Id(1)}));
}

BOOST_AUTO_TEST_CASE(only_a_confirmed_booking_of_that_event_makes_a_holder) {
  REQUIRE_OK(storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
    std::vector<spi::BookingRecord> rows;
    const std::pair<const char*, BookingStatus> kinds[] = {
        {"confirmed", BookingStatus::kConfirmed},
        {"cancelled", BookingStatus::kCancelled},
        {"held", BookingStatus::kHeld},
        {"expired", BookingStatus::kExpired}};
    int n = 0;
    for (const auto& [user, status] : kinds) {
      rows.push_back(SampleBooking(Id(100 + ++n), "event-a", user, status));
    }
    return tx.store<spi::BookingStore>()->InsertBookings(rows);
  }));
  REQUIRE_OK(Run([&](ReviewStore& store) -> Status {
    for (const auto& [event, user, expected] :
         {std::tuple{"event-a", "confirmed", true}, std::tuple{"event-b", "confirmed", false},
          std::tuple{"event-a", "cancelled", false}, std::tuple{"event-a", "held", false},
          std::tuple{"event-a", "expired", false}, std::tuple{"event-a", "nobody", false}}) {
      auto holds = store.HoldsConfirmedBooking(event, user);
      BOOST_REQUIRE(holds.ok());
      BOOST_TEST(*holds == expected, event << " " << user);
    }
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(rating_totals_add_up_and_lose_no_update_under_concurrent_writers) {
  REQUIRE_OK(Run([&](ReviewStore& store) -> Status {
    auto none = store.FindOrganizerRating("organizer");
    BOOST_REQUIRE(none.ok());
    BOOST_TEST(none->count == 0);
    BOOST_TEST(none->sum == 0);
    EV_TEST_RETURN_IF_ERROR(store.AddToRatings("event-a", "organizer", 1, 4));
    EV_TEST_RETURN_IF_ERROR(store.AddToRatings("event-b", "organizer", 1, 2));
    // An edit moves only the sum; a deletion takes both back.
    EV_TEST_RETURN_IF_ERROR(store.AddToRatings("event-a", "organizer", 0, 1));
    EV_TEST_RETURN_IF_ERROR(store.AddToRatings("event-b", "organizer", 1, 3));
    return store.AddToRatings("event-b", "organizer", -1, -3);
  }));
  constexpr int kThreads = 8;
  constexpr int kEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string event = t % 2 == 0 ? "event-a" : "event-c";
        if (!Run([&](ReviewStore& store) { return store.AddToRatings(event, "organizer", 1, 3); })
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  BOOST_TEST(failures.load() == 0);
  REQUIRE_OK(Run([&](ReviewStore& store) -> Status {
    const std::vector<std::string> ids = {"event-a", "event-b", "event-c", "event-none"};
    auto ratings = store.FindEventRatings(ids);
    BOOST_REQUIRE(ratings.ok());
    std::map<std::string, Rating> by_event(ratings->begin(), ratings->end());
    BOOST_TEST(by_event.size() == 3u);
    BOOST_TEST(by_event["event-a"].count == 1 + kThreads / 2 * kEach);
    BOOST_TEST(by_event["event-a"].sum == 5 + 3 * kThreads / 2 * kEach);
    BOOST_TEST(by_event["event-b"].count == 1);
    BOOST_TEST(by_event["event-b"].sum == 2);
    BOOST_TEST(by_event["event-c"].count == kThreads / 2 * kEach);
    auto organizer = store.FindOrganizerRating("organizer");
    BOOST_REQUIRE(organizer.ok());
    BOOST_TEST(organizer->count == 2 + kThreads * kEach);
    BOOST_TEST(organizer->sum == 7 + 3 * kThreads * kEach);
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
