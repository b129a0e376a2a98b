#include "reports/ticket_pdf.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <qrencode.h>

#include <memory>
#include <string>

#include "reports/pdf_canvas.h"

namespace eventify::reports {
namespace {

constexpr double kWidth = 420;  // A5 portrait
constexpr double kHeight = 595;
constexpr double kMargin = 36;
constexpr double kQrSide = 220;  // points, quiet zone included
constexpr int kQuietModules = 4;

struct QrFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

// The QR code as black modules on white, with its quiet zone, in a kQrSide square at (x, y).
Status DrawQr(PdfCanvas& canvas, const std::string& text, double x, double y) {
  std::unique_ptr<QRcode, QrFree> code(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!code) return Internal("the ticket's QR code cannot be made");
  const int modules = code->width + 2 * kQuietModules;
  const double module = kQrSide / modules;
  canvas.FillRect(x, y, kQrSide, kQrSide, 1.0);
  for (int row = 0; row < code->width; ++row) {
    for (int col = 0; col < code->width; ++col) {
      if ((code->data[row * code->width + col] & 1) == 0) continue;
      // A hair wider than a module, so that neighbours join without seams in the raster.
      canvas.FillRect(x + (col + kQuietModules) * module, y + (row + kQuietModules) * module,
                      module + 0.05, module + 0.05, 0.0);
    }
  }
  return Status::Ok();
}

std::string When(const Event& event) {
  const auto start = std::chrono::floor<std::chrono::minutes>(event.starts_at);
  const auto end = std::chrono::floor<std::chrono::minutes>(event.ends_at);
  return fmt::format("{:%Y-%m-%d %H:%M} - {:%Y-%m-%d %H:%M} UTC", start, end);
}

}  // namespace

Status RenderTicketPdf(const Booking& booking, const Event& event, std::string_view holder_name,
                       ByteSink& sink) {
  PdfCanvas canvas(sink, kWidth, kHeight);
  const double text_width = kWidth - 2 * kMargin;
  for (std::size_t i = 0; i < booking.tickets.size(); ++i) {
    const Ticket& ticket = booking.tickets[i];
    if (i > 0) canvas.NextPage();
    double y = kMargin + 16;
    canvas.Text(kMargin, y, 9, false, "Eventify ticket");
    y += 24;
    canvas.Text(kMargin, y, 16, true, event.title, text_width);
    y += 20;
    canvas.Text(kMargin, y, 10, false, When(event), text_width);
    y += 14;
    canvas.Text(kMargin, y, 10, false, "Time zone: " + event.time_zone, text_width);
    y += 14;
    canvas.Text(kMargin, y, 10, false, event.venue.empty() ? event.online_url : event.venue,
                text_width);
    y += 24;
    canvas.Text(kMargin, y, 11, false, "Holder: " + std::string(holder_name), text_width);
    y += 16;
    canvas.Text(kMargin, y, 11, false,
                fmt::format("Ticket {} of {} (seats in booking: {})", ticket.seat,
                            booking.tickets.size(), booking.seats),
                text_width);
    y += 16;
    canvas.Text(kMargin, y, 8, false, "Booking " + booking.id, text_width);
    y += 16;
    const Status drawn = DrawQr(canvas, ticket.code, (kWidth - kQrSide) / 2, y);
    if (!drawn.ok()) return drawn;
    y += kQrSide + 14;
    canvas.Text(kMargin, y, 6, false, ticket.code, text_width);
  }
  return canvas.Finish();
}

}  // namespace eventify::reports
