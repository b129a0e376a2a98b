// The admins' money views and analytics (eventify/admin.h) over the small world
// (admin/small_world.h): each event's settlement state is the one Settlements::GetSettlement
// gives, and its amounts, the totals, platform revenue and the analytics agree with the
// dashboards, the settlement and the ledger to the minor unit; bad queries and non-admins are
// refused.
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

#include "admin/small_world.h"
#include "eventify/admin.h"

namespace eventify::testing {
namespace {

struct MoneyWorld : World {
  Admin& admin_area() { return engine->admin(); }

  SettlementOverview Overview(std::optional<SettlementStatus> state, int limit = 20,
                              const std::string& cursor = "") {
    SettlementOverviewQuery query;
    query.state = state;
    query.limit = limit;
    query.cursor = cursor;
    return ValueOrFail(admin_area().GetSettlementOverview(admin, query));
  }

  // Every line of the unfiltered overview by event id.
  std::map<std::string, SettlementLine> Lines() {
    std::map<std::string, SettlementLine> lines;
    for (SettlementLine& line : Overview(std::nullopt).items) lines[line.event_id] = line;
    return lines;
  }
};

void ExpectAmounts(const EscrowAmounts& a, std::int64_t balance, std::int64_t gross,
                   std::int64_t refunds, std::int64_t commission, std::int64_t net,
                   std::int64_t settled) {
  BOOST_TEST(a.escrow_balance.minor_units == balance);
  BOOST_TEST(a.gross.minor_units == gross);
  BOOST_TEST(a.refunds.minor_units == refunds);
  BOOST_TEST(a.commission.minor_units == commission);
  BOOST_TEST(a.net.minor_units == net);
  BOOST_TEST(a.settled.minor_units == settled);
  BOOST_TEST(a.gross.currency == "INR");
  BOOST_TEST(a.settled.currency == "INR");
}

BOOST_FIXTURE_TEST_SUITE(money_views, MoneyWorld)

BOOST_AUTO_TEST_CASE(every_line_agrees_with_its_settlement_its_figures_and_the_ledger) {
  const std::map<std::string, SettlementLine> lines = Lines();
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);
  for (const Event* event : {&concert, &talk, &gala}) {
    BOOST_TEST_CONTEXT("event " << event->title) {
      const SettlementLine& line = lines.at(event->id);
      const Settlement settled = ValueOrFail(settlements().GetSettlement(admin, event->id));
      const EventFigures figures = ValueOrFail(dashboards().GetEventFigures(admin, event->id));
      BOOST_TEST(line.state == settled.status);
      BOOST_TEST(ToMicros(line.due_at) == ToMicros(settled.due_at));
      BOOST_TEST(line.title == event->title);
      BOOST_TEST(line.organizer_id == organizer.user_id);
      BOOST_TEST(line.amounts.gross.minor_units == figures.money.gross.minor_units);
      BOOST_TEST(line.amounts.refunds.minor_units == figures.money.refunds.minor_units);
      BOOST_TEST(line.amounts.commission.minor_units == figures.money.commission.minor_units);
      BOOST_TEST(line.amounts.net.minor_units == figures.money.net.minor_units);
      BOOST_TEST(line.amounts.escrow_balance.minor_units == Posted(EscrowOf(event->id)));
    }
  }
  // The concert was settled: what the settlement paid the organizer left its escrow.
  const SettlementLine& concert_line = lines.at(concert.id);
  BOOST_TEST(concert_line.state == SettlementStatus::kSettled);
  BOOST_REQUIRE(concert_line.settled_at.has_value());
  BOOST_TEST(ToMicros(*concert_line.settled_at) == ToMicros(*settlement.settled_at));
  ExpectAmounts(concert_line.amounts, 0, 2500, 1000, 150, 1350, 1350);
  BOOST_TEST(concert_line.amounts.settled.minor_units == settlement.net.minor_units);
  BOOST_TEST(concert_line.amounts.settled.minor_units == Posted(OrganizerWallet()));
  // The talk ends a second after the concert: not due yet, its money in escrow.
  BOOST_TEST(lines.at(talk.id).state == SettlementStatus::kUnsettled);
  ExpectAmounts(lines.at(talk.id).amounts, 333, 333, 0, 0, 333, 0);
  BOOST_TEST(lines.at(gala.id).state == SettlementStatus::kCancelled);
  ExpectAmounts(lines.at(gala.id).amounts, 0, 700, 700, 0, 0, 0);
}

BOOST_AUTO_TEST_CASE(states_follow_the_clock_and_holds_as_the_settlements_decide) {
  clock->Advance(std::chrono::seconds(1));  // the talk's settlement is due from now
  BOOST_TEST(Lines().at(talk.id).state == SettlementStatus::kDue);
  BOOST_TEST(ValueOrFail(settlements().GetSettlement(admin, talk.id)).status ==
             SettlementStatus::kDue);
  ValueOrFail(events().HoldEvent(admin, talk.id, "a dispute"));
  BOOST_TEST(Lines().at(talk.id).state == SettlementStatus::kOnHold);
  BOOST_TEST(ValueOrFail(settlements().GetSettlement(admin, talk.id)).status ==
             SettlementStatus::kOnHold);
  const SettlementOverview held = Overview(SettlementStatus::kOnHold);
  BOOST_REQUIRE_EQUAL(held.items.size(), 1u);
  BOOST_TEST(held.items[0].event_id == talk.id);
  BOOST_TEST(held.events == 1);
  ExpectAmounts(held.totals, 333, 333, 0, 0, 333, 0);
}

BOOST_AUTO_TEST_CASE(a_filter_pages_its_events_and_totals_them_all) {
  const SettlementOverview first = Overview(std::nullopt, 2);
  BOOST_REQUIRE_EQUAL(first.items.size(), 2u);
  BOOST_TEST(first.items[0].event_id == gala.id);  // latest end first
  BOOST_TEST(first.items[1].event_id == talk.id);
  BOOST_REQUIRE(!first.next_cursor.empty());
  const SettlementOverview second = Overview(std::nullopt, 2, first.next_cursor);
  BOOST_REQUIRE_EQUAL(second.items.size(), 1u);
  BOOST_TEST(second.items[0].event_id == concert.id);
  BOOST_TEST(second.next_cursor.empty());
  // The totals are the whole filter's on every page, and the dashboards' sums.
  for (const SettlementOverview* page : {&first, &second}) {
    BOOST_TEST(page->events == 3);
    ExpectAmounts(page->totals, 333, 3533, 1700, 150, 1683, 1350);
  }
  const OrganizerSummary summary =
      ValueOrFail(dashboards().GetOrganizerSummary(organizer, {"2027-01", "2027-02"}));
  BOOST_TEST(first.totals.gross.minor_units == summary.money.gross.minor_units);
  BOOST_TEST(first.totals.net.minor_units == summary.money.net.minor_units);
  const SettlementOverview settled = Overview(SettlementStatus::kSettled);
  BOOST_REQUIRE_EQUAL(settled.items.size(), 1u);
  BOOST_TEST(settled.events == 1);
  ExpectAmounts(settled.totals, 0, 2500, 1000, 150, 1350, 1350);
  const SettlementOverview due = Overview(SettlementStatus::kDue);
  BOOST_TEST(due.items.empty());
  BOOST_TEST(due.events == 0);
  ExpectAmounts(due.totals, 0, 0, 0, 0, 0, 0);
}

BOOST_AUTO_TEST_CASE(platform_revenue_is_the_ledgers_revenue_account) {
  RevenueQuery query;
  const RevenuePage page = ValueOrFail(admin_area().ListPlatformRevenue(admin, query));
  BOOST_REQUIRE_EQUAL(page.items.size(), 1u);
  const RevenueEntry& entry = page.items[0];
  BOOST_TEST(entry.transfer_id == settlement.commission_transfer_id);
  BOOST_TEST((entry.kind == TransferKind::kCommission));
  BOOST_TEST(entry.amount.minor_units == 150);
  BOOST_TEST(entry.amount.currency == "INR");
  BOOST_TEST(entry.event_id == concert.id);
  BOOST_TEST((entry.counterparty.kind == AccountKind::kEscrow));
  BOOST_TEST(page.total.minor_units == Posted(Revenue()));
  BOOST_TEST(page.entries == 1);
  BOOST_REQUIRE_EQUAL(page.by_kind.size(), 1u);
  BOOST_TEST((page.by_kind[0].kind == TransferKind::kCommission));
  BOOST_TEST(page.by_kind[0].in.minor_units == 150);
  BOOST_TEST(page.by_kind[0].out.minor_units == 0);
  BOOST_TEST(page.by_kind[0].net.minor_units == 150);
  BOOST_TEST(page.by_kind[0].entries == 1);
  // The commission of every line of the overview is what platform revenue took.
  BOOST_TEST(Overview(std::nullopt).totals.commission.minor_units == page.total.minor_units);

  query.event_id = talk.id;
  BOOST_TEST(ValueOrFail(admin_area().ListPlatformRevenue(admin, query)).items.empty());
  query.event_id.clear();
  query.kind = TransferKind::kRefund;
  const RevenuePage refunds = ValueOrFail(admin_area().ListPlatformRevenue(admin, query));
  BOOST_TEST(refunds.items.empty());
  BOOST_TEST(refunds.total.minor_units == 0);
  BOOST_TEST(refunds.by_kind.empty());
  query.kind.reset();
  query.until = entry.created_at;  // before the commission
  BOOST_TEST(ValueOrFail(admin_area().ListPlatformRevenue(admin, query)).items.empty());
}

BOOST_AUTO_TEST_CASE(analytics_agree_with_the_dashboards_and_the_bookings) {
  RegisteredAttendee("dora@example.com", "Dora");
  AnalyticsQuery query;
  query.range = {"2026-12", "2027-03"};
  query.top = 2;
  const PlatformAnalytics analytics = ValueOrFail(admin_area().GetAnalytics(admin, query));
  const OrganizerSummary summary =
      ValueOrFail(dashboards().GetOrganizerSummary(organizer, query.range));
  ExpectMoney(analytics.money, 3533, 1700, 150, 1683);
  BOOST_REQUIRE_EQUAL(analytics.months.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(analytics.months[i].month == summary.months[i].month);
    BOOST_TEST(analytics.months[i].money.gross.minor_units ==
               summary.months[i].money.gross.minor_units);
    BOOST_TEST(analytics.months[i].money.net.minor_units ==
               summary.months[i].money.net.minor_units);
  }
  const MonthActivity& january = analytics.months[1];
  // Confirmed in January: ann's 3 and bob's 2 seats of the concert, bob's talk and gala seats;
  // cancelled after confirmation: bob's concert seats and his gala seat (the dashboards'
  // seats_cancelled of the concert, 2, and the gala, 1).
  BOOST_TEST(january.bookings == 4);
  BOOST_TEST(january.seats_booked == 7);
  BOOST_TEST(january.cancellations == 2);
  BOOST_TEST(january.seats_cancelled ==
             ValueOrFail(dashboards().GetEventFigures(admin, concert.id)).seats_cancelled +
                 ValueOrFail(dashboards().GetEventFigures(admin, gala.id)).seats_cancelled);
  BOOST_TEST(january.new_users == 1);
  BOOST_TEST(analytics.months[0].bookings == 0);
  BOOST_REQUIRE_EQUAL(analytics.categories.size(), 1u);
  BOOST_TEST(analytics.categories[0].category_id == category.id);
  BOOST_TEST(analytics.categories[0].name == "Concerts");
  ExpectMoney(analytics.categories[0].money, 3533, 1700, 150, 1683);
  BOOST_REQUIRE_EQUAL(analytics.top_by_revenue.size(), 2u);
  BOOST_TEST(analytics.top_by_revenue[0].event.event_id == concert.id);
  BOOST_TEST(analytics.top_by_revenue[0].event.title == "Concert");
  ExpectMoney(analytics.top_by_revenue[0].money, 2500, 1000, 150, 1350);
  BOOST_TEST(analytics.top_by_revenue[1].event.event_id == gala.id);
  BOOST_REQUIRE_EQUAL(analytics.top_by_seats.size(), 2u);
  BOOST_TEST(analytics.top_by_seats[0].event.event_id == concert.id);
  BOOST_TEST(analytics.top_by_seats[0].seats_sold ==
             ValueOrFail(dashboards().GetEventFigures(admin, concert.id)).seats_sold);
  BOOST_TEST(analytics.top_by_seats[1].event.event_id == talk.id);
  BOOST_TEST(analytics.top_by_seats[1].seats_sold == 1);
  BOOST_TEST(analytics.top_by_seats[1].bookings == 1);
}

BOOST_AUTO_TEST_CASE(bad_queries_are_refused_with_their_field) {
  const auto refused = [](const Status& status, const char* reason, const char* field) {
    BOOST_TEST(status.code() == StatusCode::kInvalidArgument);
    BOOST_TEST(status.reason() == reason);
    BOOST_TEST(status.field() == field);
  };
  SettlementOverviewQuery overview;
  overview.limit = 0;
  refused(admin_area().GetSettlementOverview(admin, overview).status(), "invalid_limit", "limit");
  overview.limit = 20;
  overview.cursor = "not-a-cursor";
  refused(admin_area().GetSettlementOverview(admin, overview).status(), "invalid_cursor", "cursor");
  RevenueQuery revenue;
  revenue.from = kEventsStart;
  revenue.until = kEventsStart;
  refused(admin_area().ListPlatformRevenue(admin, revenue).status(), "invalid_range", "until");
  revenue = {};
  revenue.limit = 101;
  refused(admin_area().ListPlatformRevenue(admin, revenue).status(), "invalid_limit", "limit");
  AnalyticsQuery analytics;
  analytics.range = {"2027-1", "2027-03"};
  refused(admin_area().GetAnalytics(admin, analytics).status(), "invalid_month", "from");
  analytics.range = {"2027-03", "2027-01"};
  refused(admin_area().GetAnalytics(admin, analytics).status(), "invalid_range", "until");
  analytics.range = {"2027-01", "2027-03"};
  analytics.top = 0;
  refused(admin_area().GetAnalytics(admin, analytics).status(), "invalid_top", "top");
  refused(ParseSettlementStatus("paid").status(), "invalid_state", "state");
}

BOOST_AUTO_TEST_CASE(only_admins_read_the_platforms_money) {
  for (const Principal* who : {&organizer, &ann}) {
    BOOST_TEST_CONTEXT("role " << RoleName(who->role)) {
      const Status overview = admin_area().GetSettlementOverview(*who, {}).status();
      BOOST_TEST(overview.code() == StatusCode::kPermissionDenied);
      BOOST_TEST(overview.reason() == "forbidden");
      BOOST_TEST(admin_area().ListPlatformRevenue(*who, {}).status().reason() == "forbidden");
      AnalyticsQuery query;
      query.range = {"2027-01", "2027-02"};
      BOOST_TEST(admin_area().GetAnalytics(*who, query).status().reason() == "forbidden");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
