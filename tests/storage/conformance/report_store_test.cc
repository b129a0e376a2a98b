// The contract of spi::ReportStore (spi/report_store.h) that every storage serving the "reports"
// area must keep: an organizer's events that ever sold, a page at a time, with the sums of their
// escrow transfers and bookings over a range; and the posted money movements over a range,
// oldest first, a page at a time.
#include "eventify/spi/report_store.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/event_store.h"
#include "ledger_helpers.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::ReportStore;

// Events 1-4 of organizer-1 (SampleEvent: event n starts 24n hours after BaseTime()): 1 approved,
// 2 completed, 3 a draft (never sold), 4 cancelled; event 5 is organizer-2's. Escrow of event 1:
// payments of 1000 (at 10 s) and 500 (at 20 s), a refund of 500 (at 30 s), a voided payment of
// 700 (at 15 s), a commission of 100 (at 40 s). Event 2: a payment of 300 (at 50 s), and one to
// organizer-2's event 5 of 900. A withdrawal of 200 (at 60 s) and a pending one of 50 (at 70 s).
// Bookings of event 1: two confirmed (2 and 1 seats, at 10 s and 20 s), one cancelled with a
// refund (at 30 s), one held.
struct ReportStoreFixture : FreshStorage {
  ReportStoreFixture() {
    REQUIRE_OK(storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
      auto* events = tx.store<spi::EventStore>();
      const Category category = SampleCategory(1, "Talks");
      if (Status s = events->InsertCategory(category); !s.ok()) return s;
      for (int n = 1; n <= 5; ++n) {
        Event event = SampleEvent(n, category.id);
        event.status = n == 2   ? EventStatus::kCompleted
                       : n == 3 ? EventStatus::kDraft
                       : n == 4 ? EventStatus::kCancelled
                                : EventStatus::kApproved;
        if (n == 5) event.organizer_id = "organizer-2";
        if (Status s = events->InsertEvent(event); !s.ok()) return s;
      }
      std::vector<spi::BookingRecord> bookings;
      const auto booking = [&](int n, BookingStatus status, int seats, int at) {
        spi::BookingRecord record =
            SampleBooking(IdOf(n, "b000"), IdOf(1), "buyer-" + std::to_string(n), status);
        record.request_key = record.booking.user_id + ":key";
        record.booking.seats = seats;
        if (status == BookingStatus::kConfirmed) record.booking.confirmed_at = At(at);
        if (status == BookingStatus::kCancelled) {
          record.booking.confirmed_at = At(at - 5);
          record.booking.cancelled_at = At(at);
          record.booking.refund_transfer_id = "refund-" + std::to_string(n);
        }
        bookings.push_back(record);
      };
      booking(1, BookingStatus::kConfirmed, 2, 10);
      booking(2, BookingStatus::kConfirmed, 1, 20);
      booking(3, BookingStatus::kCancelled, 1, 30);
      booking(4, BookingStatus::kHeld, 1, 0);
      return tx.store<spi::BookingStore>()->InsertBookings(bookings);
    }));
    const std::vector<std::string> ids =
        EnsureAccounts(*storage, {ProposedAccount(1, AccountKind::kUserWallet, "buyer"),
                                  ProposedAccount(2, AccountKind::kEscrow, IdOf(1)),
                                  ProposedAccount(3, AccountKind::kEscrow, IdOf(2)),
                                  ProposedAccount(4, AccountKind::kEscrow, IdOf(5)),
                                  ProposedAccount(5, AccountKind::kPlatformRevenue, ""),
                                  ProposedAccount(6, AccountKind::kWithdrawalsPayable, "")});
    const std::string &wallet = ids[0], &escrow1 = ids[1], &escrow2 = ids[2], &escrow5 = ids[3],
                      &revenue = ids[4], &payable = ids[5];
    using K = TransferKind;
    using S = TransferStatus;
    REQUIRE_OK(WriteLedger(*storage, [&](spi::LedgerRepository& ledger) {
      return ledger.InsertTransfers({
          SampleTransfer(1, wallet, escrow1, 1000, K::kDebit, S::kPosted, At(10)),
          SampleTransfer(2, wallet, escrow1, 500, K::kDebit, S::kPosted, At(20)),
          SampleTransfer(3, escrow1, wallet, 500, K::kRefund, S::kPosted, At(30)),
          SampleTransfer(4, wallet, escrow1, 700, K::kDebit, S::kVoided, At(15)),
          SampleTransfer(5, escrow1, revenue, 100, K::kCommission, S::kPosted, At(40)),
          SampleTransfer(6, wallet, escrow2, 300, K::kDebit, S::kPosted, At(50)),
          SampleTransfer(7, wallet, escrow5, 900, K::kDebit, S::kPosted, At(55)),
          SampleTransfer(8, wallet, payable, 200, K::kWithdrawal, S::kPosted, At(60)),
          SampleTransfer(9, wallet, payable, 50, K::kWithdrawal, S::kPending, At(70)),
      });
    }));
  }

  Result<std::vector<spi::EventSalesRecord>> Sales(const spi::EventSalesQuery& query) {
    Result<std::vector<spi::EventSalesRecord>> out = Internal("not run");
    REQUIRE_OK(storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
      ReportStore* store = tx.store<ReportStore>();
      BOOST_REQUIRE(store != nullptr);
      out = store->ListEventSales(query);
      return Status::Ok();
    }));
    return out;
  }

  Result<std::vector<spi::MoneyMovementRecord>> Movements(const spi::MoneyMovementQuery& query) {
    Result<std::vector<spi::MoneyMovementRecord>> out = Internal("not run");
    REQUIRE_OK(storage->Run(spi::TransactionMode::kReadOnly, [&](spi::Transaction& tx) {
      out = tx.store<ReportStore>()->ListMoneyMovements(query);
      return Status::Ok();
    }));
    return out;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(report_store, ReportStoreFixture)

BOOST_AUTO_TEST_CASE(an_organizers_sales_add_up_their_escrow_and_bookings) {
  const auto sales = Sales({"organizer-1", At(0), At(100), std::nullopt, 10});
  BOOST_REQUIRE_MESSAGE(sales.ok(), sales.status().ToString());
  // Events 1, 2 and 4 by start; the draft and the other organizer's event are not there.
  BOOST_REQUIRE_EQUAL(sales->size(), 3u);
  BOOST_TEST((*sales)[0].event_id == IdOf(1));
  BOOST_TEST((*sales)[1].event_id == IdOf(2));
  BOOST_TEST((*sales)[2].event_id == IdOf(4));
  const spi::EventSalesRecord& first = (*sales)[0];
  BOOST_TEST(first.title == "Event 1");
  BOOST_TEST((first.status == EventStatus::kApproved));
  BOOST_TEST((first.starts_at == SampleEvent(1, "").starts_at));
  BOOST_TEST(first.currency == "INR");
  BOOST_TEST(first.gross == 1500);  // the voided payment is not money
  BOOST_TEST(first.refunds == 500);
  BOOST_TEST(first.commission == 100);
  BOOST_TEST(first.bookings == 2);
  BOOST_TEST(first.seats_sold == 3);
  BOOST_TEST(first.refunded_bookings == 1);
  BOOST_TEST((*sales)[1].gross == 300);
  BOOST_TEST(((*sales)[1].status == EventStatus::kCompleted));
  BOOST_TEST((*sales)[2].gross == 0);
  BOOST_TEST((*sales)[2].bookings == 0);
}

BOOST_AUTO_TEST_CASE(a_range_includes_its_start_and_excludes_its_end) {
  const auto sales = Sales({"organizer-1", At(20), At(40), std::nullopt, 10});
  BOOST_REQUIRE_MESSAGE(sales.ok(), sales.status().ToString());
  const spi::EventSalesRecord& first = (*sales)[0];
  BOOST_TEST(first.gross == 500);     // at 20 s in, at 10 s out
  BOOST_TEST(first.refunds == 500);   // at 30 s
  BOOST_TEST(first.commission == 0);  // at 40 s: the end, out
  BOOST_TEST(first.bookings == 1);
  BOOST_TEST(first.seats_sold == 1);
  BOOST_TEST(first.refunded_bookings == 1);
}

BOOST_AUTO_TEST_CASE(sales_come_a_page_at_a_time) {
  auto page = Sales({"organizer-1", At(0), At(100), std::nullopt, 2});
  BOOST_REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  BOOST_REQUIRE_EQUAL(page->size(), 2u);
  const spi::ReportPosition after{page->back().starts_at, page->back().event_id};
  page = Sales({"organizer-1", At(0), At(100), after, 2});
  BOOST_REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  BOOST_REQUIRE_EQUAL(page->size(), 1u);
  BOOST_TEST(page->front().event_id == IdOf(4));
  const auto none = Sales({"organizer-9", At(0), At(100), std::nullopt, 2});
  BOOST_REQUIRE_MESSAGE(none.ok(), none.status().ToString());
  BOOST_TEST(none->empty());
}

BOOST_AUTO_TEST_CASE(money_movements_are_posted_transfers_oldest_first_a_page_at_a_time) {
  std::vector<spi::MoneyMovementRecord> all;
  std::optional<spi::ReportPosition> after;
  for (;;) {
    const auto page = Movements({At(0), At(100), after, 3});
    BOOST_REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    all.insert(all.end(), page->begin(), page->end());
    if (page->size() < 3u) break;
    after = spi::ReportPosition{page->back().created_at, page->back().transfer_id};
  }
  // Every posted payment into an escrow, refund, commission and withdrawal; not the voided
  // payment nor the pending withdrawal.
  std::vector<std::int64_t> amounts;
  for (const auto& m : all) amounts.push_back(m.amount);
  BOOST_TEST(amounts == (std::vector<std::int64_t>{1000, 500, 500, 100, 300, 900, 200}),
             boost::test_tools::per_element());
  const spi::MoneyMovementRecord& refund = all[2];
  BOOST_TEST((refund.kind == TransferKind::kRefund));
  BOOST_TEST((refund.from.kind == AccountKind::kEscrow));
  BOOST_TEST(refund.from.owner_id == IdOf(1));
  BOOST_TEST((refund.to.kind == AccountKind::kUserWallet));
  BOOST_TEST(refund.to.owner_id == "buyer");
  BOOST_TEST(refund.currency == "INR");
  BOOST_TEST(refund.reference == "ref 3");
  BOOST_TEST((refund.created_at == At(30)));
  BOOST_TEST((all.back().kind == TransferKind::kWithdrawal));
  BOOST_TEST((all.back().to.kind == AccountKind::kWithdrawalsPayable));
  const auto narrow = Movements({At(30), At(50), std::nullopt, 10});
  BOOST_REQUIRE_MESSAGE(narrow.ok(), narrow.status().ToString());
  BOOST_TEST(narrow->size() == 2u);  // the refund and the commission
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace eventify::testing
