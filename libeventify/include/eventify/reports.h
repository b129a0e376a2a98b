// Reports and printable tickets: an organizer's sales per event and the admin's financial report
// over a date range, each rendered as JSON, CSV, XLSX or PDF, and a PDF ticket per booking with a
// QR code of each ticket's signed code. docs/reports.md has the columns, the formats and examples.
//
// Figures (the same definitions as the dashboards'): over the range [from, until), an event's
//   gross      = the posted booking payments into its escrow account (TransferKind::kDebit),
//   refunds    = the posted kRefund transfers out of the escrow,
//   commission = the posted kCommission transfers out of the escrow to platform revenue,
//   net        = gross - refunds - commission,
//   bookings, seats sold = the confirmed (paid) bookings confirmed in the range and their seats,
//   refunded bookings = the bookings cancelled with a refund in the range.
// A transfer counts at its creation instant. Amounts are integers in minor units of the platform
// currency in JSON, CSV and XLSX (exact); the PDF shows them with two decimals for people.
//
// Large reports: rows come from the storage a page at a time (ReportsOptions::page_size) and go
// straight into the writer, which passes bytes on to its ByteSink as it goes (the XLSX writer
// through a temporary file in libxlsxwriter's constant-memory mode; the PDF writer page by page),
// so a report is never held whole in memory by the library.
//
// Writers: MakeReportWriter makes the bundled ones; a host adds a format by implementing
// ReportWriter and passing it to OrganizerSales or Financial.
//
// Who: an organizer reads their own sales, an admin any organizer's and the financial report;
// attendees neither. A ticket is printed by the booking's buyer only.
//
// Ownership: Reports::Open borrows the engine, which must outlive the Reports; writers borrow
// their sink. Thread-safety: Reports may be used from any number of threads at once; a
// ReportWriter and a ByteSink belong to the thread writing the report. Calls block on storage and
// rendering, so never call them on a network I/O thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

class Engine;

// ---- Output ----------------------------------------------------------------------------------

// Where a rendered document goes, a chunk at a time, in order.
class EVENTIFY_EXPORT ByteSink {
 public:
  virtual ~ByteSink() = default;
  // A failure stops the rendering and is returned by the call that renders.
  virtual Status Write(std::string_view bytes) = 0;
};

// A ByteSink that appends to a string it owns (small documents, tests).
class EVENTIFY_EXPORT StringSink final : public ByteSink {
 public:
  Status Write(std::string_view bytes) override {
    text_.append(bytes);
    return Status::Ok();
  }
  const std::string& text() const { return text_; }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

enum class ReportFormat : int { kJson, kCsv, kXlsx, kPdf };
// "json", "csv", "xlsx", "pdf"
EVENTIFY_EXPORT std::string_view ReportFormatName(ReportFormat format);
// Errors: kInvalidArgument invalid_format (field "format").
EVENTIFY_EXPORT Result<ReportFormat> ParseReportFormat(std::string_view name);
// "application/json", "text/csv; charset=utf-8", the XLSX and PDF media types.
EVENTIFY_EXPORT std::string_view ReportContentType(ReportFormat format);

// ---- The writer interface ----------------------------------------------------------------------

enum class ReportColumnType : int {
  kText,       // a std::string cell
  kInteger,    // a std::int64_t cell
  kMoney,      // a std::int64_t cell: minor units of the report's currency
  kTimestamp,  // a Timestamp cell
};

struct ReportColumn {
  std::string key;    // machine name: JSON member, CSV header ("gross")
  std::string title;  // for people: XLSX and PDF headings ("Gross")
  ReportColumnType type = ReportColumnType::kText;
};

// A cell holds the alternative its column's type names (an empty string in a totals row's
// columns that have no total).
using ReportCell = std::variant<std::string, std::int64_t, Timestamp>;

struct ReportHeading {
  std::string kind;   // "organizer_sales", "financial"
  std::string title;  // "Sales by event"
  // What the report is about, in order: ("organizer_id", ...), ("from", ...), ("until", ...),
  // ("generated_at", ...).
  std::vector<std::pair<std::string, std::string>> about;
  std::vector<ReportColumn> columns;
};

// Renders one report: Begin once, Row per row, then Finish once with the totals row; every call
// has one cell per column. A failed call ends the report (the document is incomplete).
class EVENTIFY_EXPORT ReportWriter {
 public:
  virtual ~ReportWriter() = default;
  virtual Status Begin(const ReportHeading& heading) = 0;
  virtual Status Row(std::span<const ReportCell> cells) = 0;
  virtual Status Finish(std::span<const ReportCell> totals) = 0;
};

struct ReportWriterOptions {
  // Where the XLSX writer keeps its temporary files; empty: the system's temporary directory.
  std::string temp_dir;
};

// The bundled writers:
//  JSON: {"report": kind, "title", the `about` members, "columns": [keys], "rows": [{key: value}],
//        "totals": {...}}; money and integers as JSON integers, timestamps as RFC 3339 text.
//  CSV:  RFC 4180 (CRLF, fields quoted when they hold a comma, quote, CR or LF, quotes doubled);
//        a header line of keys, the rows, then the totals row. A text cell that a spreadsheet
//        would take for a formula (starting with =, +, -, @, a tab or CR) is prefixed with an
//        apostrophe. Money in minor units.
//  XLSX: one sheet: the title and `about` lines, the headings, the rows, the totals; numbers as
//        numbers (money in minor units), timestamps as text. Constant-memory mode.
//  PDF:  A4 landscape pages, the title and `about` on the first, the headings on each, money
//        with two decimals, times to the minute in UTC, text cut to its column with "...", page
//        numbers, the totals last.
// Errors (from the writer's calls): kInternal when rendering fails; the sink's failures.
EVENTIFY_EXPORT std::unique_ptr<ReportWriter> MakeReportWriter(
    ReportFormat format, ByteSink& sink, const ReportWriterOptions& options = {});

// ---- The service -----------------------------------------------------------------------------

// [from, until): from inclusive, until exclusive.
struct ReportRange {
  Timestamp from;
  Timestamp until;
};

struct ReportsOptions {
  int page_size = 500;  // rows read from the storage at a time: 1-10000
  ReportWriterOptions writer;
};

class EVENTIFY_EXPORT Reports {
 public:
  // Errors: kInvalidArgument invalid_reports_options (page_size); kFailedPrecondition
  // storage_lacks_area (the engine's storage does not Support spi::ReportStore; field
  // "storage").
  static Result<std::unique_ptr<Reports>> Open(Engine& engine, ReportsOptions options = {});

  virtual ~Reports() = default;

  // The organizer's events that ever sold (approved, completed or cancelled), by start time,
  // with their figures over the range, into `out`; columns: event_id, title, starts_at, status,
  // bookings, seats_sold, refunded_bookings, gross, refunds, commission, net, currency. The
  // totals row (title "Total") adds them up. Permission and the range are checked before
  // anything is written.
  // Errors: kPermissionDenied forbidden (an attendee; an organizer asking for another's);
  // kInvalidArgument invalid_range (field "until": not after from), invalid_organizer_id (field
  // "organizer_id": empty, checked before the permission); the writer's failures; storage
  // failures.
  virtual Status OrganizerSales(const Principal& caller, std::string_view organizer_id,
                                const ReportRange& range, ReportWriter& out) = 0;

  // Admins: every posted booking payment, refund, commission, settlement and withdrawal over
  // the range, oldest first (by creation, then id); columns: created_at, kind ("booking",
  // "refund", "commission", "settlement", "withdrawal"), transfer_id, event_id (empty for
  // withdrawals), party_id (the buyer, the organizer or the withdrawing user; empty for
  // commission), reference, then one money column per kind (booking_payments, refunds,
  // commission, settlements, withdrawals) of which each row fills its own kind's, so that the
  // totals row (kind "total") sums each kind exactly. Both reports end every row with the
  // currency (column "currency").
  // Errors: kPermissionDenied forbidden (not an admin); kInvalidArgument invalid_range; the
  // writer's failures; storage failures.
  virtual Status Financial(const Principal& caller, const ReportRange& range,
                           ReportWriter& out) = 0;

  // The printable ticket of the caller's booking: a PDF with one page per ticket (the event, its
  // start, venue or link, the holder's name, the seat and the booking's seat count, and a QR
  // code holding the ticket's signed code, the text Bookings::CheckIn takes).
  // Errors: kNotFound booking_not_found (unknown or another's); kFailedPrecondition
  // booking_unpaid (held or expired), booking_cancelled, event_cancelled, event_ended (the
  // event's end has passed); kNotFound user_not_found (the holder's account is gone); kInternal
  // when rendering fails; the sink's failures.
  virtual Status TicketPdf(const Principal& holder, std::string_view booking_id, ByteSink& out) = 0;
};

}  // namespace eventify
