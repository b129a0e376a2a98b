// The contract of spi::AdminStore's money views and analytics (spi/admin_store.h) that every
// storage serving the "admin" area must keep, to the minor unit: the events of a settlement
// condition, latest end first, and the flows of their escrows; an account's posted entries, newest
// first and filtered, and their sums by kind; the platform's flows by month, category and event,
// the events with the most seats, bookings and cancellations by month and new users by month.
// Pending and voided transfers, and bookings never confirmed, count nowhere.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "conformance_helpers.h"
#include "eventify/settlements.h"
#include "eventify/spi/admin_store.h"
#include "eventify/spi/booking_store.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/settlement_store.h"
#include "ledger_helpers.h"
#include "storage_conformance.h"

namespace eventify::testing {
namespace {

using spi::AdminStore;

constexpr int kDay = 24 * 3600;

// Stores a read's value in `out`, or returns its failure.
template <typename T>
Status Assign(T& out, Result<T> read) {
  if (!read.ok()) return read.status();
  out = std::move(read).value();
  return Status::Ok();
}

Status Run(spi::Storage& storage, const std::function<Status(AdminStore&)>& body) {
  return storage.Run(spi::TransactionMode::kReadOnly,
                     [&](spi::Transaction& tx) { return body(*tx.store<AdminStore>()); });
}

std::vector<std::string> EventIds(const std::vector<spi::SettlementEventRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& record : records) ids.push_back(record.event_id);
  return ids;
}

// Six events ending a day apart, each of organizer-1 (categories 1 and 2):
//   1 approved and settled (category 1), 2 approved on hold (2), 3 completed (1), 4 approved (2),
//   5 cancelled (2), 6 a draft (1).
// The ledger, November (BaseTime() is 2025-11-24) and December 2025:
//   escrow 1: 1000 in (Nov), 200 refunded (Nov), 80 commission and 720 settlement out (Dec);
//   escrow 2: 500 in (Nov); escrow 3: 300 pending and 250 in (Dec); escrow 4: 50 voided;
//   escrow 5: 400 in (Nov), 400 refunded (Dec); platform revenue: 30 refunded out (Dec).
// Bookings: event 1 two seats confirmed in November, three confirmed in November and cancelled in
// December; event 2 four seats confirmed in December, a hold, a hold cancelled unconfirmed.
// Users: two created in November, one in December.
struct MoneyWorld : FreshStorage {
  MoneyWorld() {
    REQUIRE_OK(storage->Run(spi::TransactionMode::kReadWrite, [&](spi::Transaction& tx) -> Status {
      auto* events = tx.store<spi::EventStore>();
      const Category talks = SampleCategory(1, "Talks");
      const Category music = SampleCategory(2, "Music");
      EV_TEST_RETURN_IF_ERROR(events->InsertCategory(talks));
      EV_TEST_RETURN_IF_ERROR(events->InsertCategory(music));
      const EventStatus statuses[] = {EventStatus::kApproved,  EventStatus::kApproved,
                                      EventStatus::kCompleted, EventStatus::kApproved,
                                      EventStatus::kCancelled, EventStatus::kDraft};
      for (int n = 1; n <= 6; ++n) {
        Event event = SampleEvent(n, n % 2 == 1 && n != 5 ? talks.id : music.id);
        event.status = statuses[n - 1];
        event.on_hold = n == 2;
        EV_TEST_RETURN_IF_ERROR(events->InsertEvent(event));
      }
      spi::SettlementRecord settled;
      settled.event_id = IdOf(1);
      settled.organizer_id = "organizer-1";
      settled.gross = Money{800, "INR"};
      settled.commission = 80;
      settled.net = 720;
      settled.commission_bps = 1000;
      settled.settled_at = At(10 * kDay);
      EV_TEST_RETURN_IF_ERROR(tx.store<spi::SettlementStore>()->InsertSettlement(settled));
      auto booking = [&](int n, const std::string& event, BookingStatus status, int seats,
                         std::optional<Timestamp> confirmed, std::optional<Timestamp> cancelled) {
        spi::BookingRecord record =
            SampleBooking(IdOf(n, "b000"), event, "user-" + std::to_string(n), status);
        record.booking.seats = seats;
        record.booking.confirmed_at = confirmed;
        record.booking.cancelled_at = cancelled;
        record.booking.hold_expires_at = At(600);
        return record;
      };
      const spi::BookingRecord bookings[] = {
          booking(1, IdOf(1), BookingStatus::kConfirmed, 2, At(0), std::nullopt),
          booking(2, IdOf(1), BookingStatus::kCancelled, 3, At(60), At(10 * kDay)),
          booking(3, IdOf(2), BookingStatus::kConfirmed, 4, At(10 * kDay), std::nullopt),
          booking(4, IdOf(2), BookingStatus::kHeld, 5, std::nullopt, std::nullopt),
          booking(5, IdOf(2), BookingStatus::kCancelled, 6, std::nullopt, At(10 * kDay)),
      };
      EV_TEST_RETURN_IF_ERROR(tx.store<spi::BookingStore>()->InsertBookings(bookings));
      for (int n = 1; n <= 3; ++n) {
        spi::UserRecord user = SampleUser(n);
        user.created_at = user.updated_at = n == 3 ? At(10 * kDay) : At(n);
        EV_TEST_RETURN_IF_ERROR(tx.accounts().InsertUser(user));
      }
      return Status::Ok();
    }));
    const std::vector<std::string> accounts = EnsureAccounts(
        *storage, {ProposedAccount(1, AccountKind::kUserWallet, "buyer"),
                   ProposedAccount(2, AccountKind::kEscrow, IdOf(1)),
                   ProposedAccount(3, AccountKind::kEscrow, IdOf(2)),
                   ProposedAccount(4, AccountKind::kEscrow, IdOf(3)),
                   ProposedAccount(5, AccountKind::kEscrow, IdOf(4)),
                   ProposedAccount(6, AccountKind::kEscrow, IdOf(5)),
                   ProposedAccount(7, AccountKind::kPlatformRevenue, ""),
                   ProposedAccount(8, AccountKind::kOrganizerWallet, "organizer-1")});
    wallet = accounts[0];
    revenue = accounts[6];
    const std::string organizer = accounts[7];
    const auto escrow = [&](int n) { return accounts[static_cast<std::size_t>(n)]; };
    using K = TransferKind;
    using S = TransferStatus;
    const Timestamp november = At(0);
    const Timestamp december = At(10 * kDay);  // 2025-12-04
    REQUIRE_OK(WriteLedger(*storage, [&](spi::LedgerRepository& ledger) -> Status {
      const spi::TransferRecord transfers[] = {
          SampleTransfer(1, wallet, escrow(1), 1000, K::kDebit, S::kPosted, november),
          SampleTransfer(2, escrow(1), wallet, 200, K::kRefund, S::kPosted, november),
          SampleTransfer(3, escrow(1), revenue, 80, K::kCommission, S::kPosted, december),
          SampleTransfer(4, escrow(1), organizer, 720, K::kSettlement, S::kPosted, december),
          SampleTransfer(5, wallet, escrow(2), 500, K::kDebit, S::kPosted, november),
          SampleTransfer(6, wallet, escrow(3), 300, K::kDebit, S::kPending, december),
          SampleTransfer(7, wallet, escrow(3), 250, K::kDebit, S::kPosted, december),
          SampleTransfer(8, wallet, escrow(4), 50, K::kDebit, S::kVoided, november),
          SampleTransfer(9, wallet, escrow(5), 400, K::kDebit, S::kPosted, november),
          SampleTransfer(10, escrow(5), wallet, 400, K::kRefund, S::kPosted, december),
          SampleTransfer(11, revenue, wallet, 30, K::kRefund, S::kPosted, december + kDaySpan),
      };
      for (const auto& transfer : transfers) EV_TEST_RETURN_IF_ERROR(InsertOne(ledger, transfer));
      return Status::Ok();
    }));
  }

  static constexpr std::chrono::seconds kDaySpan{kDay};

  static spi::EventSettlementCondition Approved() {
    spi::EventSettlementCondition condition;
    condition.statuses = {EventStatus::kApproved, EventStatus::kCompleted};
    return condition;
  }
  Timestamp EndOf(int n) const { return SampleEvent(n, "").ends_at; }

  std::string wallet;
  std::string revenue;
};

BOOST_FIXTURE_TEST_SUITE(admin_money_store, MoneyWorld)

BOOST_AUTO_TEST_CASE(settlement_events_meet_their_condition_latest_end_first) {
  spi::SettlementEventQuery any;
  any.condition = Approved();
  any.condition.statuses.push_back(EventStatus::kCancelled);
  any.limit = 10;
  spi::SettlementEventQuery paged = any;
  paged.limit = 2;
  paged.before = spi::Keyset{EndOf(4), IdOf(4)};
  spi::SettlementEventQuery due;
  due.condition = Approved();
  due.condition.settled = false;
  due.condition.on_hold = false;
  due.condition.ended_by = EndOf(3);
  spi::SettlementEventQuery not_due = due;
  not_due.condition.ended_by.reset();
  not_due.condition.ending_after = EndOf(3);
  spi::SettlementEventQuery settled;
  settled.condition = Approved();
  settled.condition.settled = true;
  std::vector<spi::SettlementEventRecord> all, page, due_events, later, settled_events;
  REQUIRE_OK(Run(*storage, [&](AdminStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(Assign(all, store.ListSettlementEvents(any)));
    EV_TEST_RETURN_IF_ERROR(Assign(page, store.ListSettlementEvents(paged)));
    EV_TEST_RETURN_IF_ERROR(Assign(due_events, store.ListSettlementEvents(due)));
    EV_TEST_RETURN_IF_ERROR(Assign(later, store.ListSettlementEvents(not_due)));
    return Assign(settled_events, store.ListSettlementEvents(settled));
  }));
  BOOST_TEST(
      EventIds(all) == (std::vector<std::string>{IdOf(5), IdOf(4), IdOf(3), IdOf(2), IdOf(1)}),
      boost::test_tools::per_element());
  BOOST_TEST(EventIds(page) == (std::vector<std::string>{IdOf(3), IdOf(2)}),
             boost::test_tools::per_element());
  BOOST_TEST(EventIds(due_events) == (std::vector<std::string>{IdOf(3)}),
             boost::test_tools::per_element());
  BOOST_TEST(EventIds(later) == (std::vector<std::string>{IdOf(4)}),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(settled_events.size(), 1u);
  const spi::SettlementEventRecord& one = settled_events.front();
  BOOST_TEST(one.event_id == IdOf(1));
  BOOST_TEST(one.title == "Event 1");
  BOOST_TEST(one.organizer_id == "organizer-1");
  BOOST_TEST((one.status == EventStatus::kApproved));
  BOOST_TEST(!one.on_hold);
  BOOST_TEST(ToMicros(one.ends_at) == ToMicros(EndOf(1)));
  BOOST_REQUIRE(one.settled_at.has_value());
  BOOST_TEST(ToMicros(*one.settled_at) == ToMicros(At(10 * kDay)));
  BOOST_TEST(one.currency == "INR");
  BOOST_TEST(all.at(3).on_hold);  // event 2
  BOOST_TEST(!all.at(3).settled_at.has_value());
}

BOOST_AUTO_TEST_CASE(settlement_totals_add_up_the_posted_flows_of_the_condition) {
  spi::EventSettlementCondition any = Approved();
  any.statuses.push_back(EventStatus::kCancelled);
  spi::EventSettlementCondition held = Approved();
  held.on_hold = true;
  held.settled = false;
  spi::SettlementTotalsRecord everything, on_hold, other_currency;
  REQUIRE_OK(Run(*storage, [&](AdminStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(Assign(everything, store.SumSettlementFlows(any, "INR")));
    EV_TEST_RETURN_IF_ERROR(Assign(on_hold, store.SumSettlementFlows(held, "INR")));
    return Assign(other_currency, store.SumSettlementFlows(any, "EUR"));
  }));
  BOOST_TEST(everything.events == 5);
  BOOST_TEST(everything.flows.paid_in == 1000 + 500 + 250 + 400);
  BOOST_TEST(everything.flows.refunds == 200 + 400);
  BOOST_TEST(everything.flows.commission == 80);
  BOOST_TEST(everything.flows.settlement == 720);
  BOOST_TEST(on_hold.events == 1);
  BOOST_TEST(on_hold.flows.paid_in == 500);
  BOOST_TEST(on_hold.flows.refunds == 0);
  BOOST_TEST(other_currency.events == 5);
  BOOST_TEST(other_currency.flows.paid_in == 0);
}

BOOST_AUTO_TEST_CASE(an_accounts_entries_are_signed_filtered_paged_and_summed) {
  spi::AccountEntryFilter all;
  all.account_id = revenue;
  spi::AccountEntryFilter commission = all;
  commission.kind = TransferKind::kCommission;
  spi::AccountEntryFilter event_one = all;
  event_one.counterparty_kind = AccountKind::kEscrow;
  event_one.counterparty_owner_id = IdOf(1);
  spi::AccountEntryFilter november = all;
  november.until = At(10 * kDay);
  std::vector<spi::AccountEntryRecord> entries, older, commissions, of_event, none;
  std::vector<spi::AccountEntrySums> sums, event_sums;
  REQUIRE_OK(Run(*storage, [&](AdminStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(Assign(entries, store.ListAccountEntries(all, std::nullopt, 10)));
    EV_TEST_RETURN_IF_ERROR(Assign(
        older, store.ListAccountEntries(all, spi::Keyset{At(11 * kDay), IdOf(200'011)}, 10)));
    EV_TEST_RETURN_IF_ERROR(
        Assign(commissions, store.ListAccountEntries(commission, std::nullopt, 10)));
    EV_TEST_RETURN_IF_ERROR(
        Assign(of_event, store.ListAccountEntries(event_one, std::nullopt, 10)));
    EV_TEST_RETURN_IF_ERROR(Assign(none, store.ListAccountEntries(november, std::nullopt, 10)));
    EV_TEST_RETURN_IF_ERROR(Assign(sums, store.SumAccountEntries(all)));
    return Assign(event_sums, store.SumAccountEntries(event_one));
  }));
  BOOST_REQUIRE_EQUAL(entries.size(), 2u);
  BOOST_TEST(entries[0].transfer_id == IdOf(200'011));
  BOOST_TEST(entries[0].amount == -30);
  BOOST_TEST((entries[0].kind == TransferKind::kRefund));
  BOOST_TEST((entries[0].counterparty.kind == AccountKind::kUserWallet));
  BOOST_TEST(entries[0].counterparty.owner_id == "buyer");
  BOOST_TEST(entries[1].transfer_id == IdOf(200'003));
  BOOST_TEST(entries[1].amount == 80);
  BOOST_TEST((entries[1].kind == TransferKind::kCommission));
  BOOST_TEST((entries[1].counterparty.kind == AccountKind::kEscrow));
  BOOST_TEST(entries[1].counterparty.owner_id == IdOf(1));
  BOOST_TEST(entries[1].counterparty.currency == "INR");
  BOOST_TEST(entries[1].reference == "ref 3");
  BOOST_TEST(ToMicros(entries[1].created_at) == ToMicros(At(10 * kDay)));
  BOOST_REQUIRE_EQUAL(older.size(), 1u);
  BOOST_TEST(older[0].transfer_id == IdOf(200'003));
  BOOST_REQUIRE_EQUAL(commissions.size(), 1u);
  BOOST_TEST(commissions[0].transfer_id == IdOf(200'003));
  BOOST_REQUIRE_EQUAL(of_event.size(), 1u);
  BOOST_TEST(of_event[0].transfer_id == IdOf(200'003));
  BOOST_TEST(none.empty());
  BOOST_REQUIRE_EQUAL(sums.size(), 2u);  // by kind name: commission, refund
  BOOST_TEST((sums[0].kind == TransferKind::kCommission));
  BOOST_TEST(sums[0].in == 80);
  BOOST_TEST(sums[0].out == 0);
  BOOST_TEST(sums[0].entries == 1);
  BOOST_TEST((sums[1].kind == TransferKind::kRefund));
  BOOST_TEST(sums[1].in == 0);
  BOOST_TEST(sums[1].out == 30);
  BOOST_TEST(sums[1].entries == 1);
  BOOST_REQUIRE_EQUAL(event_sums.size(), 1u);
  BOOST_TEST(event_sums[0].in == 80);
}

BOOST_AUTO_TEST_CASE(platform_flows_by_month_category_and_event) {
  const Timestamp from = At(-kDay);
  const Timestamp until = At(60 * kDay);
  std::vector<spi::MonthFlows> months;
  std::vector<spi::CategoryFlows> categories;
  std::vector<spi::EscrowFlows> top, top_december;
  REQUIRE_OK(Run(*storage, [&](AdminStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(Assign(months, store.SumOrganizerFlowsByMonth("", "INR", from, until)));
    EV_TEST_RETURN_IF_ERROR(Assign(categories, store.SumFlowsByCategory("INR", from, until)));
    EV_TEST_RETURN_IF_ERROR(Assign(top, store.TopEventFlows("INR", from, until, 2)));
    return Assign(top_december, store.TopEventFlows("INR", At(10 * kDay), until, 5));
  }));
  BOOST_REQUIRE_EQUAL(months.size(), 2u);
  BOOST_TEST(months[0].month == "2025-11");
  BOOST_TEST(months[0].paid_in == 1000 + 500 + 400);
  BOOST_TEST(months[0].refunds == 200);
  BOOST_TEST(months[0].commission == 0);
  BOOST_TEST(months[1].month == "2025-12");
  BOOST_TEST(months[1].paid_in == 250);
  BOOST_TEST(months[1].refunds == 400);
  BOOST_TEST(months[1].commission == 80);
  BOOST_REQUIRE_EQUAL(categories.size(), 2u);
  BOOST_TEST(categories[0].category_id == IdOf(901));  // talks: events 1 and 3
  BOOST_TEST(categories[0].paid_in == 1250);
  BOOST_TEST(categories[0].refunds == 200);
  BOOST_TEST(categories[0].commission == 80);
  BOOST_TEST(categories[1].category_id == IdOf(902));  // music: events 2, 4 and 5
  BOOST_TEST(categories[1].paid_in == 900);
  BOOST_TEST(categories[1].refunds == 400);
  BOOST_REQUIRE_EQUAL(top.size(), 2u);
  BOOST_TEST(top[0].event_id == IdOf(1));
  BOOST_TEST(top[0].paid_in == 1000);
  BOOST_TEST(top[0].refunds == 200);
  BOOST_TEST(top[0].commission == 80);
  BOOST_TEST(top[0].settlement == 720);
  BOOST_TEST(top[1].event_id == IdOf(2));
  BOOST_TEST(top[1].paid_in == 500);
  // In December only escrow 3 took money in; escrow 1's and 5's money out is not ranked.
  BOOST_REQUIRE_EQUAL(top_december.size(), 1u);
  BOOST_TEST(top_december[0].event_id == IdOf(3));
  BOOST_TEST(top_december[0].paid_in == 250);
}

BOOST_AUTO_TEST_CASE(bookings_seats_and_new_users_by_month) {
  const Timestamp from = At(-kDay);
  const Timestamp until = At(60 * kDay);
  std::vector<spi::EventSeatsSold> seats;
  std::vector<spi::MonthBookingCounts> bookings;
  std::vector<spi::MonthCount> users;
  REQUIRE_OK(Run(*storage, [&](AdminStore& store) -> Status {
    EV_TEST_RETURN_IF_ERROR(Assign(seats, store.TopEventSeats(from, until, 5)));
    EV_TEST_RETURN_IF_ERROR(Assign(bookings, store.CountBookingsByMonth(from, until)));
    return Assign(users, store.CountNewUsersByMonth(from, until));
  }));
  BOOST_REQUIRE_EQUAL(seats.size(), 2u);
  BOOST_TEST(seats[0].event_id == IdOf(2));
  BOOST_TEST(seats[0].bookings == 1);
  BOOST_TEST(seats[0].seats == 4);
  BOOST_TEST(seats[1].event_id == IdOf(1));
  BOOST_TEST(seats[1].bookings == 1);
  BOOST_TEST(seats[1].seats == 2);
  BOOST_REQUIRE_EQUAL(bookings.size(), 2u);
  BOOST_TEST(bookings[0].month == "2025-11");
  BOOST_TEST(bookings[0].bookings == 2);
  BOOST_TEST(bookings[0].seats_booked == 5);
  BOOST_TEST(bookings[0].cancellations == 0);
  BOOST_TEST(bookings[1].month == "2025-12");
  BOOST_TEST(bookings[1].bookings == 1);
  BOOST_TEST(bookings[1].seats_booked == 4);
  BOOST_TEST(bookings[1].cancellations == 1);
  BOOST_TEST(bookings[1].seats_cancelled == 3);
  BOOST_REQUIRE_EQUAL(users.size(), 2u);
  BOOST_TEST(users[0].month == "2025-11");
  BOOST_TEST(users[0].count == 2);
  BOOST_TEST(users[1].month == "2025-12");
  BOOST_TEST(users[1].count == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
