#include "reports/pdf_canvas.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <string>

namespace eventify::reports {

struct PdfCanvas::Impl {
  ByteSink* sink = nullptr;
  Status sink_status;
  cairo_surface_t* surface = nullptr;
  cairo_t* cr = nullptr;
  bool finished = false;

  static cairo_status_t Write(void* closure, const unsigned char* data, unsigned int length) {
    auto* self = static_cast<Impl*>(closure);
    if (!self->sink_status.ok()) return CAIRO_STATUS_WRITE_ERROR;
    self->sink_status =
        self->sink->Write({reinterpret_cast<const char*>(data), static_cast<std::size_t>(length)});
    return self->sink_status.ok() ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
  }

  void Font(double size, bool bold) {
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
  }

  double Width(std::string_view text) {
    const std::string owned(text);
    cairo_text_extents_t extents;
    cairo_text_extents(cr, owned.c_str(), &extents);
    return extents.x_advance;
  }
};

PdfCanvas::PdfCanvas(ByteSink& sink, double width, double height)
    : impl_(std::make_unique<Impl>()), width_(width), height_(height) {
  impl_->sink = &sink;
  impl_->surface = cairo_pdf_surface_create_for_stream(&Impl::Write, impl_.get(), width, height);
  impl_->cr = cairo_create(impl_->surface);
}

PdfCanvas::~PdfCanvas() {
  cairo_destroy(impl_->cr);
  cairo_surface_destroy(impl_->surface);
}

void PdfCanvas::Text(double x, double y, double size, bool bold, std::string_view text,
                     double max_width) {
  impl_->Font(size, bold);
  std::string shown(text);
  if (max_width > 0 && impl_->Width(shown) > max_width) {
    // Drop whole UTF-8 characters from the end until it fits with the ellipsis.
    while (!shown.empty() && impl_->Width(shown + "...") > max_width) {
      unsigned char last = 0;
      do {  // one whole character: its continuation bytes, then its first byte
        last = static_cast<unsigned char>(shown.back());
        shown.pop_back();
      } while (!shown.empty() && (last & 0xC0) == 0x80);
    }
    shown += "...";
  }
  cairo_set_source_rgb(impl_->cr, 0, 0, 0);
  cairo_move_to(impl_->cr, x, y);
  cairo_show_text(impl_->cr, shown.c_str());
}

void PdfCanvas::TextRight(double x, double y, double size, bool bold, std::string_view text) {
  Text(x - TextWidth(size, bold, text), y, size, bold, text);
}

double PdfCanvas::TextWidth(double size, bool bold, std::string_view text) {
  impl_->Font(size, bold);
  return impl_->Width(text);
}

void PdfCanvas::FillRect(double x, double y, double w, double h, double gray) {
  cairo_set_source_rgb(impl_->cr, gray, gray, gray);
  cairo_rectangle(impl_->cr, x, y, w, h);
  cairo_fill(impl_->cr);
}

void PdfCanvas::Line(double x1, double y1, double x2, double y2, double gray) {
  cairo_set_source_rgb(impl_->cr, gray, gray, gray);
  cairo_set_line_width(impl_->cr, 0.5);
  cairo_move_to(impl_->cr, x1, y1);
  cairo_line_to(impl_->cr, x2, y2);
  cairo_stroke(impl_->cr);
}

void PdfCanvas::NextPage() { cairo_show_page(impl_->cr); }

Status PdfCanvas::Finish() {
  if (impl_->finished) return impl_->sink_status;
  impl_->finished = true;
  cairo_show_page(impl_->cr);
  cairo_surface_finish(impl_->surface);
  if (!impl_->sink_status.ok()) return impl_->sink_status;
  const cairo_status_t status = cairo_surface_status(impl_->surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return Internal(std::string("PDF rendering failed: ") + cairo_status_to_string(status));
  }
  return Status::Ok();
}

}  // namespace eventify::reports
