// Settling an event: the split and its rounding, when it is due, what holds and cancellations
// do, who may, events with nothing in escrow, and the job on the manual clock.
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "settlements/settlements_fixture.h"

namespace eventify::testing {
namespace {

BOOST_AUTO_TEST_CASE(commission_is_rounded_up_to_the_minor_unit) {
  struct Case {
    std::int64_t gross;
    std::int32_t bps;
    std::int64_t commission;
  };
  const Case cases[] = {
      {999, 1000, 100},  // 3 x 333: 99.9 -> 100, the organizer gets 899 (floor of 899.1)
      {1000, 1000, 100},
      {1, 1000, 1},
      {9, 1500, 2},  // 1.35 -> 2
      {0, 1000, 0},
      {12345, 0, 0},
      {12345, 10000, 12345},
      {std::numeric_limits<std::int64_t>::max(), 1000, 922337203685477581},
  };
  for (const Case& c : cases) {
    BOOST_TEST_INFO("gross " << c.gross << " at " << c.bps);
    const RevenueSplit split = SplitRevenue(c.gross, c.bps);
    BOOST_TEST(split.commission == c.commission);
    BOOST_TEST(split.net == c.gross - c.commission);
  }
}

BOOST_AUTO_TEST_CASE(options_are_checked_at_open) {
  for (const auto& [delay, bps] : {std::pair{-1, 1000}, std::pair{0, -1}, std::pair{0, 10001}}) {
    EngineOptions options;
    options.secret_key = std::string(32, 's');
    options.storage = OpenFreshStorage();
    options.mailer = std::make_shared<DiscardingMailer>();
    options.media_store = spi::MakeFilesystemMediaStore("/nonexistent-media", "/media/");
    options.settlements.delay = std::chrono::seconds(delay);
    options.settlements.commission_bps = bps;
    ExpectError(Engine::Open(std::move(options)), StatusCode::kInvalidArgument,
                "invalid_settlements_options", "settlements");
  }
}

BOOST_FIXTURE_TEST_SUITE(settle, SettlementsFixture)

BOOST_AUTO_TEST_CASE(pays_the_escrow_out_from_a_day_after_the_end) {
  const Event event = SoldEvent(3, 333);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 999);

  // Before the end, and at the end but before the delay.
  ExpectError(settlements().Settle(admin, event.id), StatusCode::kFailedPrecondition,
              "event_not_ended");
  clock->Set(event.ends_at);
  ExpectError(settlements().Settle(admin, event.id), StatusCode::kFailedPrecondition,
              "settlement_not_due");
  clock->Set(event.ends_at + kDay - std::chrono::microseconds(1));
  ExpectError(settlements().Settle(admin, event.id), StatusCode::kFailedPrecondition,
              "settlement_not_due");
  const Settlement before = ValueOrFail(settlements().GetSettlement(organizer, event.id));
  BOOST_TEST(before.status == SettlementStatus::kUnsettled);
  BOOST_TEST(before.due_at == event.ends_at + kDay);
  BOOST_TEST(before.gross.minor_units == 999);
  BOOST_TEST(before.commission.minor_units == 100);
  BOOST_TEST(before.net.minor_units == 899);
  BOOST_TEST(before.settlement_transfer_id.empty());
  BOOST_TEST(!before.settled_at.has_value());
  BOOST_TEST(!OwnEvent(event.id).settlement.has_value());
  BOOST_TEST((OwnEvent(event.id).revenue == Money{999, "INR"}));  // what the escrow holds

  ToDue(event);
  BOOST_TEST(ValueOrFail(settlements().GetSettlement(admin, event.id)).status ==
             SettlementStatus::kDue);
  const Settlement settled = ValueOrFail(settlements().Settle(admin, event.id));
  BOOST_TEST(settled.status == SettlementStatus::kSettled);
  BOOST_TEST(settled.event_id == event.id);
  BOOST_TEST(settled.organizer_id == organizer.user_id);
  BOOST_TEST(settled.gross.minor_units == 999);
  BOOST_TEST(settled.gross.currency == "INR");
  BOOST_TEST(settled.commission.minor_units == 100);
  BOOST_TEST(settled.net.minor_units == 899);
  BOOST_TEST(settled.commission_bps == 1000);
  BOOST_TEST(settled.settled_by == admin.user_id);
  BOOST_TEST(settled.settled_at == clock->Now());
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  BOOST_TEST(Posted(OrganizerWallet()) == 899);
  BOOST_TEST(Posted(Revenue()) == 100);
  // The organizer's own list shows what was paid out; other reads of the event do not carry it.
  const Event listed = OwnEvent(event.id);
  BOOST_REQUIRE(listed.settlement.has_value());
  BOOST_TEST(listed.settlement->settled_at == *settled.settled_at);
  BOOST_TEST((listed.settlement->gross == Money{999, "INR"}));
  BOOST_TEST((listed.settlement->commission == Money{100, "INR"}));
  BOOST_TEST((listed.settlement->net == Money{899, "INR"}));
  // The escrow is empty now; the revenue stays what was collected, the settlement's gross.
  BOOST_TEST((listed.revenue == Money{999, "INR"}));
  BOOST_TEST(!ValueOrFail(events().GetEvent(&organizer, event.id)).settlement.has_value());
  BOOST_TEST(!ValueOrFail(events().GetEvent(&organizer, event.id)).revenue.has_value());

  const Transfer payout = ValueOrFail(ledger().GetTransfer(settled.settlement_transfer_id));
  BOOST_TEST((payout.kind == TransferKind::kSettlement));
  BOOST_TEST(payout.idempotency_key == "event-settlement:" + event.id);
  BOOST_TEST(payout.amount.minor_units == 899);
  BOOST_TEST((payout.status == TransferStatus::kPosted));
  BOOST_TEST((payout.from == EscrowOf(event.id)));
  BOOST_TEST((payout.to == OrganizerWallet()));
  const Transfer fee = ValueOrFail(ledger().GetTransfer(settled.commission_transfer_id));
  BOOST_TEST((fee.kind == TransferKind::kCommission));
  BOOST_TEST(fee.idempotency_key == "event-commission:" + event.id);
  BOOST_TEST(fee.amount.minor_units == 100);
  BOOST_TEST((fee.to == Revenue()));

  // Settled events are completed, and settling again returns the settlement unchanged.
  BOOST_TEST(EventNow(event.id).status == EventStatus::kCompleted);
  clock->Advance(kDay);
  const Settlement again = ValueOrFail(settlements().Settle(admin, event.id));
  BOOST_TEST(again.settlement_transfer_id == settled.settlement_transfer_id);
  BOOST_TEST(again.commission_transfer_id == settled.commission_transfer_id);
  BOOST_TEST(again.settled_at == settled.settled_at);
  BOOST_TEST(again.net.minor_units == 899);
  const Settlement read = ValueOrFail(settlements().GetSettlement(organizer, event.id));
  BOOST_TEST(read.status == SettlementStatus::kSettled);
  BOOST_TEST(read.settlement_transfer_id == settled.settlement_transfer_id);
  BOOST_TEST(Posted(OrganizerWallet()) == 899);
  BOOST_TEST(CountTransfers(TransferKind::kSettlement) == 1);
  BOOST_TEST(CountTransfers(TransferKind::kCommission) == 1);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(only_what_is_left_after_refunds_is_settled) {
  const Event event = ApprovedEvent(10, 1000);
  Fund(ann.user_id, 10'000);
  Fund(bob.user_id, 10'000);
  BOOST_TEST((OwnEvent(event.id).revenue == Money{0, "INR"}));  // no escrow account yet
  ValueOrFail(bookings().BookAndPay(ann, Request(event, 2, "a")));
  BOOST_TEST((OwnEvent(event.id).revenue == Money{2000, "INR"}));
  const Booking bobs = ValueOrFail(bookings().BookAndPay(bob, Request(event, 1, "b")));
  BOOST_TEST((OwnEvent(event.id).revenue == Money{3000, "INR"}));
  ValueOrFail(bookings().Cancel(bob, bobs.id));  // refunded before the start
  BOOST_TEST((OwnEvent(event.id).revenue == Money{2000, "INR"}));
  ToDue(event);
  const Settlement settled = ValueOrFail(settlements().Settle(admin, event.id));
  BOOST_TEST(settled.gross.minor_units == 2000);
  BOOST_TEST(settled.commission.minor_units == 200);
  BOOST_TEST(settled.net.minor_units == 1800);
  BOOST_TEST(Posted(WalletOf(bob.user_id)) == 10'000);
  BOOST_TEST((OwnEvent(event.id).revenue == settled.gross));
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(an_event_with_nothing_in_escrow_is_settled_without_transfers) {
  const Event free_event = ApprovedEvent(10, 0, 4, "Free talk");
  ValueOrFail(bookings().BookAndPay(ann, Request(free_event, 2, "free")));
  const Event unsold = ApprovedEvent(10, 500, 4, "Nobody came");
  // No escrow account: nothing was collected.
  BOOST_TEST((OwnEvent(free_event.id).revenue == Money{0, "INR"}));
  BOOST_TEST((OwnEvent(unsold.id).revenue == Money{0, "INR"}));
  ToDue(unsold);  // both end at the same time
  for (const Event* event : {&free_event, &unsold}) {
    const Settlement settled = ValueOrFail(settlements().Settle(admin, event->id));
    BOOST_TEST((OwnEvent(event->id).revenue == Money{0, "INR"}));
    BOOST_TEST(settled.status == SettlementStatus::kSettled);
    BOOST_TEST(settled.gross.minor_units == 0);
    BOOST_TEST(settled.commission.minor_units == 0);
    BOOST_TEST(settled.net.minor_units == 0);
    BOOST_TEST(settled.settlement_transfer_id.empty());
    BOOST_TEST(settled.commission_transfer_id.empty());
    BOOST_TEST(settled.settled_at == clock->Now());
    BOOST_TEST(EventNow(event->id).status == EventStatus::kCompleted);
  }
  BOOST_TEST(CountTransfers(TransferKind::kSettlement) == 0);
  BOOST_TEST(ValueOrFail(settlements().SettleDueEvents(10)) == 0);  // settled: not due again
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(an_event_on_hold_is_not_settled_until_released) {
  const Event event = SoldEvent(1, 500);
  ValueOrFail(events().HoldEvent(admin, event.id, "Complaints"));
  ToDue(event);
  ExpectError(settlements().Settle(admin, event.id), StatusCode::kFailedPrecondition,
              "event_on_hold");
  BOOST_TEST(ValueOrFail(settlements().GetSettlement(admin, event.id)).status ==
             SettlementStatus::kOnHold);
  BOOST_TEST(ValueOrFail(settlements().SettleDueEvents(10)) == 0);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 500);
  ValueOrFail(events().ReleaseEvent(admin, event.id));
  BOOST_TEST(ValueOrFail(settlements().Settle(admin, event.id)).net.minor_units == 450);
  // A hold after settlement changes nothing of it.
  ValueOrFail(events().HoldEvent(admin, event.id, "Late complaint"));
  BOOST_TEST(ValueOrFail(settlements().GetSettlement(admin, event.id)).status ==
             SettlementStatus::kSettled);
  BOOST_TEST(ValueOrFail(settlements().Settle(admin, event.id)).net.minor_units == 450);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_cancelled_event_is_refunded_never_settled) {
  const Event event = SoldEvent(2, 500);
  ValueOrFail(events().CancelEvent(organizer, event.id, "The band is ill"));
  const Settlement unrefunded = ValueOrFail(settlements().GetSettlement(admin, event.id));
  BOOST_TEST(unrefunded.status == SettlementStatus::kCancelled);
  BOOST_TEST(unrefunded.gross.minor_units == 1000);
  BOOST_TEST(unrefunded.commission.minor_units == 0);
  BOOST_TEST(unrefunded.net.minor_units == 0);
  BOOST_TEST((OwnEvent(event.id).revenue == Money{1000, "INR"}));
  RunDueJobs();  // the refunds
  BOOST_TEST((OwnEvent(event.id).revenue == Money{0, "INR"}));
  ToDue(event);
  ExpectError(settlements().Settle(admin, event.id), StatusCode::kFailedPrecondition,
              "event_cancelled");
  const Settlement read = ValueOrFail(settlements().GetSettlement(organizer, event.id));
  BOOST_TEST(read.status == SettlementStatus::kCancelled);
  BOOST_TEST(read.gross.minor_units == 0);
  BOOST_TEST(ValueOrFail(settlements().SettleDueEvents(10)) == 0);
  BOOST_TEST(Posted(EscrowOf(event.id)) == 0);
  BOOST_TEST(Posted(OrganizerWallet()) == 0);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_settled_event_can_no_longer_be_cancelled) {
  const Event event = SoldEvent(2, 500);
  ToDue(event);  // ended, still approved: the completion job has not run
  BOOST_TEST(EventNow(event.id).status == EventStatus::kApproved);
  ValueOrFail(settlements().Settle(admin, event.id));
  ExpectError(events().CancelEvent(admin, event.id, "Too late"), StatusCode::kFailedPrecondition,
              "event_not_approved");
  ExpectError(events().CancelEvent(organizer, event.id, "Too late"),
              StatusCode::kFailedPrecondition, "event_not_approved");
  BOOST_TEST(Posted(OrganizerWallet()) == 900);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(a_completed_event_is_settled_too) {
  const Event event = SoldEvent(1, 500);
  ToDue(event);
  ValueOrFail(events().CompleteEndedEvents());
  BOOST_TEST(EventNow(event.id).status == EventStatus::kCompleted);
  BOOST_TEST(ValueOrFail(settlements().Settle(admin, event.id)).gross.minor_units == 500);
}

BOOST_AUTO_TEST_CASE(who_may_settle_and_read) {
  const Event event = SoldEvent(1, 500);
  ToDue(event);
  for (const Principal* caller : {&organizer, &other_organizer, &ann}) {
    ExpectError(settlements().Settle(*caller, event.id), StatusCode::kPermissionDenied,
                "forbidden");
  }
  for (const Principal* caller : {&other_organizer, &ann}) {
    ExpectError(settlements().GetSettlement(*caller, event.id), StatusCode::kPermissionDenied,
                "forbidden");
  }
  BOOST_TEST(ValueOrFail(settlements().GetSettlement(organizer, event.id)).status ==
             SettlementStatus::kDue);
  const std::string unknown = "00000000-0000-7000-8000-000000000000";
  ExpectError(settlements().Settle(admin, unknown), StatusCode::kNotFound, "event_not_found");
  ExpectError(settlements().GetSettlement(admin, unknown), StatusCode::kNotFound,
              "event_not_found");

  // A draft: another organizer does not see it; an admin cannot settle it.
  const Event created = UnlistedEvent();
  ExpectError(settlements().GetSettlement(other_organizer, created.id), StatusCode::kNotFound,
              "event_not_found");
  BOOST_TEST(ValueOrFail(settlements().GetSettlement(organizer, created.id)).status ==
             SettlementStatus::kUnsettled);
  clock->Set(created.ends_at + 2 * kDay);
  ExpectError(settlements().Settle(admin, created.id), StatusCode::kFailedPrecondition,
              "event_not_settleable");
}

BOOST_AUTO_TEST_CASE(the_job_settles_only_due_events) {
  const Event first = SoldEvent(1, 500, "First");
  clock->Advance(kDay);
  const Event later = SoldEvent(1, 700, "Later");  // ends a day after the first
  const Event held = SoldEvent(1, 300, "Held");
  ValueOrFail(events().HoldEvent(admin, held.id, ""));
  ExpectError(settlements().SettleDueEvents(0), StatusCode::kInvalidArgument, "invalid_limit");

  ToDue(first);  // the first is due; the others end a day later
  JobRequest job;
  job.kind = std::string(kSettleDueEventsJob);
  ValueOrFail(engine->jobs().Enqueue(job));
  RunDueJobs();
  const Settlement settled = ValueOrFail(settlements().GetSettlement(admin, first.id));
  BOOST_TEST(settled.status == SettlementStatus::kSettled);
  BOOST_TEST(settled.settled_by.empty());
  BOOST_TEST(settled.net.minor_units == 450);
  BOOST_TEST(ValueOrFail(settlements().GetSettlement(admin, later.id)).status ==
             SettlementStatus::kUnsettled);
  BOOST_TEST(Posted(EscrowOf(later.id)) == 700);

  ToDue(later);
  BOOST_TEST(ValueOrFail(settlements().SettleDueEvents(10)) == 1);  // not the held one
  BOOST_TEST(ValueOrFail(settlements().SettleDueEvents(10)) == 0);
  BOOST_TEST(ValueOrFail(settlements().GetSettlement(admin, held.id)).status ==
             SettlementStatus::kOnHold);
  BOOST_TEST(Posted(OrganizerWallet()) == 450 + 630);
  BOOST_TEST(Posted(Revenue()) == 50 + 70);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
