// The settlements fixture with a small world for the report suites (two organizers, three events,
// paid, refunded and unpaid bookings, two settlements and a withdrawal), what the ledger itself
// says of it, and rendering a report to bytes.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "eventify/reports.h"
#include "settlements/settlements_fixture.h"

namespace eventify::testing {

// An event's figures over a range, or the financial report's sums per kind.
struct Figures {
  std::int64_t gross = 0;
  std::int64_t refunds = 0;
  std::int64_t commission = 0;
  std::int64_t settlements = 0;
  std::int64_t withdrawals = 0;
  std::int64_t transfers = 0;  // how many transfers they add up
  friend bool operator==(const Figures&, const Figures&) = default;
};
std::ostream& operator<<(std::ostream& out, const Figures& f);

struct ReportsFixture : SettlementsFixture {
  ReportsFixture();

  // The world before its events end: event a (the organizer's, 500 a seat, a title that looks
  // like a formula) with ann's 2 paid seats, bob's refunded seat and carol's unpaid hold; event b
  // (the organizer's, 333 a seat) with ann's 3 seats; event c (the other organizer's, 700) with
  // ann's seat.
  void BuildSales();
  // Then: the clock past the events' end, a and b settled, the organizer withdraws 500 (approved)
  // and ann asks to withdraw 100 (pending, so in no report).
  void SettleAndWithdraw();

  // The range covering the whole world.
  ReportRange WholeRange() const;

  // What the ledger says, read through Ledger::History and Ledger::ListTransfers alone.
  Figures LedgerFiguresOfEvent(const std::string& event_id, const ReportRange& range);
  Figures LedgerFinancialFigures(const ReportRange& range);

  // A report rendered to bytes, or the failure.
  Result<std::string> Sales(const Principal& caller, const std::string& organizer_id,
                            ReportFormat format, const ReportRange& range);
  Result<std::string> Financial(const Principal& caller, ReportFormat format,
                                const ReportRange& range);

  std::unique_ptr<Reports> reports;
  Event a, b, c;
  Principal carol{"attendee-carol", Role::kAttendee, "s-carol"};
  std::string bob_booking;
  std::string carol_booking;
};

}  // namespace eventify::testing
