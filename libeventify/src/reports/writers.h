// The bundled report writers (eventify/reports.h, MakeReportWriter) and what they share: how a
// cell reads as text. Each writer is in a file of its own; cairo and libxlsxwriter are included
// only by the .cc files that draw with them.
//
// Thread-safety: a writer belongs to the thread writing its report.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "eventify/reports.h"

namespace eventify::reports {

std::unique_ptr<ReportWriter> MakeJsonWriter(ByteSink& sink);
std::unique_ptr<ReportWriter> MakeCsvWriter(ByteSink& sink);
std::unique_ptr<ReportWriter> MakeXlsxWriter(ByteSink& sink, const ReportWriterOptions& options);
std::unique_ptr<ReportWriter> MakePdfWriter(ByteSink& sink);

// "-12.05" for -1205 minor units: two decimals, for people (the PDF).
std::string MinorUnitsText(std::int64_t minor_units);

// The cell as text: strings as they are, integers in decimal (money in minor units), timestamps
// in RFC 3339 (FormatTimestamp).
std::string CellText(const ReportCell& cell);

// Status of a heading/row mismatch: a row must have one cell per column.
Status WrongCellCount(std::size_t cells, std::size_t columns);

}  // namespace eventify::reports
