// The contract of spi::BookingStore (spi/booking_store.h) that every storage serving the
// "bookings" area must keep: seat counters of event rows, bookings by id, request key and lapse,
// reminders claimed once, tickets and their one-time check-in.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <optional>
#include <utility>
#include <vector>

#include "eventify/spi/booking_store.h"
#include "eventify/spi/event_store.h"
#include "conformance_helpers.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::BookingRecord;
using spi::BookingStore;

std::string Id(int n) { return IdOf(n, "9000"); }

struct BookingStoreFixture {
  BookingStoreFixture() : storage(conformance::OpenStorageUnderTest()) {
    const Status made = Run([&](spi::Transaction& tx) -> Status {
      auto* events = tx.store<spi::EventStore>();
      Category category{Id(900), "Talks", true, BaseTime(), BaseTime()};
      if (Status s = events->InsertCategory(category); !s.ok()) return s;
      for (int n : {1, 2}) {
        Event event;
        event.id = Id(n);
        event.organizer_id = "organizer";
        event.title = "Event " + std::to_string(n);
        event.description = "About it";
        event.category_id = category.id;
        event.venue = "Hall";
        event.starts_at = BaseTime() + std::chrono::hours(24);
        event.ends_at = event.starts_at + std::chrono::hours(2);
        event.time_zone = "UTC";
        event.capacity = 10;
        event.price = Money{500, "INR"};
        event.max_tickets_per_booking = 4;
        event.status = EventStatus::kApproved;
        event.created_at = event.updated_at = BaseTime();
        if (Status s = events->InsertEvent(event); !s.ok()) return s;
      }
      return Status::Ok();
    });
    BOOST_REQUIRE_MESSAGE(made.ok(), made.ToString());
  }

  Status Run(const std::function<Status(spi::Transaction&)>& body) {
    return storage->Run(spi::TransactionMode::kReadWrite, body);
  }

  void SetEventStatus(const std::string& id, EventStatus status) {
    const Status set = Run([&](spi::Transaction& tx) -> Status {
      auto* events = tx.store<spi::EventStore>();
      auto event = events->FindEvent(id, spi::LockMode::kForUpdate);
      if (!event.ok()) return event.status();
      event->status = status;
      return events->UpdateEvent(*event);
    });
    BOOST_REQUIRE_MESSAGE(set.ok(), set.ToString());
  }

  static BookingRecord Record(int n, const std::string& event_id, BookingStatus status,
                              Timestamp expires) {
    BookingRecord record;
    Booking& b = record.booking;
    b.id = Id(100 + n);
    b.event_id = event_id;
    b.user_id = "buyer-" + std::to_string(n);
    b.idempotency_key = "key-" + std::to_string(n);
    b.seats = 2;
    b.amount = Money{1000, "INR"};
    b.status = status;
    b.hold_expires_at = expires;
    b.created_at = b.updated_at = BaseTime();
    record.request_key = b.user_id + ":" + b.idempotency_key;
    return record;
  }

  std::shared_ptr<spi::Storage> storage;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(booking_store, BookingStoreFixture)

BOOST_AUTO_TEST_CASE(event_seats_are_locked_in_id_order_and_written_back) {
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<BookingStore>();
    BOOST_REQUIRE(store != nullptr);
    const std::vector<std::string> ids = {Id(2), "no-such-event", Id(1)};
    auto seats = store->LockEventSeats(ids);
    BOOST_REQUIRE_MESSAGE(seats.ok(), seats.status().ToString());
    BOOST_REQUIRE(seats->size() == 2u);
    BOOST_TEST((*seats)[0].event_id == Id(1));
    BOOST_TEST((*seats)[1].event_id == Id(2));
    BOOST_TEST((*seats)[0].capacity == 10);
    BOOST_TEST((*seats)[0].price.minor_units == 500);
    BOOST_TEST((*seats)[0].price.currency == "INR");
    BOOST_TEST((*seats)[0].max_tickets_per_booking == 4);
    BOOST_TEST(((*seats)[0].status == EventStatus::kApproved));
    BOOST_TEST((*seats)[0].organizer_id == "organizer");
    (*seats)[0].seats_sold = 3;
    (*seats)[0].seats_held = 4;
    if (Status s = store->UpdateEventSeats(*seats, BaseTime()); !s.ok()) return s;
    spi::EventSeats missing;
    missing.event_id = "no-such-event";
    const Status unknown = store->UpdateEventSeats(std::span(&missing, 1), BaseTime());
    BOOST_TEST((unknown.code() == StatusCode::kNotFound));
    BOOST_TEST(unknown.reason() == "event_not_found");
    auto again = store->LockEventSeats(std::span(&ids[2], 1));
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(again->front().seats_sold == 3);
    BOOST_TEST(again->front().seats_held == 4);
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());
}

BOOST_AUTO_TEST_CASE(bookings_are_found_by_id_key_and_lapse_and_keys_are_unique) {
  const Timestamp now = BaseTime() + std::chrono::minutes(20);
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<BookingStore>();
    std::vector<BookingRecord> rows = {
        Record(1, Id(1), BookingStatus::kHeld, now - std::chrono::minutes(1)),   // lapsed
        Record(2, Id(1), BookingStatus::kHeld, now),                             // lapses now
        Record(3, Id(1), BookingStatus::kHeld, now + std::chrono::minutes(1)),   // live
        Record(4, Id(2), BookingStatus::kConfirmed, now - std::chrono::hours(1)),
    };
    rows[3].booking.payment_transfer_id = "transfer-4";
    rows[3].booking.confirmed_at = BaseTime();
    if (Status s = store->InsertBookings(rows); !s.ok()) return s;

    const std::vector<std::string> ids = {Id(104), Id(999)};
    auto found = store->FindBookings(ids);
    BOOST_REQUIRE(found.ok());
    BOOST_REQUIRE(found->size() == 1u);
    const Booking& b = found->front().booking;
    BOOST_TEST(b.user_id == "buyer-4");
    BOOST_TEST(b.idempotency_key == "key-4");
    BOOST_TEST(b.seats == 2);
    BOOST_TEST(b.amount.minor_units == 1000);
    BOOST_TEST((b.status == BookingStatus::kConfirmed));
    BOOST_TEST(b.payment_transfer_id == "transfer-4");
    BOOST_TEST((b.confirmed_at == std::optional<Timestamp>(BaseTime())));
    BOOST_TEST(!b.cancelled_at.has_value());
    BOOST_TEST(found->front().request_key == "buyer-4:key-4");

    // By (buyer, request key): another buyer naming the same key finds nothing.
    const std::vector<std::pair<std::string, std::string>> keys = {
        {"buyer-2", "buyer-2:key-2"}, {"buyer-2", "buyer-2:key-1"}, {"buyer-3", "buyer-2:key-2"}};
    auto by_key = store->FindBookingsByRequestKey(keys);
    BOOST_REQUIRE(by_key.ok());
    BOOST_REQUIRE(by_key->size() == 1u);
    BOOST_TEST(by_key->front().booking.id == Id(102));

    const std::vector<std::string> events = {Id(1), Id(2)};
    auto lapsed = store->FindLapsedHolds(events, now);
    BOOST_REQUIRE(lapsed.ok());
    std::vector<std::string> lapsed_ids;
    for (const auto& r : *lapsed) lapsed_ids.push_back(r.booking.id);
    std::sort(lapsed_ids.begin(), lapsed_ids.end());
    BOOST_TEST((lapsed_ids == std::vector<std::string>{Id(101), Id(102)}));
    auto with_lapsed = store->ListEventsWithLapsedHolds(now, 10);
    BOOST_REQUIRE(with_lapsed.ok());
    BOOST_TEST((*with_lapsed == std::vector<std::string>{Id(1)}));

    // Updates overwrite status, transfers and times.
    BookingRecord cancelled = rows[3];
    cancelled.booking.status = BookingStatus::kCancelled;
    cancelled.booking.refund_transfer_id = "refund-4";
    cancelled.booking.cancelled_at = now;
    if (Status s = store->UpdateBookings(std::span(&cancelled, 1)); !s.ok()) return s;
    auto reread = store->FindBookings(std::span(&ids[0], 1));
    BOOST_REQUIRE(reread.ok());
    BOOST_TEST((reread->front().booking.status == BookingStatus::kCancelled));
    BOOST_TEST(reread->front().booking.refund_transfer_id == "refund-4");
    BOOST_TEST((reread->front().booking.cancelled_at == std::optional<Timestamp>(now)));
    BookingRecord unknown = Record(9, Id(1), BookingStatus::kHeld, now);
    const Status missing = store->UpdateBookings(std::span(&unknown, 1));
    BOOST_TEST(missing.reason() == "booking_not_found");
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());

  // A taken request key is refused as booking_exists (and the transaction rolls back).
  const Status duplicate = Run([&](spi::Transaction& tx) -> Status {
    BookingRecord again = Record(1, Id(1), BookingStatus::kHeld, now);
    again.booking.id = Id(150);
    return tx.store<BookingStore>()->InsertBookings(std::span(&again, 1));
  });
  BOOST_TEST((duplicate.code() == StatusCode::kAlreadyExists));
  BOOST_TEST(duplicate.reason() == "booking_exists");

  // The request key is unique per buyer: two buyers may hold one key, each finds their own.
  const Status shared = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<BookingStore>();
    std::vector<BookingRecord> two = {Record(5, Id(1), BookingStatus::kHeld, now),
                                      Record(6, Id(1), BookingStatus::kHeld, now)};
    for (BookingRecord& record : two) record.request_key = "waitlist:shared";
    if (Status s = store->InsertBookings(two); !s.ok()) return s;
    const std::vector<std::pair<std::string, std::string>> keys = {
        {"buyer-6", "waitlist:shared"}};
    auto found = store->FindBookingsByRequestKey(keys);
    BOOST_REQUIRE(found.ok());
    BOOST_REQUIRE(found->size() == 1u);
    BOOST_TEST(found->front().booking.id == Id(106));
    return Status::Ok();
  });
  BOOST_TEST(shared.ok(), shared.ToString());
}

BOOST_AUTO_TEST_CASE(a_buyers_bookings_are_listed_newest_first_by_keyset) {
  // Five bookings of one buyer: two share a creation time (the id breaks the tie); one of
  // another buyer is never listed.
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<BookingStore>();
    std::vector<BookingRecord> rows;
    const int minutes[] = {0, 5, 5, 10, 20};
    for (int n = 1; n <= 5; ++n) {
      BookingRecord record = Record(n, Id(1 + n % 2), BookingStatus::kHeld, BaseTime());
      record.booking.user_id = "buyer";
      record.request_key = "buyer:key-" + std::to_string(n);
      record.booking.created_at = BaseTime() + std::chrono::minutes(minutes[n - 1]);
      rows.push_back(record);
    }
    rows.push_back(Record(6, Id(1), BookingStatus::kHeld, BaseTime()));  // buyer-6
    rows.back().booking.created_at = BaseTime() + std::chrono::minutes(7);
    return store->InsertBookings(rows);
  });
  BOOST_REQUIRE_MESSAGE(done.ok(), done.ToString());

  auto page = [&](const std::optional<spi::Keyset>& before, int limit) {
    std::vector<BookingRecord> found;
    const Status read = storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
      auto listed = tx.store<BookingStore>()->ListUserBookings("buyer", before, limit);
      if (!listed.ok()) return listed.status();
      found = std::move(listed).value();
      return Status::Ok();
    });
    BOOST_REQUIRE_MESSAGE(read.ok(), read.ToString());
    std::vector<std::string> ids;
    for (const auto& record : found) ids.push_back(record.booking.id);
    return std::make_pair(ids, found);
  };
  // Newest first; 102 and 103 were created at the same instant: the greater id first.
  const auto [all, records] = page(std::nullopt, 10);
  BOOST_TEST((all == std::vector<std::string>{Id(105), Id(104), Id(103), Id(102), Id(101)}));
  BOOST_TEST(records.front().booking.user_id == "buyer");
  BOOST_TEST(records.front().request_key == "buyer:key-5");
  BOOST_TEST((records.front().booking.created_at == BaseTime() + std::chrono::minutes(20)));

  const auto [first, first_records] = page(std::nullopt, 2);
  BOOST_TEST((first == std::vector<std::string>{Id(105), Id(104)}));
  // After (5 minutes, 103): only 102 of the tie, then 101.
  const spi::Keyset after_103{BaseTime() + std::chrono::minutes(5), Id(103)};
  const auto [rest, rest_records] = page(after_103, 10);
  BOOST_TEST((rest == std::vector<std::string>{Id(102), Id(101)}));
  const spi::Keyset after_oldest{BaseTime(), Id(101)};
  BOOST_TEST(page(after_oldest, 10).first.empty());
}

BOOST_AUTO_TEST_CASE(confirmed_bookings_of_cancelled_events_are_listed_for_refund) {
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<BookingStore>();
    std::vector<BookingRecord> rows = {
        Record(1, Id(1), BookingStatus::kConfirmed, BaseTime()),
        Record(2, Id(2), BookingStatus::kConfirmed, BaseTime()),
        Record(3, Id(2), BookingStatus::kHeld, BaseTime()),
    };
    if (Status s = store->InsertBookings(rows); !s.ok()) return s;
    auto* events = tx.store<spi::EventStore>();
    auto event = events->FindEvent(Id(2), spi::LockMode::kForUpdate);
    if (!event.ok()) return event.status();
    event->status = EventStatus::kCancelled;
    if (Status s = events->UpdateEvent(*event); !s.ok()) return s;
    auto listed = store->ListBookingsToRefund(10);
    BOOST_REQUIRE(listed.ok());
    BOOST_TEST((*listed == std::vector<std::string>{Id(102)}));
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());
}

BOOST_AUTO_TEST_CASE(due_reminders_are_claimed_once_and_only_in_their_window) {
  // Both events start a day after BaseTime(); with a day's lead the window opens at BaseTime().
  const Duration lead = std::chrono::hours(24);
  auto confirmed = [](int n, const std::string& event_id, Timestamp at) {
    BookingRecord record = Record(n, event_id, BookingStatus::kConfirmed, BaseTime());
    record.booking.confirmed_at = at;
    return record;
  };
  std::vector<BookingRecord> rows = {
      confirmed(1, Id(1), BaseTime() - std::chrono::hours(1)),     // due
      confirmed(2, Id(1), BaseTime() + std::chrono::minutes(30)),  // confirmed within the window
      Record(3, Id(1), BookingStatus::kHeld, BaseTime() + std::chrono::hours(2)),
      Record(4, Id(2), BookingStatus::kCancelled, BaseTime()),
      confirmed(5, Id(2), BaseTime() - std::chrono::hours(2)),     // due
      confirmed(6, Id(2), BaseTime() - std::chrono::hours(2)),     // due
  };
  BOOST_REQUIRE(Run([&](spi::Transaction& tx) {
                  return tx.store<BookingStore>()->InsertBookings(rows);
                }).ok());
  // Claims in a transaction of its own; `keep` false rolls it back.
  auto claim = [&](Timestamp now, int limit, bool keep = true) {
    std::vector<std::string> ids;
    const Status done = Run([&](spi::Transaction& tx) -> Status {
      auto claimed = tx.store<BookingStore>()->ClaimDueReminders(now, lead, limit);
      if (!claimed.ok()) return claimed.status();
      for (const BookingRecord& record : *claimed) ids.push_back(record.booking.id);
      return keep ? Status::Ok() : FailedPrecondition("rolled_back", "the test rolls back");
    });
    BOOST_TEST((done.ok() || !keep), done.ToString());
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  const Timestamp now = BaseTime() + std::chrono::hours(1);
  BOOST_TEST(claim(BaseTime() - std::chrono::minutes(1), 10).empty());  // before the window
  BOOST_TEST((claim(now, 10, /*keep=*/false) == std::vector<std::string>{Id(101), Id(105), Id(106)}));
  // Event 2 is cancelled: its bookings are not due; the rolled-back claim left them unclaimed.
  SetEventStatus(Id(2), EventStatus::kCancelled);
  BOOST_TEST((claim(now, 10) == std::vector<std::string>{Id(101)}));
  SetEventStatus(Id(2), EventStatus::kApproved);
  BOOST_TEST((claim(now, 1) == std::vector<std::string>{Id(105)}));  // by id at one start
  BOOST_TEST((claim(now, 10) == std::vector<std::string>{Id(106)}));
  BOOST_TEST(claim(now, 10).empty());  // claimed once
  BOOST_TEST(claim(BaseTime() + std::chrono::hours(24), 10).empty());  // started
}

BOOST_AUTO_TEST_CASE(tickets_are_listed_by_booking_and_admitted_once) {
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<BookingStore>();
    BookingRecord booking = Record(1, Id(1), BookingStatus::kConfirmed, BaseTime());
    if (Status s = store->InsertBookings(std::span(&booking, 1)); !s.ok()) return s;
    std::vector<Ticket> tickets;
    for (int seat : {2, 1}) {
      Ticket t;
      t.id = Id(200 + seat);
      t.booking_id = booking.booking.id;
      t.event_id = Id(1);
      t.user_id = "buyer-1";
      t.seat = seat;
      t.created_at = BaseTime();
      tickets.push_back(t);
    }
    if (Status s = store->InsertTickets(tickets); !s.ok()) return s;
    auto listed = store->ListTickets(std::span(&booking.booking.id, 1));
    BOOST_REQUIRE(listed.ok());
    BOOST_REQUIRE(listed->size() == 2u);
    BOOST_TEST(listed->front().seat == 1);
    BOOST_TEST(!listed->front().checked_in_at.has_value());

    auto first = store->MarkCheckedIn(Id(201), BaseTime());
    BOOST_REQUIRE(first.ok());
    BOOST_TEST(*first);
    auto second = store->MarkCheckedIn(Id(201), BaseTime() + std::chrono::minutes(1));
    BOOST_REQUIRE(second.ok());
    BOOST_TEST(!*second);
    auto ticket = store->FindTicket(Id(201));
    BOOST_REQUIRE(ticket.ok());
    BOOST_TEST((ticket->checked_in_at == std::optional<Timestamp>(BaseTime())));
    BOOST_TEST(store->FindTicket(Id(299)).status().reason() == "ticket_not_found");
    BOOST_TEST(store->MarkCheckedIn(Id(299), BaseTime()).status().reason() == "ticket_not_found");
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());

  const Status duplicate = Run([&](spi::Transaction& tx) -> Status {
    Ticket t;
    t.id = Id(250);
    t.booking_id = Id(101);
    t.event_id = Id(1);
    t.user_id = "buyer-1";
    t.seat = 1;  // taken by ticket 201
    t.created_at = BaseTime();
    return tx.store<BookingStore>()->InsertTickets(std::span(&t, 1));
  });
  BOOST_TEST((duplicate.code() == StatusCode::kAlreadyExists));
  BOOST_TEST(duplicate.reason() == "ticket_exists");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
