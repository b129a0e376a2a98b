// The PDF report writer: A4 landscape pages drawn with PdfCanvas as rows come, the column
// headings repeated on each page, money with two decimals, times to the minute in UTC.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <vector>

#include "reports/pdf_canvas.h"
#include "reports/writers.h"

namespace eventify::reports {
namespace {

constexpr double kPageWidth = 842;  // A4 landscape
constexpr double kPageHeight = 595;
constexpr double kMargin = 36;
constexpr double kFontSize = 7.5;
constexpr double kRowHeight = 12;

double Weight(ReportColumnType type) {
  switch (type) {
    case ReportColumnType::kText:
      return 2.5;
    case ReportColumnType::kTimestamp:
      return 2.7;
    case ReportColumnType::kInteger:
      return 1.3;
    case ReportColumnType::kMoney:
      return 1.9;
  }
  return 1.0;
}

bool RightAligned(ReportColumnType type) {
  return type == ReportColumnType::kInteger || type == ReportColumnType::kMoney;
}

class PdfWriter final : public ReportWriter {
 public:
  explicit PdfWriter(ByteSink& sink) : canvas_(sink, kPageWidth, kPageHeight) {}

  Status Begin(const ReportHeading& heading) override {
    columns_ = heading.columns;
    const double usable = kPageWidth - 2 * kMargin;
    double total = 0;
    for (const ReportColumn& column : columns_) total += Weight(column.type);
    double x = kMargin;
    for (const ReportColumn& column : columns_) {
      const double w = usable * Weight(column.type) / total;
      left_.push_back(x);
      width_.push_back(w);
      x += w;
    }
    y_ = kMargin + 14;
    canvas_.Text(kMargin, y_, 14, true, heading.title);
    y_ += 8;
    for (const auto& [key, value] : heading.about) {
      y_ += kRowHeight;
      canvas_.Text(kMargin, y_, 9, false, key + ": " + value);
    }
    y_ += kRowHeight;
    Headings();
    return Status::Ok();
  }

  Status Row(std::span<const ReportCell> cells) override {
    if (cells.size() != columns_.size()) return WrongCellCount(cells.size(), columns_.size());
    Line(cells, false);
    return Status::Ok();
  }

  Status Finish(std::span<const ReportCell> totals) override {
    if (totals.size() != columns_.size()) return WrongCellCount(totals.size(), columns_.size());
    canvas_.Line(kMargin, y_ + 3, kPageWidth - kMargin, y_ + 3, 0);
    Line(totals, true);
    Footer();
    return canvas_.Finish();
  }

 private:
  void Headings() {
    y_ += kRowHeight;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      Cell(i, columns_[i].title, true);
    }
    canvas_.Line(kMargin, y_ + 3, kPageWidth - kMargin, y_ + 3, 0);
  }

  void Line(std::span<const ReportCell> cells, bool bold) {
    if (y_ + kRowHeight > kPageHeight - kMargin - kRowHeight) {
      Footer();
      canvas_.NextPage();
      ++page_;
      y_ = kMargin;
      Headings();
    }
    y_ += kRowHeight;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const auto* number = std::get_if<std::int64_t>(&cells[i]);
      const auto* at = std::get_if<Timestamp>(&cells[i]);
      if (number != nullptr && columns_[i].type == ReportColumnType::kMoney) {
        Cell(i, MinorUnitsText(*number), bold);
      } else if (at != nullptr) {
        // For people: to the minute, in UTC (the heading's range says so).
        Cell(i, fmt::format("{:%Y-%m-%d %H:%M}", std::chrono::floor<std::chrono::minutes>(*at)),
             bold);
      } else {
        Cell(i, CellText(cells[i]), bold);
      }
    }
  }

  void Cell(std::size_t i, const std::string& text, bool bold) {
    const double pad = 3;
    if (RightAligned(columns_[i].type)) {
      canvas_.TextRight(left_[i] + width_[i] - pad, y_, kFontSize, bold, text);
    } else {
      canvas_.Text(left_[i], y_, kFontSize, bold, text, width_[i] - pad);
    }
  }

  void Footer() {
    canvas_.TextRight(kPageWidth - kMargin, kPageHeight - kMargin / 2, 8, false,
                      fmt::format("Page {}", page_));
  }

  PdfCanvas canvas_;
  std::vector<ReportColumn> columns_;
  std::vector<double> left_;
  std::vector<double> width_;
  double y_ = 0;
  int page_ = 1;
};

}  // namespace

std::unique_ptr<ReportWriter> MakePdfWriter(ByteSink& sink) {
  return std::make_unique<PdfWriter>(sink);
}

}  // namespace eventify::reports
