// What every spi::Storage must do for the events area: the EventStore contract — profiles put and
// found, category names unique without regard to ASCII case, every event column round-tripped
// (NULLs included), each list order with its keyset, the full-text words, completion — and the
// schema's own guards (seats within capacity) — through the public SPI only, on the storage the
// factory hook gives (storage_conformance.h).
#include "eventify/spi/event_store.h"

#include <boost/test/unit_test.hpp>
#include <functional>
#include <string>
#include <vector>

#include "eventify/spi/storage.h"
#include "conformance_helpers.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::EventFilter;
using spi::EventStore;
using spi::LockMode;
using spi::TransactionMode;

using StoreBody = std::function<Status(EventStore&)>;

Status RunStore(spi::Storage& storage, TransactionMode mode, const StoreBody& body) {
  return storage.Run(mode, [&](spi::Transaction& tx) {
    EventStore* store = tx.store<EventStore>();
    if (store == nullptr) return Internal("the storage has no event store");
    return body(*store);
  });
}

struct EventStoreFixture {
  EventStoreFixture() : storage(conformance::OpenStorageUnderTest()) {
    BOOST_REQUIRE(storage->Supports(EventStore::kArea));
    Require(Write([&](EventStore& s) { return s.InsertCategory(category); }));
  }
  Status Write(const StoreBody& body) { return RunStore(*storage, TransactionMode::kReadWrite, body); }
  Status Read(const StoreBody& body) { return RunStore(*storage, TransactionMode::kReadOnly, body); }
  static void Require(const Status& s) { BOOST_REQUIRE_MESSAGE(s.ok(), s.ToString()); }

  std::vector<std::string> Ids(EventFilter filter) {
    std::vector<std::string> ids;
    Require(Read([&](EventStore& s) -> Status {
      auto events = s.ListEvents(filter);
      if (!events.ok()) return events.status();
      for (const Event& e : *events) ids.push_back(e.id);
      return Status::Ok();
    }));
    return ids;
  }

  std::shared_ptr<spi::Storage> storage;
  Category category = SampleCategory(1, "Meetups");
};

BOOST_FIXTURE_TEST_SUITE(event_store, EventStoreFixture)

BOOST_AUTO_TEST_CASE(profiles_are_put_found_and_listed_by_submission) {
  OrganizerProfile p;
  p.user_id = IdOf(1);
  p.organisation_name = "Acme";
  p.about = "About";
  p.contact = "Contact";
  p.submitted_at = BaseTime();
  p.updated_at = BaseTime();
  Require(Write([&](EventStore& s) { return s.PutOrganizerProfile(p); }));
  p.status = OrganizerStatus::kRejected;
  p.reject_cause = OrganizerRejectCause::kNotAnOrganizer;
  p.review_note = "Note";
  p.reviewed_at = BaseTime() + std::chrono::hours(1);
  Require(Write([&](EventStore& s) { return s.PutOrganizerProfile(p); }));  // overwrites
  Require(Read([&](EventStore& s) -> Status {
    auto found = s.FindOrganizerProfile(p.user_id, LockMode::kNone);
    BOOST_REQUIRE(found.ok());
    BOOST_TEST((found->status == OrganizerStatus::kRejected));
    BOOST_TEST((found->reject_cause == OrganizerRejectCause::kNotAnOrganizer));
    BOOST_TEST(found->review_note == "Note");
    BOOST_TEST((found->reviewed_at == p.reviewed_at));
    BOOST_TEST(s.FindOrganizerProfile(IdOf(2), LockMode::kNone).status().reason() ==
               "no_organizer_profile");
    auto rejected = s.ListOrganizerProfiles(OrganizerStatus::kRejected, std::nullopt, 10);
    BOOST_REQUIRE(rejected.ok());
    BOOST_TEST(rejected->size() == 1u);
    auto after = s.ListOrganizerProfiles(OrganizerStatus::kRejected,
                                         spi::Keyset{p.submitted_at, p.user_id}, 10);
    BOOST_REQUIRE(after.ok());
    BOOST_TEST(after->empty());
    return Status::Ok();
  }));
}

BOOST_AUTO_TEST_CASE(category_names_are_unique_without_regard_to_ascii_case) {
  const Status duplicate =
      Write([&](EventStore& s) { return s.InsertCategory(SampleCategory(2, "MEETUPS")); });
  BOOST_TEST(duplicate.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(duplicate.reason() == "category_exists");
  Category other = SampleCategory(3, "Workshops");
  Require(Write([&](EventStore& s) { return s.InsertCategory(other); }));
  other.name = "meetups";
  BOOST_TEST(Write([&](EventStore& s) { return s.UpdateCategory(other); }).reason() ==
             "category_exists");
  other.name = "Hands-on";
  other.listed = false;
  Require(Write([&](EventStore& s) { return s.UpdateCategory(other); }));
  Require(Read([&](EventStore& s) -> Status {
    auto listed = s.ListCategories(false);
    BOOST_REQUIRE(listed.ok());
    BOOST_TEST(listed->size() == 1u);
    auto all = s.ListCategories(true);
    BOOST_REQUIRE(all.ok());
    BOOST_REQUIRE(all->size() == 2u);
    BOOST_TEST((*all)[0].name == "Hands-on");  // by name
    BOOST_TEST(!(*all)[0].listed);
    BOOST_TEST(s.FindCategory(IdOf(999), LockMode::kNone).status().reason() ==
               "category_not_found");
    return Status::Ok();
  }));
  Category missing = SampleCategory(50, "Nowhere");
  BOOST_TEST(Write([&](EventStore& s) { return s.UpdateCategory(missing); }).reason() ==
             "category_not_found");
}

BOOST_AUTO_TEST_CASE(every_event_column_round_trips) {
  Event e = SampleEvent(1, category.id);
  e.online_url = "https://example.com/live";
  e.status = EventStatus::kRejected;
  e.on_hold = true;
  e.reject_cause = EventRejectCause::kPolicyViolation;
  e.review_note = "Review";
  e.cancel_note = "Cancel";
  e.seats_sold = 3;
  e.seats_held = 4;
  e.attendees_may_cancel = true;
  e.submitted_at = BaseTime() + std::chrono::microseconds(7);
  e.cover_image_key = "events/cover.png";
  Require(Write([&](EventStore& s) { return s.InsertEvent(e); }));
  BOOST_TEST(Write([&](EventStore& s) { return s.InsertEvent(e); }).reason() == "event_exists");
  auto check = [&](const Event& expected) {
    Require(Read([&](EventStore& s) -> Status {
      auto found = s.FindEvent(expected.id, LockMode::kNone);
      BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
      BOOST_TEST(found->organizer_id == expected.organizer_id);
      BOOST_TEST(found->title == expected.title);
      BOOST_TEST(found->online_url == expected.online_url);
      BOOST_TEST((found->starts_at == expected.starts_at));
      BOOST_TEST((found->price == expected.price));
      BOOST_TEST(found->attendees_may_cancel == expected.attendees_may_cancel);
      BOOST_TEST((found->status == expected.status));
      BOOST_TEST(found->on_hold == expected.on_hold);
      BOOST_TEST((found->reject_cause == expected.reject_cause));
      BOOST_TEST(found->review_note == expected.review_note);
      BOOST_TEST(found->cancel_note == expected.cancel_note);
      BOOST_TEST(found->seats_sold == expected.seats_sold);
      BOOST_TEST(found->seats_held == expected.seats_held);
      BOOST_TEST((found->submitted_at == expected.submitted_at));
      BOOST_TEST((found->cover_image_key == expected.cover_image_key));
      BOOST_TEST((found->created_at == expected.created_at));
      return Status::Ok();
    }));
  };
  check(e);
  e.reject_cause.reset();
  e.submitted_at.reset();
  e.cover_image_key.reset();
  e.status = EventStatus::kDraft;
  e.organizer_id = "someone-else";  // not written by UpdateEvent
  Require(Write([&](EventStore& s) { return s.UpdateEvent(e); }));
  e.organizer_id = "organizer-1";
  check(e);
  BOOST_TEST(Write([&](EventStore& s) { return s.UpdateEvent(SampleEvent(77, category.id)); })
                 .reason() == "event_not_found");
  BOOST_TEST(Read([&](EventStore& s) { return s.FindEvent(IdOf(77), LockMode::kNone).status(); })
                 .reason() == "event_not_found");
}

BOOST_AUTO_TEST_CASE(the_schema_keeps_seats_within_capacity) {
  Event e = SampleEvent(1, category.id);
  Require(Write([&](EventStore& s) { return s.InsertEvent(e); }));
  e.seats_sold = 8;
  e.seats_held = 3;  // 11 > 10
  const Status refused = Write([&](EventStore& s) { return s.UpdateEvent(e); });
  BOOST_TEST(refused.code() == StatusCode::kInternal);
  e.seats_held = 2;
  Require(Write([&](EventStore& s) { return s.UpdateEvent(e); }));
}

BOOST_AUTO_TEST_CASE(lists_in_each_order_from_each_keyset) {
  std::vector<Event> events;
  for (int n = 1; n <= 4; ++n) {
    events.push_back(SampleEvent(n, category.id));
    events.back().submitted_at = BaseTime() + std::chrono::seconds(10 - n);  // reverse order
    Require(Write([&](EventStore& s) { return s.InsertEvent(events.back()); }));
  }
  EventFilter soonest;
  BOOST_TEST(Ids(soonest) == (std::vector<std::string>{IdOf(1), IdOf(2), IdOf(3), IdOf(4)}),
             boost::test_tools::per_element());
  soonest.after = spi::Keyset{events[1].starts_at, events[1].id};
  soonest.limit = 1;
  BOOST_TEST(Ids(soonest) == (std::vector<std::string>{IdOf(3)}),
             boost::test_tools::per_element());

  EventFilter queue;
  queue.order = EventFilter::Order::kOldestSubmission;
  BOOST_TEST(Ids(queue) == (std::vector<std::string>{IdOf(4), IdOf(3), IdOf(2), IdOf(1)}),
             boost::test_tools::per_element());
  queue.after = spi::Keyset{*events[2].submitted_at, events[2].id};
  BOOST_TEST(Ids(queue) == (std::vector<std::string>{IdOf(2), IdOf(1)}),
             boost::test_tools::per_element());

  EventFilter newest;
  newest.order = EventFilter::Order::kNewestCreated;
  newest.after = spi::Keyset{events[2].created_at, events[2].id};
  BOOST_TEST(Ids(newest) == (std::vector<std::string>{IdOf(2), IdOf(1)}),
             boost::test_tools::per_element());

  EventFilter filtered;
  filtered.min_price = 2000;
  filtered.max_price = 3000;
  filtered.starts_after = events[0].starts_at;
  filtered.starts_before = events[3].starts_at;
  BOOST_TEST(Ids(filtered) == (std::vector<std::string>{IdOf(2), IdOf(3)}),
             boost::test_tools::per_element());
  filtered.starts_from = events[2].starts_at;
  BOOST_TEST(Ids(filtered) == (std::vector<std::string>{IdOf(3)}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(words_match_whole_words_of_title_or_description_in_any_case) {
  Event a = SampleEvent(1, category.id);
  a.title = "Rust Workshop";
  a.description = "Ownership, borrowing and lifetimes";
  Event b = SampleEvent(2, category.id);
  b.title = "Café night";
  b.description = "Espresso and ownership talk";
  Require(Write([&](EventStore& s) {
    Status st = s.InsertEvent(a);
    return st.ok() ? s.InsertEvent(b) : st;
  }));
  auto search = [&](std::vector<std::string> words) {
    EventFilter f;
    f.words = std::move(words);
    return Ids(f);
  };
  BOOST_TEST(search({"OWNERSHIP"}) == (std::vector<std::string>{IdOf(1), IdOf(2)}),
             boost::test_tools::per_element());
  BOOST_TEST(search({"rust", "lifetimes"}) == (std::vector<std::string>{IdOf(1)}),
             boost::test_tools::per_element());
  BOOST_TEST(search({"night"}) == (std::vector<std::string>{IdOf(2)}),
             boost::test_tools::per_element());
  BOOST_TEST(search({"own"}).empty());
  BOOST_TEST(search({"rust", "espresso"}).empty());
  // The index follows updates.
  a.description = "Traits and generics";
  Require(Write([&](EventStore& s) { return s.UpdateEvent(a); }));
  BOOST_TEST(search({"lifetimes"}).empty());
  BOOST_TEST(search({"generics"}) == (std::vector<std::string>{IdOf(1)}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(completes_approved_events_that_ended) {
  for (int n = 1; n <= 3; ++n) {
    Event e = SampleEvent(n, category.id);
    if (n == 3) e.status = EventStatus::kDraft;
    Require(Write([&](EventStore& s) { return s.InsertEvent(e); }));
  }
  const Timestamp now = SampleEvent(2, category.id).ends_at;
  std::int64_t completed = -1;
  Require(Write([&](EventStore& s) -> Status {
    auto n = s.CompleteEndedEvents(now);
    if (!n.ok()) return n.status();
    completed = *n;
    return Status::Ok();
  }));
  BOOST_TEST(completed == 2);
  EventFilter done;
  done.status = EventStatus::kCompleted;
  BOOST_TEST(Ids(done) == (std::vector<std::string>{IdOf(1), IdOf(2)}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
