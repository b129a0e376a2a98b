// The contract of spi::WaitlistStore (spi/waitlist_store.h) that every storage serving the
// "bookings.waitlist" area must keep: entries written, updated and deleted; one waiting entry
// per user and event, offered ones kept; an event's line by seq, filtered by the seats that fit;
// positions; and the events whose free seats fit someone waiting.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/waitlist_store.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::WaitlistRecord;
using spi::WaitlistStore;

std::string EventId(int n) { return IdOf(n, "9100"); }

// Events 1-4 of 4 seats starting a day after BaseTime(): 1 has 1 seat free, 2 none, 3 is
// cancelled with 3 free, 4 is on hold with 4 free.
struct WaitlistStoreFixture {
  WaitlistStoreFixture() : storage(conformance::OpenStorageUnderTest()) {
    const Status made = Run([&](spi::Transaction& tx) -> Status {
      auto* events = tx.store<spi::EventStore>();
      const Category category{EventId(9), "Talks", true, BaseTime(), BaseTime()};
      EV_TEST_RETURN_IF_ERROR(events->InsertCategory(category));
      std::vector<spi::EventSeats> seats;
      for (int n = 1; n <= 4; ++n) {
        Event event;
        event.id = EventId(n);
        event.organizer_id = "organizer";
        event.title = event.description = event.venue = "Event";
        event.category_id = category.id;
        event.starts_at = BaseTime() + std::chrono::hours(24);
        event.ends_at = event.starts_at + std::chrono::hours(1);
        event.time_zone = "UTC";
        event.capacity = 4;
        event.price = Money{100, "INR"};
        event.max_tickets_per_booking = 4;
        event.status = n == 3 ? EventStatus::kCancelled : EventStatus::kApproved;
        event.on_hold = n == 4;
        event.created_at = event.updated_at = BaseTime();
        EV_TEST_RETURN_IF_ERROR(events->InsertEvent(event));
      }
      EV_TEST_ASSIGN_OR_RETURN(auto locked, tx.store<spi::BookingStore>()->LockEventSeats(
                                                std::vector<std::string>{EventId(1), EventId(2)}));
      locked[0].seats_sold = 3;
      locked[1].seats_sold = 2;
      locked[1].seats_held = 2;
      return tx.store<spi::BookingStore>()->UpdateEventSeats(locked, BaseTime());
    });
    BOOST_REQUIRE_MESSAGE(made.ok(), made.ToString());
  }

  Status Run(const std::function<Status(spi::Transaction&)>& body) {
    return storage->Run(spi::TransactionMode::kReadWrite, body);
  }

  static WaitlistRecord Waiting(int event, std::int64_t seq, const std::string& user,
                                std::int32_t seats) {
    WaitlistRecord record;
    record.seq = seq;
    record.entry.id = EventId(event) + "-" + std::to_string(seq);
    record.entry.event_id = EventId(event);
    record.entry.user_id = user;
    record.entry.seats = seats;
    record.entry.joined_at = BaseTime() + std::chrono::seconds(seq);
    return record;
  }

  static std::vector<std::string> Users(const std::vector<WaitlistRecord>& records) {
    std::vector<std::string> users;
    for (const WaitlistRecord& record : records) users.push_back(record.entry.user_id);
    return users;
  }

  std::shared_ptr<spi::Storage> storage;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(waitlist_store, WaitlistStoreFixture)

BOOST_AUTO_TEST_CASE(entries_are_written_read_by_user_and_counted_in_line) {
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<WaitlistStore>();
    BOOST_REQUIRE(store != nullptr);
    EV_TEST_ASSIGN_OR_RETURN(const std::int64_t none, store->LastSeq(EventId(2)));
    BOOST_TEST(none == 0);
    for (const WaitlistRecord& record :
         {Waiting(2, 1, "ann", 2), Waiting(2, 2, "bob", 1), Waiting(2, 3, "cid", 3),
          Waiting(1, 1, "ann", 1)}) {
      EV_TEST_RETURN_IF_ERROR(store->InsertEntry(record));
    }
    EV_TEST_ASSIGN_OR_RETURN(const std::int64_t last, store->LastSeq(EventId(2)));
    BOOST_TEST(last == 3);
    EV_TEST_ASSIGN_OR_RETURN(auto anns, store->FindUserEntries(EventId(2), "ann"));
    BOOST_TEST_REQUIRE(anns.size() == 1u);
    const WaitlistEntry& entry = anns.front().entry;
    BOOST_TEST(anns.front().seq == 1);
    BOOST_TEST(entry.id == EventId(2) + "-1");
    BOOST_TEST(entry.seats == 2);
    BOOST_TEST((entry.status == WaitlistStatus::kWaiting));
    BOOST_TEST((entry.joined_at == BaseTime() + std::chrono::seconds(1)));
    BOOST_TEST(entry.booking_id.empty());
    BOOST_TEST(!entry.offered_at.has_value());
    BOOST_TEST(!entry.offer_expires_at.has_value());
    EV_TEST_ASSIGN_OR_RETURN(const std::int64_t third, store->CountWaitingUpTo(EventId(2), 3));
    BOOST_TEST(third == 3);

    // Offered: the entry keeps its row with the booking, and leaves the count of those waiting.
    WaitlistRecord offered = anns.front();
    offered.entry.status = WaitlistStatus::kOffered;
    offered.entry.booking_id = "booking-1";
    offered.entry.offered_at = BaseTime() + std::chrono::minutes(1);
    offered.entry.offer_expires_at = BaseTime() + std::chrono::minutes(11);
    EV_TEST_RETURN_IF_ERROR(store->UpdateEntry(offered));
    EV_TEST_ASSIGN_OR_RETURN(const std::int64_t after, store->CountWaitingUpTo(EventId(2), 3));
    BOOST_TEST(after == 2);
    // A user whose entry was offered waits again with a new entry; newest first.
    EV_TEST_RETURN_IF_ERROR(store->InsertEntry(Waiting(2, 4, "ann", 1)));
    EV_TEST_ASSIGN_OR_RETURN(auto again, store->FindUserEntries(EventId(2), "ann"));
    BOOST_TEST_REQUIRE(again.size() == 2u);
    BOOST_TEST(again[0].seq == 4);
    BOOST_TEST(again[1].entry.booking_id == "booking-1");
    BOOST_TEST((again[1].entry.status == WaitlistStatus::kOffered));
    BOOST_TEST((again[1].entry.offered_at == BaseTime() + std::chrono::minutes(1)));
    BOOST_TEST((again[1].entry.offer_expires_at == BaseTime() + std::chrono::minutes(11)));

    EV_TEST_RETURN_IF_ERROR(store->DeleteEntry(EventId(2) + "-2"));
    EV_TEST_ASSIGN_OR_RETURN(auto bobs, store->FindUserEntries(EventId(2), "bob"));
    BOOST_TEST(bobs.empty());
    const Status gone = store->DeleteEntry(EventId(2) + "-2");
    BOOST_TEST((gone.code() == StatusCode::kNotFound));
    BOOST_TEST(gone.reason() == "waitlist_entry_not_found");
    const Status unknown = store->UpdateEntry(Waiting(2, 9, "zed", 1));
    BOOST_TEST((unknown.code() == StatusCode::kNotFound));
    BOOST_TEST(unknown.reason() == "waitlist_entry_not_found");
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());
}

BOOST_AUTO_TEST_CASE(a_second_waiting_entry_and_a_taken_place_are_refused) {
  BOOST_REQUIRE(Run([&](spi::Transaction& tx) {
                  return tx.store<WaitlistStore>()->InsertEntry(Waiting(2, 1, "ann", 1));
                }).ok());
  WaitlistRecord same_user = Waiting(2, 2, "ann", 1);
  WaitlistRecord same_place = Waiting(2, 1, "bob", 1);
  same_place.entry.id = "another-id";
  for (const WaitlistRecord& refused : {same_user, same_place}) {
    const Status status = Run([&](spi::Transaction& tx) {
      return tx.store<WaitlistStore>()->InsertEntry(refused);
    });
    BOOST_TEST((status.code() == StatusCode::kAlreadyExists));
    BOOST_TEST(status.reason() == "waitlist_entry_exists");
  }
}

BOOST_AUTO_TEST_CASE(the_line_is_by_seq_filtered_by_seats_and_served_events_are_found) {
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<WaitlistStore>();
    for (const WaitlistRecord& record :
         {Waiting(1, 1, "ann", 2), Waiting(1, 2, "bob", 1), Waiting(1, 3, "cid", 1),
          Waiting(1, 4, "dee", 1), Waiting(2, 1, "ann", 1), Waiting(3, 1, "ann", 1),
          Waiting(4, 1, "ann", 1)}) {
      EV_TEST_RETURN_IF_ERROR(store->InsertEntry(record));
    }
    EV_TEST_ASSIGN_OR_RETURN(auto fit_one, store->ListWaiting(EventId(1), 0, 1, 2));
    BOOST_TEST((Users(fit_one) == std::vector<std::string>{"bob", "cid"}));
    EV_TEST_ASSIGN_OR_RETURN(auto after, store->ListWaiting(EventId(1), 2, 2, 10));
    BOOST_TEST((Users(after) == std::vector<std::string>{"cid", "dee"}));
    EV_TEST_ASSIGN_OR_RETURN(auto all, store->ListWaiting(EventId(1), 0, 4, 10));
    BOOST_TEST((Users(all) == std::vector<std::string>{"ann", "bob", "cid", "dee"}));

    // Event 1 has a seat free and someone waiting for one; 2 is full; 3 is cancelled; 4 is on
    // hold; none has started yet.
    EV_TEST_ASSIGN_OR_RETURN(auto served, store->ListEventsToServe(BaseTime(), 10));
    BOOST_TEST((served == std::vector<std::string>{EventId(1)}));
    EV_TEST_ASSIGN_OR_RETURN(auto started,
                             store->ListEventsToServe(BaseTime() + std::chrono::hours(24), 10));
    BOOST_TEST(started.empty());
    // Once those who fit are offered, only entries asking for more than is free are left.
    for (const char* user : {"bob", "cid", "dee"}) {
      EV_TEST_ASSIGN_OR_RETURN(auto mine, store->FindUserEntries(EventId(1), user));
      mine.front().entry.status = WaitlistStatus::kOffered;
      EV_TEST_RETURN_IF_ERROR(store->UpdateEntry(mine.front()));
    }
    EV_TEST_ASSIGN_OR_RETURN(auto none, store->ListEventsToServe(BaseTime(), 10));
    BOOST_TEST(none.empty());
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
