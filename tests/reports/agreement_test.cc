// Every report format agrees with the ledger to the minor unit: the organizer's sales per event
// and the admin's financial report, rendered as JSON, CSV and XLSX and read back (the XLSX through
// its sheet's XML), and as PDF read back with pdftotext, over a small world on the test backend.
#include <boost/test/unit_test.hpp>

#include "reports/report_tables.h"
#include "reports/reports_fixture.h"

namespace eventify::testing {
namespace {

struct WorldFixture : ReportsFixture {
  WorldFixture() {
    BuildSales();
    SettleAndWithdraw();
  }
};

// The figures of one event row, as the ledger would have them.
Figures RowFigures(const ReportTable& table, const std::vector<std::string>& row) {
  Figures f;
  f.gross = table.Number(row, "gross");
  f.refunds = table.Number(row, "refunds");
  f.commission = table.Number(row, "commission");
  return f;
}

// The financial report's money columns of one row (or the totals), one transfer's worth.
Figures KindSums(const ReportTable& table, const std::vector<std::string>& row) {
  Figures f;
  f.gross = table.Number(row, "booking_payments");
  f.refunds = table.Number(row, "refunds");
  f.commission = table.Number(row, "commission");
  f.settlements = table.Number(row, "settlements");
  f.withdrawals = table.Number(row, "withdrawals");
  f.transfers = 1;
  return f;
}

Figures& operator+=(Figures& sum, const Figures& f) {
  sum.gross += f.gross;
  sum.refunds += f.refunds;
  sum.commission += f.commission;
  sum.settlements += f.settlements;
  sum.withdrawals += f.withdrawals;
  sum.transfers += f.transfers;
  return sum;
}

BOOST_FIXTURE_TEST_SUITE(agreement, WorldFixture)

BOOST_AUTO_TEST_CASE(organizer_sales_agree_with_the_ledger_in_every_format) {
  const ReportRange range = WholeRange();
  const std::string csv =
      ValueOrFail(Sales(organizer, organizer.user_id, ReportFormat::kCsv, range));
  const std::vector<std::string> keys = ReadTable(ReportFormat::kCsv, csv).keys;
  for (ReportFormat format : {ReportFormat::kJson, ReportFormat::kCsv, ReportFormat::kXlsx}) {
    BOOST_TEST_CONTEXT("format " << ReportFormatName(format)) {
      const ReportTable table =
          ReadTable(format, ValueOrFail(Sales(organizer, organizer.user_id, format, range)), keys);
      BOOST_TEST(table.rows.size() == 2u);  // a and b; the other organizer's c is not theirs
      Figures sum;
      for (const Event* event : {&a, &b}) {
        const auto& row = table.RowWhere("event_id", event->id);
        Figures expected = LedgerFiguresOfEvent(event->id, range);
        BOOST_TEST(RowFigures(table, row).gross == expected.gross);
        BOOST_TEST(RowFigures(table, row).refunds == expected.refunds);
        BOOST_TEST(RowFigures(table, row).commission == expected.commission);
        BOOST_TEST(table.Number(row, "net") ==
                   expected.gross - expected.refunds - expected.commission);
        BOOST_TEST(row.at(table.Column("currency")) == "INR");
        sum.gross += expected.gross;
        sum.refunds += expected.refunds;
        sum.commission += expected.commission;
      }
      const auto& row_a = table.RowWhere("event_id", a.id);
      // The title looks like a formula: the CSV defuses it with an apostrophe, as a text cell.
      const std::string title = format == ReportFormat::kCsv ? "'" + a.title : a.title;
      BOOST_TEST(row_a.at(table.Column("title")) == title);
      BOOST_TEST(row_a.at(table.Column("status")) == "completed");
      BOOST_TEST(table.Number(row_a, "bookings") == 1);  // ann's; bob's was refunded
      BOOST_TEST(table.Number(row_a, "seats_sold") == 2);
      BOOST_TEST(table.Number(row_a, "refunded_bookings") == 1);
      BOOST_TEST(table.Number(row_a, "gross") == 1500);
      BOOST_TEST(table.Number(row_a, "refunds") == 500);
      BOOST_TEST(table.Number(row_a, "commission") == 100);
      BOOST_TEST(table.Number(row_a, "net") == 900);
      const auto& row_b = table.RowWhere("event_id", b.id);
      BOOST_TEST(table.Number(row_b, "seats_sold") == 3);
      BOOST_TEST(table.Number(row_b, "gross") == 999);
      BOOST_TEST(table.Number(row_b, "commission") == 100);
      BOOST_TEST(table.Number(row_b, "net") == 899);
      BOOST_TEST(table.totals.at(table.Column("title")) == "Total");
      BOOST_TEST(table.Number(table.totals, "gross") == sum.gross);
      BOOST_TEST(table.Number(table.totals, "refunds") == sum.refunds);
      BOOST_TEST(table.Number(table.totals, "commission") == sum.commission);
      BOOST_TEST(table.Number(table.totals, "net") == sum.gross - sum.refunds - sum.commission);
      BOOST_TEST(table.Number(table.totals, "seats_sold") == 5);
    }
  }
  // The PDF, as text: the events and the totals, money with two decimals.
  TempDir dir;
  const auto pdf = dir.Write(
      "sales.pdf", ValueOrFail(Sales(organizer, organizer.user_id, ReportFormat::kPdf, range)));
  const std::string text = PdfText(pdf);
  BOOST_TEST(PdfPages(pdf) == 1);
  BOOST_TEST(text.find("Sales by event") != std::string::npos);
  BOOST_TEST(text.find("Beta night") != std::string::npos);
  BOOST_TEST(text.find("Other's event") == std::string::npos);
  const Figures fa = LedgerFiguresOfEvent(a.id, range);
  const Figures fb = LedgerFiguresOfEvent(b.id, range);
  for (std::int64_t amount :
       {fa.gross + fb.gross, fa.refunds + fb.refunds, fa.commission + fb.commission,
        fa.gross + fb.gross - fa.refunds - fb.refunds - fa.commission - fb.commission}) {
    BOOST_TEST_INFO("amount " << PdfMoney(amount));
    BOOST_TEST(text.find(PdfMoney(amount)) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_range_counts_only_what_happened_in_it) {
  // Up to just before the settlements: no commission yet, the sales and the refund in.
  const ReportRange before_settlement{kEventsStart - kDay, a.ends_at};
  const ReportTable table = ReadTable(
      ReportFormat::kJson,
      ValueOrFail(Sales(organizer, organizer.user_id, ReportFormat::kJson, before_settlement)));
  const auto& row_a = table.RowWhere("event_id", a.id);
  BOOST_TEST(table.Number(row_a, "gross") == 1500);
  BOOST_TEST(table.Number(row_a, "refunds") == 500);
  BOOST_TEST(table.Number(row_a, "commission") == 0);
  BOOST_TEST(table.Number(row_a, "net") == 1000);
  BOOST_TEST(LedgerFiguresOfEvent(a.id, before_settlement).commission == 0);
  // After the sales: nothing sold, only the commission.
  const ReportRange after_sales{a.ends_at, clock->Now() + kDay};
  const ReportTable later =
      ReadTable(ReportFormat::kJson,
                ValueOrFail(Sales(organizer, organizer.user_id, ReportFormat::kJson, after_sales)));
  const auto& later_a = later.RowWhere("event_id", a.id);
  BOOST_TEST(later.Number(later_a, "gross") == 0);
  BOOST_TEST(later.Number(later_a, "seats_sold") == 0);
  BOOST_TEST(later.Number(later_a, "commission") == 100);
  BOOST_TEST(later.Number(later_a, "net") == -100);
}

BOOST_AUTO_TEST_CASE(the_financial_report_agrees_with_the_ledger_in_every_format) {
  const ReportRange range = WholeRange();
  const Figures expected = LedgerFinancialFigures(range);
  // The world: 4 booking payments (ann a, bob a, ann b, ann c), bob's refund, 2 commissions, 2
  // settlements, 1 approved withdrawal; ann's pending one is not in it.
  BOOST_TEST(expected.transfers == 10);
  BOOST_TEST(expected.gross == 1000 + 500 + 999 + 700);
  BOOST_TEST(expected.withdrawals == 500);
  const std::string csv = ValueOrFail(Financial(admin, ReportFormat::kCsv, range));
  const std::vector<std::string> keys = ReadTable(ReportFormat::kCsv, csv).keys;
  for (ReportFormat format : {ReportFormat::kJson, ReportFormat::kCsv, ReportFormat::kXlsx}) {
    BOOST_TEST_CONTEXT("format " << ReportFormatName(format)) {
      const ReportTable table =
          ReadTable(format, ValueOrFail(Financial(admin, format, range)), keys);
      Figures rows;
      for (const auto& row : table.rows) rows += KindSums(table, row);
      BOOST_TEST(rows == expected);
      Figures totals = KindSums(table, table.totals);
      totals.transfers = expected.transfers;
      BOOST_TEST(totals == expected);
      BOOST_TEST(table.totals.at(table.Column("kind")) == "total");
      const auto& refund = table.RowWhere("kind", "refund");
      BOOST_TEST(refund.at(table.Column("event_id")) == a.id);
      BOOST_TEST(refund.at(table.Column("party_id")) == bob.user_id);
      const auto& withdrawal = table.RowWhere("kind", "withdrawal");
      BOOST_TEST(withdrawal.at(table.Column("party_id")) == organizer.user_id);
      BOOST_TEST(withdrawal.at(table.Column("event_id")) == "");
    }
  }
  TempDir dir;
  const auto pdf =
      dir.Write("financial.pdf", ValueOrFail(Financial(admin, ReportFormat::kPdf, range)));
  const std::string text = PdfText(pdf);
  BOOST_TEST(text.find("Financial report") != std::string::npos);
  for (std::int64_t amount : {expected.gross, expected.refunds, expected.commission,
                              expected.settlements, expected.withdrawals}) {
    BOOST_TEST_INFO("amount " << PdfMoney(amount));
    BOOST_TEST(text.find(PdfMoney(amount)) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(reports_read_a_page_at_a_time_give_the_same_rows) {
  const ReportRange range = WholeRange();
  auto one_row_pages = ValueOrFail(Reports::Open(*engine, ReportsOptions{1, {}}));
  for (bool financial : {false, true}) {
    StringSink paged;
    const auto writer = MakeReportWriter(ReportFormat::kCsv, paged);
    const Status done =
        financial ? one_row_pages->Financial(admin, range, *writer)
                  : one_row_pages->OrganizerSales(admin, organizer.user_id, range, *writer);
    BOOST_REQUIRE_MESSAGE(done.ok(), done.ToString());
    const std::string whole =
        financial ? ValueOrFail(Financial(admin, ReportFormat::kCsv, range))
                  : ValueOrFail(Sales(admin, organizer.user_id, ReportFormat::kCsv, range));
    BOOST_TEST(paged.text() == whole);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
