// Reading the reports' documents back in the tests: an RFC 4180 CSV parser, files in a temporary
// folder, and the command-line tools that look at a document the way a person's software does
// (pdftotext, pdfinfo, pdftoppm, zbarimg, and read_xlsx.py for workbooks).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace eventify::testing {

using CsvRows = std::vector<std::vector<std::string>>;

// Parses RFC 4180 text (CRLF or LF line ends, quoted fields with doubled quotes). A malformed
// quote fails the test.
CsvRows ParseCsv(const std::string& text);

// A fresh temporary folder, removed with its files when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path Write(const std::string& name, const std::string& bytes) const;

 private:
  std::filesystem::path path_;
};

// Runs `command` through the shell and returns its standard output; a non-zero exit fails the
// test.
std::string RunCommand(const std::string& command);

// The first sheet of an XLSX file as CSV rows (read_xlsx.py).
CsvRows ReadXlsx(const std::filesystem::path& file);
// pdftotext -layout of the whole document.
std::string PdfText(const std::filesystem::path& file);
// Pages, by pdfinfo.
int PdfPages(const std::filesystem::path& file);
// Renders every page to PNG (pdftoppm, 150 dpi) into `dir`, returns the files in page order.
std::vector<std::filesystem::path> RenderPages(const std::filesystem::path& file,
                                               const std::filesystem::path& dir);
// The QR codes zbarimg decodes from a picture, without their type prefix (its stderr, which
// carries D-Bus noise in containers, is dropped; a failure still fails through the exit code).
std::vector<std::string> DecodeQr(const std::filesystem::path& png);

}  // namespace eventify::testing
