// A rendered report read back as a table of text cells, whatever its format, so that one check
// covers JSON, CSV and XLSX alike.
#pragma once

#include <string>
#include <vector>

#include "eventify/reports.h"
#include "reports/documents.h"

namespace eventify::testing {

struct ReportTable {
  std::vector<std::string> keys;               // the column keys, in order
  std::vector<std::vector<std::string>> rows;  // cells as text, in column order
  std::vector<std::string> totals;

  std::size_t Column(const std::string& key) const;
  // The row whose `key` cell is `value`; fails the test when there is none.
  const std::vector<std::string>& RowWhere(const std::string& key, const std::string& value) const;
  std::int64_t Number(const std::vector<std::string>& row, const std::string& key) const;
};

// `bytes` of `format` (JSON, CSV or XLSX) as a table. For XLSX, whose headings are titles, the
// keys are taken from `keys_of` (the CSV of the same report).
ReportTable ReadTable(ReportFormat format, const std::string& bytes,
                      const std::vector<std::string>& keys_of = {});

// "12.05" for 1205: how the PDF shows money.
std::string PdfMoney(std::int64_t minor_units);

}  // namespace eventify::testing
