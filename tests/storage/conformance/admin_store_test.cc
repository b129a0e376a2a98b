// The contract of spi::AdminStore (spi/admin_store.h) that every storage serving the "admin" area
// must keep: the audit log found again as written, newest first, a page at a time; and the sums
// and counts dashboards read, which count posted transfers only, live holds only, and the visible
// reviews only.
#include "eventify/spi/admin_store.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/review_store.h"
#include "ledger_helpers.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::AdminStore;

// Stores a read's value in `out`, or returns its failure.
template <typename T>
Status Assign(T& out, Result<T> read) {
  if (!read.ok()) return read.status();
  out = std::move(read).value();
  return Status::Ok();
}

Status RunWrite(spi::Storage& storage, const std::function<Status(spi::Transaction&)>& body) {
  return storage.Run(spi::TransactionMode::kReadWrite, body);
}

AuditEntry Entry(int n, const std::string& target, int seconds) {
  AuditEntry entry;
  entry.id = IdOf(n, "a000");
  entry.actor_id = "admin-1";
  entry.action = n % 2 == 0 ? AuditAction::kChangeRole : AuditAction::kBlockUser;
  entry.target_user_id = target;
  entry.from = "from-" + std::to_string(n);
  entry.to = "to-" + std::to_string(n);
  entry.created_at = At(seconds);
  return entry;
}

std::vector<std::string> AuditIds(const std::vector<AuditEntry>& entries) {
  std::vector<std::string> ids;
  for (const AuditEntry& entry : entries) ids.push_back(entry.id);
  return ids;
}

BOOST_FIXTURE_TEST_SUITE(admin_store, FreshStorage)

BOOST_AUTO_TEST_CASE(audit_entries_come_back_newest_first_by_page_and_by_user) {
  REQUIRE_OK(RunWrite(*storage, [&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<AdminStore>();
    EV_TEST_RETURN_IF_ERROR(store->InsertAuditEntry(Entry(1, "user-a", 1)));
    EV_TEST_RETURN_IF_ERROR(store->InsertAuditEntry(Entry(2, "user-b", 2)));
    EV_TEST_RETURN_IF_ERROR(store->InsertAuditEntry(Entry(3, "user-a", 2)));  // same instant as 2
    return store->InsertAuditEntry(Entry(4, "user-a", 3));
  }));
  std::vector<AuditEntry> all, after, mine;
  REQUIRE_OK(RunWrite(*storage, [&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<AdminStore>();
    EV_TEST_RETURN_IF_ERROR(Assign(all, store->ListAuditEntries("", std::nullopt, 10)));
    EV_TEST_RETURN_IF_ERROR(
        Assign(after, store->ListAuditEntries("", spi::Keyset{At(2), IdOf(3, "a000")}, 10)));
    EV_TEST_RETURN_IF_ERROR(Assign(mine, store->ListAuditEntries("user-a", std::nullopt, 2)));
    return Status::Ok();
  }));
  BOOST_TEST(AuditIds(all) == (std::vector<std::string>{IdOf(4, "a000"), IdOf(3, "a000"),
                                                        IdOf(2, "a000"), IdOf(1, "a000")}),
             boost::test_tools::per_element());
  BOOST_TEST(AuditIds(after) == (std::vector<std::string>{IdOf(2, "a000"), IdOf(1, "a000")}),
             boost::test_tools::per_element());
  BOOST_TEST(AuditIds(mine) == (std::vector<std::string>{IdOf(4, "a000"), IdOf(3, "a000")}),
             boost::test_tools::per_element());
  const AuditEntry& newest = all.front();
  BOOST_TEST(newest.actor_id == "admin-1");
  BOOST_TEST((newest.action == AuditAction::kChangeRole));
  BOOST_TEST(newest.target_user_id == "user-a");
  BOOST_TEST(newest.from == "from-4");
  BOOST_TEST(newest.to == "to-4");
  BOOST_TEST(ToMicros(newest.created_at) == ToMicros(At(3)));

  const Status again = RunWrite(*storage, [&](spi::Transaction& tx) {
    return tx.store<AdminStore>()->InsertAuditEntry(Entry(1, "user-z", 9));
  });
  BOOST_TEST(again.code() == StatusCode::kAlreadyExists);
  BOOST_TEST(again.reason() == "audit_entry_exists");
}

// Events 1 and 2 of organizer-1, 3 of organizer-2; escrow flows of every kind and status.
BOOST_AUTO_TEST_CASE(escrow_flows_count_posted_transfers_by_event_and_month) {
  REQUIRE_OK(RunWrite(*storage, [&](spi::Transaction& tx) -> Status {
    auto* events = tx.store<spi::EventStore>();
    const Category category = SampleCategory(1, "Talks");
    EV_TEST_RETURN_IF_ERROR(events->InsertCategory(category));
    for (int n = 1; n <= 3; ++n) {
      Event event = SampleEvent(n, category.id);
      if (n == 3) event.organizer_id = "organizer-2";
      EV_TEST_RETURN_IF_ERROR(events->InsertEvent(event));
    }
    return Status::Ok();
  }));
  const std::vector<std::string> accounts =
      EnsureAccounts(*storage, {ProposedAccount(1, AccountKind::kUserWallet, "buyer"),
                                ProposedAccount(2, AccountKind::kEscrow, IdOf(1)),
                                ProposedAccount(3, AccountKind::kEscrow, IdOf(2)),
                                ProposedAccount(4, AccountKind::kEscrow, IdOf(3)),
                                ProposedAccount(5, AccountKind::kPlatformRevenue, ""),
                                ProposedAccount(6, AccountKind::kOrganizerWallet, "organizer-1")});
  const std::string wallet = accounts[0], escrow1 = accounts[1], escrow2 = accounts[2],
                    escrow3 = accounts[3], revenue = accounts[4], organizer = accounts[5];
  const Timestamp november = At(0);               // 2025-11-24
  const Timestamp december = At(10 * 24 * 3600);  // 2025-12-04
  using K = TransferKind;
  using S = TransferStatus;
  REQUIRE_OK(WriteLedger(*storage, [&](spi::LedgerRepository& ledger) -> Status {
    const spi::TransferRecord transfers[] = {
        SampleTransfer(1, wallet, escrow1, 500, K::kDebit, S::kPosted, november),
        SampleTransfer(2, wallet, escrow1, 300, K::kDebit, S::kPending, november),
        SampleTransfer(3, wallet, escrow1, 200, K::kDebit, S::kVoided, november),
        SampleTransfer(4, escrow1, wallet, 100, K::kRefund, S::kPosted, november),
        SampleTransfer(5, escrow1, revenue, 40, K::kCommission, S::kPosted, december),
        SampleTransfer(6, escrow1, organizer, 360, K::kSettlement, S::kPosted, december),
        SampleTransfer(7, wallet, escrow2, 900, K::kDebit, S::kPosted, december),
        SampleTransfer(8, wallet, escrow3, 50, K::kDebit, S::kPosted, november),
    };
    for (const auto& transfer : transfers) EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, transfer));
    return Status::Ok();
  }));

  std::vector<spi::EscrowFlows> flows;
  std::vector<spi::MonthFlows> months;
  std::vector<std::string> top;
  REQUIRE_OK(RunWrite(*storage, [&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<AdminStore>();
    const std::vector<std::string> ids{IdOf(1), IdOf(2), IdOf(3), IdOf(4)};
    EV_TEST_RETURN_IF_ERROR(Assign(flows, store->SumEscrowFlows(ids, "INR")));
    EV_TEST_RETURN_IF_ERROR(Assign(
        months,
        store->SumOrganizerFlowsByMonth("organizer-1", "INR", At(-3600), At(60 * 24 * 3600))));
    EV_TEST_RETURN_IF_ERROR(Assign(top, store->TopOrganizerEvents("organizer-1", "INR", 5)));
    return Status::Ok();
  }));
  std::sort(flows.begin(), flows.end(),
            [](const auto& a, const auto& b) { return a.event_id < b.event_id; });
  BOOST_REQUIRE_EQUAL(flows.size(), 3u);  // event 4 has no escrow
  BOOST_TEST(flows[0].event_id == IdOf(1));
  BOOST_TEST(flows[0].paid_in == 500);
  BOOST_TEST(flows[0].refunds == 100);
  BOOST_TEST(flows[0].commission == 40);
  BOOST_TEST(flows[0].settlement == 360);
  BOOST_TEST(flows[1].paid_in == 900);
  BOOST_TEST(flows[1].refunds == 0);
  BOOST_TEST(flows[2].paid_in == 50);

  BOOST_REQUIRE_EQUAL(months.size(), 2u);
  BOOST_TEST(months[0].month == "2025-11");
  BOOST_TEST(months[0].paid_in == 500);
  BOOST_TEST(months[0].refunds == 100);
  BOOST_TEST(months[0].commission == 0);
  BOOST_TEST(months[1].month == "2025-12");
  BOOST_TEST(months[1].paid_in == 900);
  BOOST_TEST(months[1].commission == 40);
  BOOST_TEST(top == (std::vector<std::string>{IdOf(2), IdOf(1)}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(seat_counts_and_queue_counts) {
  REQUIRE_OK(RunWrite(*storage, [&](spi::Transaction& tx) -> Status {
    auto* events = tx.store<spi::EventStore>();
    const Category category = SampleCategory(1, "Talks");
    EV_TEST_RETURN_IF_ERROR(events->InsertCategory(category));
    for (int n = 1; n <= 4; ++n) {
      Event event = SampleEvent(n, category.id);
      event.status = n == 3 ? EventStatus::kPendingApproval : EventStatus::kApproved;
      event.on_hold = n == 4;
      EV_TEST_RETURN_IF_ERROR(events->InsertEvent(event));
    }
    for (int n = 1; n <= 3; ++n) {
      OrganizerProfile profile;
      profile.user_id = "organizer-" + std::to_string(n);
      profile.organisation_name = "Org";
      profile.about = "About";
      profile.contact = "c";
      profile.status = n == 1 ? OrganizerStatus::kVerified : OrganizerStatus::kPending;
      profile.submitted_at = profile.updated_at = At(n);
      EV_TEST_RETURN_IF_ERROR(events->PutOrganizerProfile(profile));
    }
    // Event 1: a confirmed booking of two seats (one ticket admitted), a cancelled one that was
    // confirmed (3 seats), a cancelled hold, a live hold (2 seats) and a lapsed one.
    auto booking = [&](int n, BookingStatus status, int seats, bool confirmed, int expires) {
      spi::BookingRecord record =
          SampleBooking(IdOf(n, "b000"), IdOf(1), "user-" + std::to_string(n), status);
      record.booking.seats = seats;
      if (confirmed) record.booking.confirmed_at = At(0);
      record.booking.hold_expires_at = At(expires);
      return record;
    };
    const spi::BookingRecord bookings[] = {
        booking(1, BookingStatus::kConfirmed, 2, true, 0),
        booking(2, BookingStatus::kCancelled, 3, true, 0),
        booking(3, BookingStatus::kCancelled, 1, false, 0),
        booking(4, BookingStatus::kHeld, 2, false, 600),
        booking(5, BookingStatus::kHeld, 1, false, 60),
    };
    auto* store = tx.store<spi::BookingStore>();
    EV_TEST_RETURN_IF_ERROR(store->InsertBookings(bookings));
    std::vector<Ticket> tickets;
    for (int seat = 1; seat <= 2; ++seat) {
      Ticket t;
      t.id = IdOf(seat, "c000");
      t.booking_id = IdOf(1, "b000");
      t.event_id = IdOf(1);
      t.user_id = "user-1";
      t.seat = seat;
      t.created_at = At(0);
      tickets.push_back(t);
    }
    EV_TEST_RETURN_IF_ERROR(store->InsertTickets(tickets));
    return store->MarkCheckedIn(IdOf(1, "c000"), At(5)).status();
  }));
  std::vector<spi::EventSeatCounts> counts;
  std::int64_t pending_profiles = 0, pending_events = 0, held = 0, approved = 0;
  REQUIRE_OK(RunWrite(*storage, [&](spi::Transaction& tx) -> Status {
    auto* store = tx.store<AdminStore>();
    const std::vector<std::string> ids{IdOf(1), IdOf(2)};
    EV_TEST_RETURN_IF_ERROR(Assign(counts, store->CountEventSeats(ids, At(120))));
    EV_TEST_RETURN_IF_ERROR(
        Assign(pending_profiles, store->CountOrganizerProfiles(OrganizerStatus::kPending)));
    EV_TEST_RETURN_IF_ERROR(
        Assign(pending_events, store->CountEvents(EventStatus::kPendingApproval, std::nullopt)));
    EV_TEST_RETURN_IF_ERROR(Assign(held, store->CountEvents(EventStatus::kApproved, true)));
    EV_TEST_RETURN_IF_ERROR(
        Assign(approved, store->CountEvents(EventStatus::kApproved, std::nullopt)));
    return Status::Ok();
  }));
  BOOST_REQUIRE_EQUAL(counts.size(), 1u);  // event 2 has nothing to count
  BOOST_TEST(counts[0].event_id == IdOf(1));
  BOOST_TEST(counts[0].checked_in == 1);
  BOOST_TEST(counts[0].cancelled == 3);
  BOOST_TEST(counts[0].held == 2);  // the hold lapsed at 60 s no longer counts at 120 s
  BOOST_TEST(pending_profiles == 2);
  BOOST_TEST(pending_events == 1);
  BOOST_TEST(held == 1);
  BOOST_TEST(approved == 3);
}

BOOST_AUTO_TEST_CASE(an_organizers_visible_reviews_newest_first) {
  REQUIRE_OK(RunWrite(*storage, [&](spi::Transaction& tx) -> Status {
    auto* reviews = tx.store<spi::ReviewStore>();
    for (int n = 1; n <= 4; ++n) {
      Review review;
      review.id = IdOf(n, "d000");
      review.event_id = IdOf(n);
      review.organizer_id = n == 4 ? "organizer-2" : "organizer-1";
      review.user_id = "user-" + std::to_string(n);
      review.rating = n;
      review.title = "Title " + std::to_string(n);
      review.text = "Text";
      review.created_at = review.updated_at = At(n);
      if (n == 2) {
        review.removed_at = At(10);
        review.removed_by = "admin-1";
      }
      EV_TEST_RETURN_IF_ERROR(reviews->InsertReview(review));
    }
    return Status::Ok();
  }));
  std::vector<Review> found;
  REQUIRE_OK(RunWrite(*storage, [&](spi::Transaction& tx) -> Status {
    EV_TEST_RETURN_IF_ERROR(
        Assign(found, tx.store<AdminStore>()->ListOrganizerReviews("organizer-1", 10)));
    return Status::Ok();
  }));
  BOOST_REQUIRE_EQUAL(found.size(), 2u);
  BOOST_TEST(found[0].id == IdOf(3, "d000"));
  BOOST_TEST(found[0].rating == 3);
  BOOST_TEST(found[0].title == "Title 3");
  BOOST_TEST(found[1].id == IdOf(1, "d000"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
