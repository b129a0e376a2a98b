// The contract of spi::SettlementStore (spi/settlement_store.h) that every storage serving the
// "settlements" area must keep: one settlement per event, found again as written, and the list of
// ended events not settled yet.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/settlement_store.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::SettlementRecord;
using spi::SettlementStore;

// Events 1-6 (SampleEvent: event n ends 24n + 2 hours after BaseTime()): 1-3 approved, 4
// completed, 5 approved but on hold, 6 cancelled.
struct SettlementStoreFixture {
  SettlementStoreFixture() : storage(conformance::OpenStorageUnderTest()) {
    const Status made = Run([&](spi::Transaction& tx) -> Status {
      auto* events = tx.store<spi::EventStore>();
      const Category category = SampleCategory(1, "Talks");
      if (Status s = events->InsertCategory(category); !s.ok()) return s;
      for (int n = 1; n <= 6; ++n) {
        Event event = SampleEvent(n, category.id);
        event.status = n == 4   ? EventStatus::kCompleted
                       : n == 6 ? EventStatus::kCancelled
                                : EventStatus::kApproved;
        event.on_hold = n == 5;
        if (Status s = events->InsertEvent(event); !s.ok()) return s;
      }
      return Status::Ok();
    });
    BOOST_REQUIRE_MESSAGE(made.ok(), made.ToString());
  }

  static Timestamp EndOf(int n) { return SampleEvent(n, "").ends_at; }

  Status Run(const std::function<Status(spi::Transaction&)>& body) {
    return storage->Run(spi::TransactionMode::kReadWrite, body);
  }

  static SettlementRecord Record(int n) {
    SettlementRecord record;
    record.event_id = IdOf(n);
    record.organizer_id = "organizer-1";
    record.gross = Money{999, "INR"};
    record.commission = 100;
    record.net = 899;
    record.commission_bps = 1000;
    record.settlement_transfer_id = "transfer-net-" + std::to_string(n);
    record.commission_transfer_id = "transfer-fee-" + std::to_string(n);
    record.settled_by = "admin";
    record.settled_at = BaseTime() + std::chrono::hours(30) + std::chrono::microseconds(7);
    return record;
  }

  std::shared_ptr<spi::Storage> storage;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(settlement_store, SettlementStoreFixture)

BOOST_AUTO_TEST_CASE(a_settlement_is_found_as_written_and_only_once) {
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<SettlementStore>();
    BOOST_REQUIRE(store != nullptr);
    const auto before = store->FindSettlement(IdOf(1));
    BOOST_TEST((before.status().code() == StatusCode::kNotFound));
    BOOST_TEST(before.status().reason() == "settlement_not_found");
    if (Status s = store->InsertSettlement(Record(1)); !s.ok()) return s;
    // A second one for the same event is refused, and the transaction goes on.
    SettlementRecord second = Record(1);
    second.net = 0;
    second.commission = 999;
    const Status again = store->InsertSettlement(second);
    BOOST_TEST((again.code() == StatusCode::kAlreadyExists));
    BOOST_TEST(again.reason() == "settlement_exists");
    auto found = store->FindSettlement(IdOf(1));
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    const SettlementRecord expected = Record(1);
    BOOST_TEST(found->event_id == expected.event_id);
    BOOST_TEST(found->organizer_id == "organizer-1");
    BOOST_TEST(found->gross.minor_units == 999);
    BOOST_TEST(found->gross.currency == "INR");
    BOOST_TEST(found->commission == 100);
    BOOST_TEST(found->net == 899);
    BOOST_TEST(found->commission_bps == 1000);
    BOOST_TEST(found->settlement_transfer_id == "transfer-net-1");
    BOOST_TEST(found->commission_transfer_id == "transfer-fee-1");
    BOOST_TEST(found->settled_by == "admin");
    BOOST_TEST((found->settled_at == expected.settled_at));
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());
}

BOOST_AUTO_TEST_CASE(the_settlements_of_many_events_are_found_at_once) {
  const Status done = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<SettlementStore>();
    auto none = store->FindSettlements({});
    BOOST_REQUIRE_MESSAGE(none.ok(), none.status().ToString());
    BOOST_TEST(none->empty());
    SettlementRecord fourth = Record(4);
    fourth.gross = Money{0, "INR"};
    fourth.commission = 0;
    fourth.net = 0;
    fourth.settlement_transfer_id.clear();
    fourth.commission_transfer_id.clear();
    fourth.settled_by.clear();
    for (const SettlementRecord& record : {Record(1), Record(3), fourth}) {
      if (Status s = store->InsertSettlement(record); !s.ok()) return s;
    }
    // Settled, unsettled, unknown and repeated ids together.
    const std::vector<std::string> ids = {IdOf(4), IdOf(2), "no-such-event", IdOf(1), IdOf(1),
                                          IdOf(5)};
    auto found = store->FindSettlements(ids);
    BOOST_REQUIRE_MESSAGE(found.ok(), found.status().ToString());
    std::vector<std::string> found_ids;
    for (const SettlementRecord& record : *found) found_ids.push_back(record.event_id);
    std::sort(found_ids.begin(), found_ids.end());
    BOOST_TEST(found_ids == (std::vector<std::string>{IdOf(1), IdOf(4)}));
    for (const SettlementRecord& record : *found) {
      const SettlementRecord expected = record.event_id == IdOf(4) ? fourth : Record(1);
      BOOST_TEST_INFO(record.event_id);
      BOOST_TEST(record.organizer_id == expected.organizer_id);
      BOOST_TEST((record.gross == expected.gross));
      BOOST_TEST(record.commission == expected.commission);
      BOOST_TEST(record.net == expected.net);
      BOOST_TEST(record.commission_bps == expected.commission_bps);
      BOOST_TEST(record.settlement_transfer_id == expected.settlement_transfer_id);
      BOOST_TEST(record.commission_transfer_id == expected.commission_transfer_id);
      BOOST_TEST(record.settled_by == expected.settled_by);
      BOOST_TEST((record.settled_at == expected.settled_at));
    }
    return Status::Ok();
  });
  BOOST_TEST(done.ok(), done.ToString());
}

BOOST_AUTO_TEST_CASE(a_settlement_for_an_unknown_event_is_refused) {
  SettlementRecord record = Record(1);
  record.event_id = "no-such-event";
  const Status refused = Run([&](spi::Transaction& tx) {
    return tx.store<SettlementStore>()->InsertSettlement(record);
  });
  BOOST_TEST((refused.code() == StatusCode::kNotFound));
  BOOST_TEST(refused.reason() == "event_not_found");
}

BOOST_AUTO_TEST_CASE(ended_events_not_settled_are_listed_soonest_end_first) {
  const auto list = [&](Timestamp ended_by, int limit) {
    std::vector<std::string> ids;
    const Status done = Run([&](spi::Transaction& tx) -> Status {
      auto found = tx.store<SettlementStore>()->ListUnsettledEnded(ended_by, limit);
      if (!found.ok()) return found.status();
      ids = *found;
      return Status::Ok();
    });
    BOOST_TEST(done.ok(), done.ToString());
    return ids;
  };
  // Ended by the end of the 6th: 1-4 (5 is on hold, 6 cancelled).
  BOOST_TEST(list(EndOf(6), 10) == (std::vector<std::string>{IdOf(1), IdOf(2), IdOf(3),
                                                      IdOf(4)}));
  BOOST_TEST(list(EndOf(2), 10) == (std::vector<std::string>{IdOf(1), IdOf(2)}));  // inclusive
  BOOST_TEST(list(EndOf(2) - std::chrono::microseconds(1), 10) ==
             (std::vector<std::string>{IdOf(1)}));
  BOOST_TEST(list(EndOf(6), 2) == (std::vector<std::string>{IdOf(1), IdOf(2)}));
  const Status settled = Run([&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<SettlementStore>();
    if (Status s = store->InsertSettlement(Record(1)); !s.ok()) return s;
    return store->InsertSettlement(Record(4));
  });
  BOOST_REQUIRE_MESSAGE(settled.ok(), settled.ToString());
  BOOST_TEST(list(EndOf(6), 10) == (std::vector<std::string>{IdOf(2), IdOf(3)}));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
