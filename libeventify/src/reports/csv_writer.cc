// The CSV report writer: RFC 4180, with text that a spreadsheet would run as a formula defused.
#include "reports/writers.h"

namespace eventify::reports {
namespace {

// Spreadsheets run a cell starting with one of these as a formula ("=HYPERLINK(...)"); an
// apostrophe in front makes it text. Only text cells: numbers are written by the report itself.
bool LooksLikeFormula(std::string_view text) {
  return !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                           text[0] == '\t' || text[0] == '\r');
}

void AppendField(std::string& line, std::string_view value) {
  const bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    line.append(value);
    return;
  }
  line.push_back('"');
  for (char c : value) {
    if (c == '"') line.push_back('"');
    line.push_back(c);
  }
  line.push_back('"');
}

class CsvWriter final : public ReportWriter {
 public:
  explicit CsvWriter(ByteSink& sink) : sink_(sink) {}

  Status Begin(const ReportHeading& heading) override {
    columns_ = heading.columns.size();
    std::string line;
    for (std::size_t i = 0; i < heading.columns.size(); ++i) {
      if (i > 0) line.push_back(',');
      AppendField(line, heading.columns[i].key);
    }
    line += "\r\n";
    return sink_.Write(line);
  }

  Status Row(std::span<const ReportCell> cells) override { return Line(cells); }
  Status Finish(std::span<const ReportCell> totals) override { return Line(totals); }

 private:
  Status Line(std::span<const ReportCell> cells) {
    if (cells.size() != columns_) return WrongCellCount(cells.size(), columns_);
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line.push_back(',');
      if (const auto* text = std::get_if<std::string>(&cells[i])) {
        AppendField(line, LooksLikeFormula(*text) ? "'" + *text : *text);
      } else {
        AppendField(line, CellText(cells[i]));
      }
    }
    line += "\r\n";
    return sink_.Write(line);
  }

  ByteSink& sink_;
  std::size_t columns_ = 0;
};

}  // namespace

std::unique_ptr<ReportWriter> MakeCsvWriter(ByteSink& sink) {
  return std::make_unique<CsvWriter>(sink);
}

}  // namespace eventify::reports
