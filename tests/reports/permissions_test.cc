// Who reads which report: an organizer only their own events' figures, admins everything,
// attendees nothing; a refusal writes nothing at all.
#include <boost/test/unit_test.hpp>

#include "reports/report_tables.h"
#include "reports/reports_fixture.h"

namespace eventify::testing {
namespace {

struct SalesFixture : ReportsFixture {
  SalesFixture() { BuildSales(); }

  // The caller's refusal, with nothing written to the sink.
  Status SalesRefusal(const Principal& caller, const std::string& organizer_id,
                      const ReportRange& range) {
    StringSink sink;
    const auto writer = MakeReportWriter(ReportFormat::kCsv, sink);
    const Status status = reports->OrganizerSales(caller, organizer_id, range, *writer);
    BOOST_TEST(sink.text().empty());
    return status;
  }
  Status FinancialRefusal(const Principal& caller, const ReportRange& range) {
    StringSink sink;
    const auto writer = MakeReportWriter(ReportFormat::kCsv, sink);
    const Status status = reports->Financial(caller, range, *writer);
    BOOST_TEST(sink.text().empty());
    return status;
  }
};

BOOST_FIXTURE_TEST_SUITE(permissions, SalesFixture)

BOOST_AUTO_TEST_CASE(an_organizer_reads_only_their_own_events) {
  const ReportRange range = WholeRange();
  const ReportTable own =
      ReadTable(ReportFormat::kJson,
                ValueOrFail(Sales(organizer, organizer.user_id, ReportFormat::kJson, range)));
  BOOST_TEST(own.rows.size() == 2u);
  for (const auto& row : own.rows) BOOST_TEST(row.at(own.Column("event_id")) != c.id);
  const ReportTable other = ReadTable(
      ReportFormat::kJson,
      ValueOrFail(Sales(other_organizer, other_organizer.user_id, ReportFormat::kJson, range)));
  BOOST_REQUIRE_EQUAL(other.rows.size(), 1u);
  BOOST_TEST(other.rows[0].at(other.Column("event_id")) == c.id);
  BOOST_TEST(other.Number(other.totals, "gross") == 700);
  ExpectError(SalesRefusal(organizer, other_organizer.user_id, range),
              StatusCode::kPermissionDenied, "forbidden");
  ExpectError(SalesRefusal(other_organizer, organizer.user_id, range),
              StatusCode::kPermissionDenied, "forbidden");
  ExpectError(FinancialRefusal(organizer, range), StatusCode::kPermissionDenied, "forbidden");
}

BOOST_AUTO_TEST_CASE(attendees_read_no_report) {
  const ReportRange range = WholeRange();
  ExpectError(SalesRefusal(ann, organizer.user_id, range), StatusCode::kPermissionDenied,
              "forbidden");
  ExpectError(SalesRefusal(ann, ann.user_id, range), StatusCode::kPermissionDenied, "forbidden");
  ExpectError(FinancialRefusal(ann, range), StatusCode::kPermissionDenied, "forbidden");
}

BOOST_AUTO_TEST_CASE(admins_read_any_organizers_sales_and_the_financial_report) {
  const ReportRange range = WholeRange();
  const ReportTable table =
      ReadTable(ReportFormat::kJson,
                ValueOrFail(Sales(admin, other_organizer.user_id, ReportFormat::kJson, range)));
  BOOST_TEST(table.rows.size() == 1u);
  BOOST_TEST(Financial(admin, ReportFormat::kCsv, range).ok());
}

BOOST_AUTO_TEST_CASE(ranges_and_organizers_are_checked_before_writing) {
  const ReportRange empty{clock->Now(), clock->Now()};
  ExpectError(SalesRefusal(organizer, organizer.user_id, empty), StatusCode::kInvalidArgument,
              "invalid_range", "until");
  ExpectError(FinancialRefusal(admin, empty), StatusCode::kInvalidArgument, "invalid_range",
              "until");
  ExpectError(SalesRefusal(admin, "", WholeRange()), StatusCode::kInvalidArgument,
              "invalid_organizer_id", "organizer_id");
  // Whoever asks: an organizer (or an attendee) naming no one is told so, not forbidden.
  for (const Principal* who : {&organizer, &ann}) {
    ExpectError(SalesRefusal(*who, "", WholeRange()), StatusCode::kInvalidArgument,
                "invalid_organizer_id", "organizer_id");
  }
  ExpectError(Reports::Open(*engine, ReportsOptions{0, {}}), StatusCode::kInvalidArgument,
              "invalid_reports_options");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
