// The XLSX report writer, on libxlsxwriter in constant-memory mode: each row goes to the
// library's temporary file as it comes; at Finish the workbook is assembled into a temporary
// file of ours, which is then copied to the sink in chunks and removed.
#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/status_macros.h"
#include "reports/writers.h"

namespace eventify::reports {
namespace {

Status XlsxFailed(std::string_view what, lxw_error error) {
  return Internal(std::string("XLSX rendering failed: ") + std::string(what) + ": " +
                  lxw_strerror(error));
}

class XlsxWriter final : public ReportWriter {
 public:
  XlsxWriter(ByteSink& sink, const ReportWriterOptions& options)
      : sink_(sink), temp_dir_(options.temp_dir) {}

  ~XlsxWriter() override {
    if (workbook_ != nullptr) workbook_close(workbook_);  // writes the file, which goes below
    RemoveFile();
  }

  Status Begin(const ReportHeading& heading) override {
    std::error_code error;
    const std::string dir =
        temp_dir_.empty() ? std::filesystem::temp_directory_path(error).string() : temp_dir_;
    std::string pattern = dir + "/eventify-report-XXXXXX";
    const int fd = mkstemp(pattern.data());
    if (fd < 0) return Internal("XLSX rendering failed: cannot create a temporary file in " + dir);
    close(fd);
    path_ = pattern;
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    options.tmpdir = temp_dir_.empty() ? nullptr : temp_dir_.data();
    workbook_ = workbook_new_opt(path_.c_str(), &options);
    if (workbook_ == nullptr) return Internal("XLSX rendering failed: cannot start a workbook");
    sheet_ = workbook_add_worksheet(workbook_, "Report");
    bold_ = workbook_add_format(workbook_);
    format_set_bold(bold_);
    columns_ = heading.columns.size();
    for (lxw_col_t c = 0; c < columns_; ++c) {
      worksheet_set_column(sheet_, c, c,
                           heading.columns[c].type == ReportColumnType::kText ? 30 : 16, nullptr);
    }
    Status written = Text(0, heading.title, bold_);
    for (const auto& [key, value] : heading.about) {
      ++row_;
      if (written.ok()) written = Text(0, key, nullptr);
      if (written.ok()) written = Text(1, value, nullptr);
    }
    row_ += 2;
    for (lxw_col_t c = 0; c < columns_ && written.ok(); ++c) {
      written = Text(c, heading.columns[c].title, bold_);
    }
    return written;
  }

  Status Row(std::span<const ReportCell> cells) override { return Cells(cells, nullptr); }

  Status Finish(std::span<const ReportCell> totals) override {
    EV_RETURN_IF_ERROR(Cells(totals, bold_));
    const lxw_error closed = workbook_close(workbook_);
    workbook_ = nullptr;
    if (closed != LXW_NO_ERROR) return XlsxFailed("closing the workbook", closed);
    std::ifstream file(path_, std::ios::binary);
    if (!file) return Internal("XLSX rendering failed: the workbook file cannot be read");
    std::string chunk(64 * 1024, '\0');
    while (file) {
      file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      const auto got = static_cast<std::size_t>(file.gcount());
      if (got == 0) break;
      const Status written = sink_.Write({chunk.data(), got});
      if (!written.ok()) return written;
    }
    RemoveFile();
    return Status::Ok();
  }

 private:
  Status Cells(std::span<const ReportCell> cells, lxw_format* format) {
    if (workbook_ == nullptr) return Internal("XLSX rendering failed: no workbook");
    if (cells.size() != columns_) return WrongCellCount(cells.size(), columns_);
    ++row_;
    for (lxw_col_t c = 0; c < columns_; ++c) {
      if (const auto* number = std::get_if<std::int64_t>(&cells[c])) {
        const lxw_error error =
            worksheet_write_number(sheet_, row_, c, static_cast<double>(*number), format);
        if (error != LXW_NO_ERROR) return XlsxFailed("writing a number", error);
      } else {
        EV_RETURN_IF_ERROR(Text(c, CellText(cells[c]), format));
      }
    }
    return Status::Ok();
  }

  Status Text(lxw_col_t column, const std::string& text, lxw_format* format) {
    if (text.empty()) return Status::Ok();
    const lxw_error error = worksheet_write_string(sheet_, row_, column, text.c_str(), format);
    if (error != LXW_NO_ERROR) return XlsxFailed("writing text", error);
    return Status::Ok();
  }

  void RemoveFile() {
    if (!path_.empty()) std::remove(path_.c_str());
    path_.clear();
  }

  ByteSink& sink_;
  std::string temp_dir_;
  std::string path_;
  lxw_workbook* workbook_ = nullptr;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_col_t columns_ = 0;
  lxw_row_t row_ = 0;
};

}  // namespace

std::unique_ptr<ReportWriter> MakeXlsxWriter(ByteSink& sink, const ReportWriterOptions& options) {
  return std::make_unique<XlsxWriter>(sink, options);
}

}  // namespace eventify::reports
