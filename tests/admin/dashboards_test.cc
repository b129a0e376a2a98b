// The small world (admin/small_world.h), in which an event's figures, an organizer's summary, the
// settlement and the ledger agree to the minor unit; and who may read which figures.
#include "eventify/dashboards.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "admin/small_world.h"

namespace eventify::testing {
namespace {

BOOST_FIXTURE_TEST_SUITE(event_figures, World)

BOOST_AUTO_TEST_CASE(a_settled_event_agrees_with_its_settlement_and_the_ledger) {
  const EventFigures figures = ValueOrFail(dashboards().GetEventFigures(organizer, concert.id));
  BOOST_TEST(figures.title == "Concert");
  BOOST_TEST(figures.seats_sold == 3);
  BOOST_TEST(figures.seats_held == 0);
  BOOST_TEST(figures.seats_checked_in == 1);
  BOOST_TEST(figures.seats_cancelled == 2);
  ExpectMoney(figures.money, 2500, 1000, 150, 1350);
  // The settlement paid exactly what the dashboard says, and the ledger holds it.
  BOOST_TEST(settlement.gross.minor_units ==
             figures.money.gross.minor_units - figures.money.refunds.minor_units);
  BOOST_TEST(settlement.commission.minor_units == figures.money.commission.minor_units);
  BOOST_TEST(settlement.net.minor_units == figures.money.net.minor_units);
  BOOST_TEST(Posted(OrganizerWallet()) == figures.money.net.minor_units);
  BOOST_TEST(Posted(Revenue()) == figures.money.commission.minor_units);
  BOOST_TEST(Posted(EscrowOf(concert.id)) == 0);
  ExpectCleanAudit();
}

BOOST_AUTO_TEST_CASE(an_unsettled_event_has_no_commission_and_its_net_is_in_escrow) {
  const EventFigures figures = ValueOrFail(dashboards().GetEventFigures(admin, talk.id));
  BOOST_TEST(figures.seats_sold == 1);
  BOOST_TEST(figures.seats_held == 0);  // the hold lapsed: the clock is past its expiry
  BOOST_TEST(figures.seats_cancelled == 0);
  ExpectMoney(figures.money, 333, 0, 0, 333);
  BOOST_TEST(Posted(EscrowOf(talk.id)) == figures.money.net.minor_units);
}

BOOST_AUTO_TEST_CASE(live_holds_count_as_held_until_they_lapse) {
  const Event fresh = ApprovedEvent(10, 100, 4, "Fresh");
  ValueOrFail(bookings().Hold(ann, Request(fresh, 3, "ann-fresh")));
  BOOST_TEST(ValueOrFail(dashboards().GetEventFigures(organizer, fresh.id)).seats_held == 3);
  clock->Advance(std::chrono::hours(1));  // past the hold's ten minutes; no sweep has run
  const EventFigures lapsed = ValueOrFail(dashboards().GetEventFigures(organizer, fresh.id));
  BOOST_TEST(lapsed.seats_held == 0);
  BOOST_TEST(lapsed.seats_sold == 0);
  ExpectMoney(lapsed.money, 0, 0, 0, 0);
}

BOOST_AUTO_TEST_CASE(a_cancelled_event_refunded_everything) {
  const EventFigures figures = ValueOrFail(dashboards().GetEventFigures(organizer, gala.id));
  BOOST_TEST(figures.status == EventStatus::kCancelled);
  BOOST_TEST(figures.seats_sold == 0);
  BOOST_TEST(figures.seats_cancelled == 1);
  ExpectMoney(figures.money, 700, 700, 0, 0);
}

BOOST_AUTO_TEST_CASE(the_organizers_list_pages_its_events_newest_first) {
  const EventFiguresPage first = ValueOrFail(dashboards().ListOwnEventFigures(organizer, "", 2));
  BOOST_REQUIRE_EQUAL(first.items.size(), 2u);
  BOOST_TEST(first.items[0].event_id == gala.id);
  BOOST_TEST(first.items[1].event_id == talk.id);
  BOOST_REQUIRE(!first.next_cursor.empty());
  const EventFiguresPage second =
      ValueOrFail(dashboards().ListOwnEventFigures(organizer, first.next_cursor, 2));
  BOOST_REQUIRE_EQUAL(second.items.size(), 1u);
  BOOST_TEST(second.items[0].event_id == concert.id);
  ExpectMoney(second.items[0].money, 2500, 1000, 150, 1350);
  BOOST_TEST(second.next_cursor.empty());
}

BOOST_AUTO_TEST_CASE(the_summary_adds_up_the_months_and_ranks_the_events) {
  const OrganizerSummary summary =
      ValueOrFail(dashboards().GetOrganizerSummary(organizer, {"2026-12", "2027-03"}));
  BOOST_REQUIRE_EQUAL(summary.months.size(), 3u);
  BOOST_TEST(summary.months[0].month == "2026-12");
  BOOST_TEST(summary.months[1].month == "2027-01");
  BOOST_TEST(summary.months[2].month == "2027-02");
  ExpectMoney(summary.months[0].money, 0, 0, 0, 0);
  // Every transfer of the world happened in January 2027 (kEventsStart is 2027-01-15).
  ExpectMoney(summary.months[1].money, 2500 + 333 + 700, 1000 + 700, 150, 1350 + 333);
  ExpectMoney(summary.months[2].money, 0, 0, 0, 0);
  ExpectMoney(summary.money, 3533, 1700, 150, 1683);
  BOOST_REQUIRE_EQUAL(summary.top_events.size(), 3u);
  BOOST_TEST(summary.top_events[0].event_id == concert.id);
  BOOST_TEST(summary.top_events[1].event_id == gala.id);
  BOOST_TEST(summary.top_events[2].event_id == talk.id);
  // A range without the transfers has none of them.
  const OrganizerSummary before =
      ValueOrFail(dashboards().GetOrganizerSummary(organizer, {"2026-01", "2027-01"}));
  ExpectMoney(before.money, 0, 0, 0, 0);
}

BOOST_AUTO_TEST_CASE(bad_months_are_refused) {
  const auto refused = [&](const MonthRange& range, const char* reason, const char* field) {
    const Status status = dashboards().GetOrganizerSummary(organizer, range).status();
    BOOST_TEST(status.code() == StatusCode::kInvalidArgument);
    BOOST_TEST(status.reason() == reason);
    BOOST_TEST(status.field() == field);
  };
  refused({"2027-1", "2027-03"}, "invalid_month", "from");
  refused({"2027-01", "2027-13"}, "invalid_month", "until");
  refused({"2027-03", "2027-03"}, "invalid_range", "until");
  refused({"2020-01", "2023-02"}, "invalid_range", "until");
}

BOOST_AUTO_TEST_CASE(an_organizer_sees_only_their_events_figures) {
  const Status other = dashboards().GetEventFigures(other_organizer, concert.id).status();
  BOOST_TEST(other.code() == StatusCode::kPermissionDenied);
  BOOST_TEST(other.reason() == "forbidden");
  // An unlisted event of someone else is not found, as an unknown id.
  const Event draft = UnlistedEvent();
  const Status hidden = dashboards().GetEventFigures(other_organizer, draft.id).status();
  BOOST_TEST(hidden.code() == StatusCode::kNotFound);
  BOOST_TEST(hidden.reason() == "event_not_found");
  const Status unknown = dashboards().GetEventFigures(organizer, "no-such-event").status();
  BOOST_TEST(unknown.reason() == "event_not_found");
  // The other organizer's own list and summary hold none of them.
  BOOST_TEST(ValueOrFail(dashboards().ListOwnEventFigures(other_organizer, "", 10)).items.empty());
  const OrganizerSummary summary =
      ValueOrFail(dashboards().GetOrganizerSummary(other_organizer, {"2027-01", "2027-02"}));
  ExpectMoney(summary.money, 0, 0, 0, 0);
  BOOST_TEST(summary.top_events.empty());
}

BOOST_AUTO_TEST_CASE(attendees_see_no_figures) {
  const Status one = dashboards().GetEventFigures(ann, concert.id).status();
  BOOST_TEST(one.code() == StatusCode::kPermissionDenied);
  BOOST_TEST(one.reason() == "forbidden");
  const Status list = dashboards().ListOwnEventFigures(ann, "", 10).status();
  BOOST_TEST(list.reason() == "forbidden");
  const Status summary = dashboards().GetOrganizerSummary(ann, {"2027-01", "2027-02"}).status();
  BOOST_TEST(summary.reason() == "forbidden");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
