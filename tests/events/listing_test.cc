// The public listing on each backend's indexes: only approved, unheld, upcoming events, soonest
// first; each filter; full-text search (SQLite FTS5, PostgreSQL tsvector) kept current by edits;
// cursor pages; and the refused queries.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "events/events_fixture.h"

namespace eventify::testing {
namespace {

std::vector<std::string> Titles(const EventPage& page) {
  std::vector<std::string> titles;
  for (const Event& e : page.items) titles.push_back(e.title);
  return titles;
}

struct ListingFixture : EventsFixture {
  ListingFixture() {
    workshops = ValueOrFail(events().CreateCategory(admin, "Workshops"));
    EventDraft d = Draft("Rust workshop", 3);
    d.category_id = workshops.id;
    d.description = "Hands-on ownership and borrowing";
    d.price_minor_units = 0;
    Approved(d);
    d = Draft("Database internals", 5);
    d.description = "B-trees, write-ahead logs and PostgreSQL";
    d.price_minor_units = 20000;
    Approved(d);
    d = Draft("C++ conference", 10);
    d.description = "Modern C++: modules, coroutines and ranges";
    d.price_minor_units = 150000;
    Approved(d, other_organizer);
    d = Draft("Kotlin day", 2);
    d.description = "Coroutines on the JVM";
    d.price_minor_units = 30000;
    Approved(d);
    // Never listed: a draft, a pending, a rejected, a held, a cancelled event.
    Create(Draft("Draft coroutines", 4));
    const Event pending = Create(Draft("Pending coroutines", 4));
    ValueOrFail(events().SubmitEvent(organizer, pending.id));
    const Event rejected = Create(Draft("Rejected coroutines", 4));
    ValueOrFail(events().SubmitEvent(organizer, rejected.id));
    ValueOrFail(events().RejectEvent(admin, rejected.id, EventRejectCause::kOther, "No"));
    ValueOrFail(events().HoldEvent(admin, Approved(Draft("Held coroutines", 4)).id, ""));
    ValueOrFail(events().CancelEvent(organizer, Approved(Draft("Cancelled coroutines", 4)).id,
                                     "Called off"));
  }

  EventPage List(EventQuery query) { return ValueOrFail(events().ListEvents(query)); }

  Category workshops;
};

using Names = std::vector<std::string>;

BOOST_FIXTURE_TEST_SUITE(listing, ListingFixture)

BOOST_AUTO_TEST_CASE(lists_approved_unheld_upcoming_events_soonest_first) {
  BOOST_TEST(Titles(List({})) ==
                 (Names{"Kotlin day", "Rust workshop", "Database internals", "C++ conference"}),
             boost::test_tools::per_element());
  // Once an event has started it leaves the listing.
  clock->Advance(2 * kDay + std::chrono::minutes(1));
  BOOST_TEST(Titles(List({})) == (Names{"Rust workshop", "Database internals", "C++ conference"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(filters_by_category_organizer_dates_and_price) {
  EventQuery q;
  q.category_id = workshops.id;
  BOOST_TEST(Titles(List(q)) == (Names{"Rust workshop"}), boost::test_tools::per_element());

  q = {};
  q.organizer_id = other_organizer.user_id;
  BOOST_TEST(Titles(List(q)) == (Names{"C++ conference"}), boost::test_tools::per_element());

  q = {};
  q.starts_from = clock->Now() + 3 * kDay;  // inclusive
  q.starts_before = clock->Now() + 10 * kDay;  // exclusive
  BOOST_TEST(Titles(List(q)) == (Names{"Rust workshop", "Database internals"}),
             boost::test_tools::per_element());

  q = {};
  q.min_price = 0;
  q.max_price = 0;
  BOOST_TEST(Titles(List(q)) == (Names{"Rust workshop"}), boost::test_tools::per_element());
  q = {};
  q.min_price = 20000;
  q.max_price = 30000;
  BOOST_TEST(Titles(List(q)) == (Names{"Kotlin day", "Database internals"}),
             boost::test_tools::per_element());
  q = {};
  q.min_price = 100000;
  BOOST_TEST(Titles(List(q)) == (Names{"C++ conference"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(searches_title_and_description_through_the_full_text_index) {
  EventQuery q;
  q.text = "coroutines";
  BOOST_TEST(Titles(List(q)) == (Names{"Kotlin day", "C++ conference"}),
             boost::test_tools::per_element());
  q.text = "COROUTINES jvm";  // every word, any case
  BOOST_TEST(Titles(List(q)) == (Names{"Kotlin day"}), boost::test_tools::per_element());
  q.text = "database";  // in the title
  BOOST_TEST(Titles(List(q)) == (Names{"Database internals"}), boost::test_tools::per_element());
  q.text = "write-ahead";  // punctuation separates words
  BOOST_TEST(Titles(List(q)) == (Names{"Database internals"}), boost::test_tools::per_element());
  q.text = "\"ownership\" OR kotlin";  // quotes and operators are plain words
  BOOST_TEST(List(q).items.empty());
  q.text = "coroutine";  // whole words: no stemming, no prefixes
  BOOST_TEST(List(q).items.empty());
  q.text = "coroutines";
  q.organizer_id = organizer.user_id;
  BOOST_TEST(Titles(List(q)) == (Names{"Kotlin day"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_index_follows_edits) {
  const Event approved = Approved(Draft("Go meetup", 6));
  EventDraft edit = Draft("Go meetup", 6);
  edit.starts_at = approved.starts_at;
  edit.ends_at = approved.ends_at;
  edit.description = "Generics and goroutines";
  ValueOrFail(events().UpdateEvent(organizer, approved.id, edit));
  EventQuery q;
  q.text = "goroutines";
  BOOST_TEST(Titles(List(q)) == (Names{"Go meetup"}), boost::test_tools::per_element());
  q.text = "databases";  // the old description's word
  BOOST_TEST(List(q).items.empty());
}

BOOST_AUTO_TEST_CASE(pages_follow_the_cursor_without_gaps_or_repeats) {
  // Five more at the same start: ties are broken by id, which grows with the creation time.
  const EventDraft same = Draft("Same start", 6);
  for (int i = 0; i < 5; ++i) {
    EventDraft d = same;
    d.title += " " + std::to_string(i);
    clock->Advance(std::chrono::milliseconds(1));
    Approved(d);
  }
  Names seen;
  std::string cursor;
  int pages = 0;
  do {
    EventQuery q;
    q.limit = 3;
    q.cursor = cursor;
    const EventPage page = List(q);
    for (const Event& e : page.items) seen.push_back(e.title);
    cursor = page.next_cursor;
    ++pages;
  } while (!cursor.empty());
  BOOST_TEST(pages == 3);
  BOOST_TEST(seen.size() == 9u);
  BOOST_TEST(seen[0] == "Kotlin day");
  BOOST_TEST(seen[8] == "C++ conference");
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(seen[3 + i] == "Same start " + std::to_string(i));
  }
}

BOOST_AUTO_TEST_CASE(refuses_bad_queries) {
  EventQuery q;
  q.limit = 0;
  ExpectError(events().ListEvents(q), StatusCode::kInvalidArgument, "invalid_limit", "limit");
  q = {};
  q.cursor = "nonsense";
  ExpectError(events().ListEvents(q), StatusCode::kInvalidArgument, "invalid_cursor", "cursor");
  q = {};
  q.text = "!!! ---";
  ExpectError(events().ListEvents(q), StatusCode::kInvalidArgument, "invalid_search", "text");
  q.text = std::string(201, 'a');
  ExpectError(events().ListEvents(q), StatusCode::kInvalidArgument, "invalid_search", "text");
  q = {};
  q.min_price = -1;
  ExpectError(events().ListEvents(q), StatusCode::kInvalidArgument, "invalid_price_range",
              "min_price");
  q = {};
  q.min_price = 10;
  q.max_price = 5;
  ExpectError(events().ListEvents(q), StatusCode::kInvalidArgument, "invalid_price_range",
              "min_price");
  q = {};
  q.starts_from = clock->Now() + kDay;
  q.starts_before = clock->Now() + kDay;
  ExpectError(events().ListEvents(q), StatusCode::kInvalidArgument, "invalid_date_range",
              "starts_from");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
