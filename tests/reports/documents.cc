#include "reports/documents.h"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace eventify::testing {

CsvRows ParseCsv(const std::string& text) {
  CsvRows rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
      continue;
    }
    any = true;
    if (c == '"') {
      BOOST_REQUIRE_MESSAGE(field.empty(), "a quote inside an unquoted CSV field");
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      field.push_back(c);
    }
  }
  BOOST_REQUIRE_MESSAGE(!quoted, "an unterminated quoted CSV field");
  if (any) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "eventify-reports-XXXXXX").string();
  BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::Write(const std::string& name, const std::string& bytes) const {
  const std::filesystem::path file = path_ / name;
  std::ofstream out(file, std::ios::binary);
  out << bytes;
  BOOST_REQUIRE(out.good());
  return file;
}

std::string RunCommand(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  BOOST_REQUIRE_MESSAGE(pipe != nullptr, "cannot run " + command);
  std::string out;
  std::array<char, 4096> buffer{};
  while (const std::size_t got = fread(buffer.data(), 1, buffer.size(), pipe)) {
    out.append(buffer.data(), got);
  }
  const int status = pclose(pipe);
  BOOST_REQUIRE_MESSAGE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                        "failed (" + std::to_string(status) + "): " + command);
  return out;
}

namespace {
std::string Quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }
}  // namespace

CsvRows ReadXlsx(const std::filesystem::path& file) {
  return ParseCsv(RunCommand("/usr/bin/python3 " EVENTIFY_READ_XLSX " " + Quoted(file)));
}

std::string PdfText(const std::filesystem::path& file) {
  return RunCommand("pdftotext -layout " + Quoted(file) + " -");
}

int PdfPages(const std::filesystem::path& file) {
  std::istringstream info(RunCommand("pdfinfo " + Quoted(file)));
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("Pages:", 0) == 0) return std::stoi(line.substr(6));
  }
  BOOST_FAIL("pdfinfo names no page count");
  return 0;
}

std::vector<std::filesystem::path> RenderPages(const std::filesystem::path& file,
                                               const std::filesystem::path& dir) {
  RunCommand("pdftoppm -r 150 -png " + Quoted(file) + " " + Quoted(dir / "page"));
  std::vector<std::filesystem::path> pages;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("page", 0) == 0 && entry.path().extension() == ".png") {
      pages.push_back(entry.path());
    }
  }
  std::sort(pages.begin(), pages.end());
  return pages;
}

std::vector<std::string> DecodeQr(const std::filesystem::path& png) {
  std::istringstream out(RunCommand("zbarimg --quiet --raw " + Quoted(png) + " 2>/dev/null"));
  std::vector<std::string> codes;
  for (std::string line; std::getline(out, line);) {
    if (!line.empty()) codes.push_back(line);
  }
  return codes;
}

}  // namespace eventify::testing
