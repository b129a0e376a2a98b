// PdfCanvas: the little of cairo that the PDF documents draw with (text in one sans-serif face,
// filled rectangles, lines, pages), written to a ByteSink as cairo produces it. Only
// pdf_canvas.cc includes cairo.
//
// Units are PostScript points (1/72 inch), origin top left, y downwards.
// Thread-safety: one canvas belongs to the thread drawing it.
#pragma once

#include <memory>
#include <string_view>

#include "eventify/reports.h"

namespace eventify::reports {

class PdfCanvas {
 public:
  // A document of pages `width` x `height` points written to `sink`, which must outlive it.
  PdfCanvas(ByteSink& sink, double width, double height);
  ~PdfCanvas();
  PdfCanvas(const PdfCanvas&) = delete;
  PdfCanvas& operator=(const PdfCanvas&) = delete;

  double width() const { return width_; }
  double height() const { return height_; }

  // Text with its baseline at y, cut short with "..." to fit max_width (0: no limit).
  void Text(double x, double y, double size, bool bold, std::string_view text,
            double max_width = 0);
  // Text right-aligned to end at x.
  void TextRight(double x, double y, double size, bool bold, std::string_view text);
  double TextWidth(double size, bool bold, std::string_view text);
  void FillRect(double x, double y, double w, double h, double gray);
  void Line(double x1, double y1, double x2, double y2, double gray);
  // Ends the current page and starts the next.
  void NextPage();

  // Ends the last page and the document. The sink's failure if a write failed; kInternal when
  // cairo failed.
  Status Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  double width_;
  double height_;
};

}  // namespace eventify::reports
