#include <fmt/format.h>

#include "reports/writers.h"

namespace eventify {

std::string_view ReportFormatName(ReportFormat format) {
  switch (format) {
    case ReportFormat::kJson:
      return "json";
    case ReportFormat::kCsv:
      return "csv";
    case ReportFormat::kXlsx:
      return "xlsx";
    case ReportFormat::kPdf:
      return "pdf";
  }
  return "json";
}

Result<ReportFormat> ParseReportFormat(std::string_view name) {
  for (ReportFormat format :
       {ReportFormat::kJson, ReportFormat::kCsv, ReportFormat::kXlsx, ReportFormat::kPdf}) {
    if (ReportFormatName(format) == name) return format;
  }
  return InvalidArgument("invalid_format", "format must be one of json, csv, xlsx, pdf", "format");
}

std::string_view ReportContentType(ReportFormat format) {
  switch (format) {
    case ReportFormat::kJson:
      return "application/json";
    case ReportFormat::kCsv:
      return "text/csv; charset=utf-8";
    case ReportFormat::kXlsx:
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    case ReportFormat::kPdf:
      return "application/pdf";
  }
  return "application/octet-stream";
}

std::unique_ptr<ReportWriter> MakeReportWriter(ReportFormat format, ByteSink& sink,
                                               const ReportWriterOptions& options) {
  switch (format) {
    case ReportFormat::kJson:
      return reports::MakeJsonWriter(sink);
    case ReportFormat::kCsv:
      return reports::MakeCsvWriter(sink);
    case ReportFormat::kXlsx:
      return reports::MakeXlsxWriter(sink, options);
    case ReportFormat::kPdf:
      return reports::MakePdfWriter(sink);
  }
  return reports::MakeJsonWriter(sink);
}

namespace reports {

std::string MinorUnitsText(std::int64_t minor_units) {
  const bool negative = minor_units < 0;
  // Through unsigned arithmetic, so that the most negative value has a magnitude too.
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(minor_units)
                                           : static_cast<std::uint64_t>(minor_units);
  return fmt::format("{}{}.{:02}", negative ? "-" : "", magnitude / 100, magnitude % 100);
}

std::string CellText(const ReportCell& cell) {
  if (const auto* text = std::get_if<std::string>(&cell)) return *text;
  if (const auto* number = std::get_if<std::int64_t>(&cell)) return std::to_string(*number);
  return FormatTimestamp(std::get<Timestamp>(cell));
}

Status WrongCellCount(std::size_t cells, std::size_t columns) {
  return Internal(fmt::format("a report row has {} cells for {} columns", cells, columns));
}

}  // namespace reports
}  // namespace eventify
