// The bundled writers on their own, through the ReportWriter interface: CSV quoting and formula
// neutralising, bytes passed on as rows come, and a long PDF drawn on several pages that render
// to pictures with their text.
#include <array>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "reports/documents.h"
#include "reports/report_tables.h"
#include "reports/reports_fixture.h"

namespace eventify::testing {
namespace {

// Counts the writes it is given, and how many bytes had arrived when each row was written.
class CountingSink final : public ByteSink {
 public:
  Status Write(std::string_view bytes) override {
    ++writes;
    bytes_ += bytes.size();
    return Status::Ok();
  }
  std::size_t bytes() const { return bytes_; }
  int writes = 0;

 private:
  std::size_t bytes_ = 0;
};

ReportHeading SampleHeading() {
  ReportHeading heading;
  heading.kind = "sample";
  heading.title = "Sample report";
  heading.about = {{"from", "2026-01-01T00:00:00.000Z"}};
  heading.columns = {{"name", "Name", ReportColumnType::kText},
                     {"count", "Count", ReportColumnType::kInteger},
                     {"amount", "Amount", ReportColumnType::kMoney}};
  return heading;
}

BOOST_AUTO_TEST_CASE(csv_quotes_fields_and_neutralises_formulas) {
  StringSink sink;
  const auto writer = MakeReportWriter(ReportFormat::kCsv, sink);
  BOOST_REQUIRE(writer->Begin(SampleHeading()).ok());
  const std::vector<std::string> names = {"=1+2",  "+SUM(A1)", "-3",         "@cmd",        "\tx",
                                          "plain", "a,b",      "say \"hi\"", "two\r\nlines"};
  for (const std::string& name : names) {
    const std::array<ReportCell, 3> row{name, std::int64_t{-5}, std::int64_t{-1205}};
    BOOST_REQUIRE(writer->Row(row).ok());
  }
  const std::array<ReportCell, 3> totals{std::string("Total"), std::int64_t{0}, std::int64_t{0}};
  BOOST_REQUIRE(writer->Finish(totals).ok());
  const CsvRows rows = ParseCsv(sink.text());
  BOOST_REQUIRE_EQUAL(rows.size(), names.size() + 2);
  BOOST_TEST(rows[0] == (std::vector<std::string>{"name", "count", "amount"}));
  const std::vector<std::string> expected = {
      "'=1+2", "'+SUM(A1)", "'-3", "'@cmd", "'\tx", "plain", "a,b", "say \"hi\"", "two\r\nlines"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    BOOST_TEST(rows[i + 1][0] == expected[i]);
    BOOST_TEST(rows[i + 1][1] == "-5");  // numbers are the report's own: written as they are
    BOOST_TEST(rows[i + 1][2] == "-1205");
  }
  BOOST_TEST(sink.text().find("\"a,b\"\r\n") == std::string::npos);
  BOOST_TEST(sink.text().find("\"say \"\"hi\"\"\"") != std::string::npos);
  BOOST_TEST(sink.text().substr(0, 19) == "name,count,amount\r\n");
}

BOOST_AUTO_TEST_CASE(text_writers_pass_each_row_on_as_it_comes) {
  for (ReportFormat format : {ReportFormat::kJson, ReportFormat::kCsv}) {
    CountingSink sink;
    const auto writer = MakeReportWriter(format, sink);
    BOOST_REQUIRE(writer->Begin(SampleHeading()).ok());
    for (int i = 0; i < 100; ++i) {
      const int before = sink.writes;
      const std::array<ReportCell, 3> row{std::string("row"), std::int64_t{i}, std::int64_t{i}};
      BOOST_REQUIRE(writer->Row(row).ok());
      BOOST_TEST(sink.writes == before + 1);
    }
    const std::array<ReportCell, 3> totals{std::string("Total"), std::int64_t{0}, std::int64_t{0}};
    BOOST_REQUIRE(writer->Finish(totals).ok());
  }
}

BOOST_AUTO_TEST_CASE(a_failing_sink_stops_the_report) {
  struct FailingSink final : ByteSink {
    Status Write(std::string_view) override { return Unavailable("disk_full", "no room"); }
  };
  for (ReportFormat format :
       {ReportFormat::kJson, ReportFormat::kCsv, ReportFormat::kXlsx, ReportFormat::kPdf}) {
    FailingSink sink;
    const auto writer = MakeReportWriter(format, sink);
    Status status = writer->Begin(SampleHeading());
    const std::array<ReportCell, 3> totals{std::string("Total"), std::int64_t{0}, std::int64_t{0}};
    if (status.ok()) status = writer->Finish(totals);
    BOOST_TEST_INFO("format " << ReportFormatName(format));
    ExpectError(status, StatusCode::kUnavailable, "disk_full");
  }
}

BOOST_AUTO_TEST_CASE(a_long_pdf_report_has_pages_that_render_with_their_rows) {
  StringSink sink;
  const auto writer = MakeReportWriter(ReportFormat::kPdf, sink);
  BOOST_REQUIRE(writer->Begin(SampleHeading()).ok());
  constexpr int kRows = 150;
  for (int i = 0; i < kRows; ++i) {
    const std::array<ReportCell, 3> row{"Row number " + std::to_string(i), std::int64_t{i},
                                        std::int64_t{i * 101}};
    BOOST_REQUIRE(writer->Row(row).ok());
  }
  const std::array<ReportCell, 3> totals{std::string("Total"), std::int64_t{0},
                                         std::int64_t{101 * kRows * (kRows - 1) / 2}};
  BOOST_REQUIRE(writer->Finish(totals).ok());
  TempDir dir;
  const auto pdf = dir.Write("long.pdf", sink.text());
  const int pages = PdfPages(pdf);
  BOOST_TEST(pages == 4);  // 150 rows at about 40 a page
  const auto pictures = RenderPages(pdf, dir.path());
  BOOST_TEST(pictures.size() == static_cast<std::size_t>(pages));
  const std::string text = PdfText(pdf);
  for (int i = 0; i < kRows; ++i) {
    BOOST_TEST_INFO("row " << i);
    BOOST_TEST(text.find("Row number " + std::to_string(i) + " ") != std::string::npos);
  }
  for (int page = 1; page <= pages; ++page) {
    BOOST_TEST(text.find("Page " + std::to_string(page)) != std::string::npos);
  }
  BOOST_TEST(text.find(PdfMoney(101 * kRows * (kRows - 1) / 2)) != std::string::npos);
  BOOST_TEST(text.find("-0.01") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_xlsx_report_reads_back_with_numbers_as_numbers) {
  StringSink sink;
  const auto writer = MakeReportWriter(ReportFormat::kXlsx, sink);
  BOOST_REQUIRE(writer->Begin(SampleHeading()).ok());
  const std::array<ReportCell, 3> row{std::string("=cmd"), std::int64_t{7}, std::int64_t{-1205}};
  BOOST_REQUIRE(writer->Row(row).ok());
  const std::array<ReportCell, 3> totals{std::string("Total"), std::int64_t{7},
                                         std::int64_t{-1205}};
  BOOST_REQUIRE(writer->Finish(totals).ok());
  BOOST_TEST(sink.text().substr(0, 2) == "PK");  // a zip archive
  const ReportTable table =
      ReadTable(ReportFormat::kXlsx, sink.text(), {"name", "count", "amount"});
  BOOST_REQUIRE_EQUAL(table.rows.size(), 1u);
  // A string cell is never a formula in XLSX, so the text stays as it is.
  BOOST_TEST(table.rows[0] == (std::vector<std::string>{"=cmd", "7", "-1205"}));
  BOOST_TEST(table.totals == (std::vector<std::string>{"Total", "7", "-1205"}));
}

BOOST_AUTO_TEST_CASE(formats_parse_by_name) {
  BOOST_TEST((ValueOrFail(ParseReportFormat("xlsx")) == ReportFormat::kXlsx));
  ExpectError(ParseReportFormat("docx"), StatusCode::kInvalidArgument, "invalid_format", "format");
  BOOST_TEST(ReportContentType(ReportFormat::kPdf) == "application/pdf");
}

}  // namespace
}  // namespace eventify::testing
