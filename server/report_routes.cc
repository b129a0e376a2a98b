#include "report_routes.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "authentication.h"
#include "eventify/reports.h"
#include "http_errors.h"
#include "query_params.h"

namespace eventify::server {
namespace {

// This server answers with whole bodies (docs/http.md), so a download is collected in memory up
// to this size and refused beyond it; the library itself streams (eventify/reports.h).
constexpr std::size_t kMaxDownloadBytes = 32 * 1024 * 1024;

class CappedSink final : public ByteSink {
 public:
  Status Write(std::string_view bytes) override {
    if (body_.size() + bytes.size() > kMaxDownloadBytes) {
      return Status(StatusCode::kPayloadTooLarge, "report_too_large",
                    fmt::format("the report is larger than {} MiB: ask for a shorter range",
                                kMaxDownloadBytes / (1024 * 1024)));
    }
    body_.append(bytes);
    return Status::Ok();
  }
  std::string Take() { return std::move(body_); }

 private:
  std::string body_;
};

// A required timestamp parameter. Errors: kInvalidArgument missing_<name>, invalid_timestamp.
Status ReadRequiredTimestamp(const ApiRequest& request, std::string_view name, Timestamp& out) {
  std::optional<Timestamp> read;
  if (Status status = ReadTimestampQuery(request, name, read); !status.ok()) return status;
  if (!read) {
    return InvalidArgument("missing_" + std::string(name),
                           fmt::format("'{}' is required (RFC 3339)", name), std::string(name));
  }
  out = *read;
  return Status::Ok();
}

// ?from=&until=&format= (format defaults to json).
Status ReadReportQuery(const ApiRequest& request, ReportRange& range, ReportFormat& format) {
  if (Status read = ReadRequiredTimestamp(request, "from", range.from); !read.ok()) return read;
  if (Status read = ReadRequiredTimestamp(request, "until", range.until); !read.ok()) return read;
  format = ReportFormat::kJson;
  if (const auto name = request.query("format")) {
    auto parsed = ParseReportFormat(*name);
    if (!parsed.ok()) return parsed.status();
    format = *parsed;
  }
  return Status::Ok();
}

ApiResponse Download(std::string body, std::string_view content_type, std::string filename) {
  ApiResponse response{200, std::string(content_type), std::move(body), {}};
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"" + std::move(filename) + "\"");
  return response;
}

std::string DateOf(Timestamp at) { return FormatTimestamp(at).substr(0, 10); }

class ReportRoutes {
 public:
  ReportRoutes(Engine& engine, std::unique_ptr<Reports> reports)
      : accounts_(engine.accounts()), reports_(std::move(reports)) {}

  // GET /api/v1/reports/organizer-sales: the caller's own, or (admins) ?organizer_id=.
  ApiResponse OrganizerSales(const ApiRequest& request) {
    return Report(
        request, "organizer-sales",
        [&](const Principal& caller, const ReportRange& range, ReportWriter& out) {
          const std::string organizer_id(request.query("organizer_id").value_or(caller.user_id));
          return reports_->OrganizerSales(caller, organizer_id, range, out);
        });
  }

  // GET /api/v1/reports/financial: admins.
  ApiResponse Financial(const ApiRequest& request) {
    return Report(request, "financial",
                  [&](const Principal& caller, const ReportRange& range, ReportWriter& out) {
                    return reports_->Financial(caller, range, out);
                  });
  }

  // GET /api/v1/bookings/{id}/ticket.pdf: the buyer's printable tickets.
  ApiResponse Ticket(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    CappedSink sink;
    const Status done = reports_->TicketPdf(*principal, params.at(0), sink);
    if (!done.ok()) return ErrorResponse(done);
    return Download(sink.Take(), ReportContentType(ReportFormat::kPdf),
                    "ticket-" + params.at(0) + ".pdf");
  }

 private:
  // Authenticates, reads ?from=&until=&format=, renders with `render` and answers the download
  // "<name>-<from date>-<until date>.<format>".
  template <typename Render>
  ApiResponse Report(const ApiRequest& request, std::string_view name, Render&& render) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    ReportRange range;
    ReportFormat format;
    if (Status read = ReadReportQuery(request, range, format); !read.ok()) {
      return ErrorResponse(read);
    }
    CappedSink sink;
    const auto writer = MakeReportWriter(format, sink);
    const Status done = render(*principal, range, *writer);
    if (!done.ok()) return ErrorResponse(done);
    return Download(sink.Take(), ReportContentType(format),
                    fmt::format("{}-{}-{}.{}", name, DateOf(range.from), DateOf(range.until),
                                ReportFormatName(format)));
  }

  Accounts& accounts_;
  std::unique_ptr<Reports> reports_;
};

}  // namespace

Status AddReportRoutes(Router& router, Engine& engine) {
  auto reports = Reports::Open(engine);
  if (!reports.ok()) return reports.status();
  auto routes = std::make_shared<ReportRoutes>(engine, std::move(reports).value());
  router.Add("GET", "/api/v1/reports/organizer-sales",
             Handler(routes, &ReportRoutes::OrganizerSales));
  router.Add("GET", "/api/v1/reports/financial", Handler(routes, &ReportRoutes::Financial));
  router.Add("GET", "/api/v1/bookings/{}/ticket.pdf", Handler(routes, &ReportRoutes::Ticket));
  return Status::Ok();
}

}  // namespace eventify::server
