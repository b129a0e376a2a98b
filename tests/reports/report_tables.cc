#include "reports/report_tables.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>

namespace eventify::testing {

std::size_t ReportTable::Column(const std::string& key) const {
  const auto at = std::find(keys.begin(), keys.end(), key);
  BOOST_REQUIRE_MESSAGE(at != keys.end(), "no column " + key);
  return static_cast<std::size_t>(at - keys.begin());
}

const std::vector<std::string>& ReportTable::RowWhere(const std::string& key,
                                                      const std::string& value) const {
  const std::size_t column = Column(key);
  for (const auto& row : rows) {
    if (row.at(column) == value) return row;
  }
  BOOST_FAIL("no row with " + key + " " + value);
  return rows.front();
}

std::int64_t ReportTable::Number(const std::vector<std::string>& row,
                                 const std::string& key) const {
  return std::stoll(row.at(Column(key)));
}

namespace {

std::string JsonCell(const rapidjson::Value& value) {
  if (value.IsInt64()) return std::to_string(value.GetInt64());
  BOOST_REQUIRE(value.IsString());
  return value.GetString();
}

std::vector<std::string> JsonRow(const rapidjson::Value& object,
                                 const std::vector<std::string>& keys) {
  BOOST_REQUIRE(object.IsObject());
  BOOST_REQUIRE_EQUAL(object.MemberCount(), keys.size());
  std::vector<std::string> row;
  for (const std::string& key : keys) {
    BOOST_REQUIRE_MESSAGE(object.HasMember(key.c_str()), "a JSON row lacks " + key);
    row.push_back(JsonCell(object[key.c_str()]));
  }
  return row;
}

}  // namespace

ReportTable ReadTable(ReportFormat format, const std::string& bytes,
                      const std::vector<std::string>& keys_of) {
  ReportTable table;
  if (format == ReportFormat::kJson) {
    rapidjson::Document doc;
    doc.Parse(bytes.data(), bytes.size());
    BOOST_REQUIRE_MESSAGE(!doc.HasParseError(), "the JSON report does not parse");
    for (const auto& key : doc["columns"].GetArray()) table.keys.push_back(key.GetString());
    for (const auto& row : doc["rows"].GetArray()) table.rows.push_back(JsonRow(row, table.keys));
    table.totals = JsonRow(doc["totals"], table.keys);
    return table;
  }
  CsvRows rows;
  if (format == ReportFormat::kCsv) {
    rows = ParseCsv(bytes);
    BOOST_REQUIRE(!rows.empty());
    table.keys = rows.front();
    rows.erase(rows.begin());
  } else {
    BOOST_REQUIRE(format == ReportFormat::kXlsx);
    TempDir dir;
    rows = ReadXlsx(dir.Write("report.xlsx", bytes));
    table.keys = keys_of;
    // The title and `about` lines come first, then a blank line, then the headings.
    const auto blank = std::find_if(rows.begin(), rows.end(), [](const auto& row) {
      return std::all_of(row.begin(), row.end(), [](const auto& cell) { return cell.empty(); });
    });
    BOOST_REQUIRE_MESSAGE(blank != rows.end() && blank + 1 != rows.end(),
                          "the workbook has no heading row");
    const auto headings = blank + 1;
    rows.erase(rows.begin(), headings + 1);
    for (auto& row : rows) row.resize(keys_of.size());  // trailing empty cells are not written
  }
  BOOST_REQUIRE(!rows.empty());
  table.totals = rows.back();
  rows.pop_back();
  table.rows = std::move(rows);
  for (const auto& row : table.rows) BOOST_REQUIRE_EQUAL(row.size(), table.keys.size());
  BOOST_REQUIRE_EQUAL(table.totals.size(), table.keys.size());
  return table;
}

std::string PdfMoney(std::int64_t minor_units) {
  const std::string sign = minor_units < 0 ? "-" : "";
  const std::int64_t magnitude = minor_units < 0 ? -minor_units : minor_units;
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents = "0" + cents;
  return sign + std::to_string(magnitude / 100) + "." + cents;
}

}  // namespace eventify::testing
