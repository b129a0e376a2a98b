#include "support/mail_reader.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace eventify::testing {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Headers up to the first empty line; folded lines are joined with their leading space.
std::map<std::string, std::string> ParseHeaders(std::string_view block) {
  std::map<std::string, std::string> headers;
  std::string last;
  std::size_t start = 0;
  while (start < block.size()) {
    std::size_t end = block.find("\r\n", start);
    if (end == std::string_view::npos) end = block.size();
    const std::string_view line = block.substr(start, end - start);
    start = end + 2;
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      if (last.empty()) throw std::runtime_error("a folded line before any header");
      headers[last] += std::string(line);
      continue;
    }
    const std::size_t colon = line.find(": ");
    if (colon == std::string_view::npos)
      throw std::runtime_error("bad header: " + std::string(line));
    last = std::string(line.substr(0, colon));
    headers[last] = std::string(line.substr(colon + 2));
  }
  return headers;
}

MailPart ParsePart(std::string_view text) {
  const std::size_t split = text.find("\r\n\r\n");
  if (split == std::string_view::npos) throw std::runtime_error("a part without a blank line");
  MailPart part;
  part.headers = ParseHeaders(text.substr(0, split));
  part.body = std::string(text.substr(split + 4));
  if (part.headers["Content-Transfer-Encoding"] == "quoted-printable") {
    part.body = DecodeQuotedPrintable(part.body);
  }
  return part;
}

}  // namespace

ReceivedMail ParseMail(std::string raw) {
  ReceivedMail mail;
  mail.raw = std::move(raw);
  const std::size_t split = mail.raw.find("\r\n\r\n");
  if (split == std::string::npos) throw std::runtime_error("no blank line after the headers");
  mail.headers = ParseHeaders(std::string_view(mail.raw).substr(0, split));
  const std::string& type = mail.headers["Content-Type"];
  const std::string marker = "boundary=\"";
  const std::size_t at = type.find(marker);
  if (type.rfind("multipart/", 0) != 0 || at == std::string::npos) {
    mail.parts.push_back(ParsePart(mail.raw));
    return mail;
  }
  const std::string boundary =
      type.substr(at + marker.size(), type.find('"', at + marker.size()) - at - marker.size());
  const std::string delimiter = "--" + boundary + "\r\n";
  const std::string closing = "\r\n--" + boundary + "--\r\n";
  std::string_view body = std::string_view(mail.raw).substr(split + 4);
  if (body.rfind(delimiter, 0) != 0) throw std::runtime_error("the body does not open a part");
  const std::size_t end = body.find(closing);
  if (end == std::string_view::npos) throw std::runtime_error("no closing delimiter");
  body = body.substr(delimiter.size(), end - delimiter.size());
  const std::string separator = "\r\n" + delimiter;
  std::size_t start = 0;
  while (true) {
    const std::size_t next = body.find(separator, start);
    mail.parts.push_back(ParsePart(body.substr(start, next - start)));
    if (next == std::string_view::npos) break;
    start = next + separator.size();
  }
  return mail;
}

std::string DecodeQuotedPrintable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out.push_back(text[i]);
    } else if (text.substr(i + 1, 2) == "\r\n") {
      i += 2;  // soft line break
    } else {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    }
  }
  return out;
}

SmtpSink SmtpSinkFromEnvironment() {
  auto get = [](const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
      throw std::runtime_error(std::string(name) + " is not set: run under with-smtp-sink.sh");
    }
    return std::string(value);
  };
  SmtpSink sink;
  sink.port = std::stoi(get("EVENTIFY_TEST_SMTP_PORT"));
  sink.starttls_port = std::stoi(get("EVENTIFY_TEST_SMTP_STARTTLS_PORT"));
  sink.smtps_port = std::stoi(get("EVENTIFY_TEST_SMTPS_PORT"));
  sink.late_port = std::stoi(get("EVENTIFY_TEST_SMTP_LATE_PORT"));
  sink.late_trigger = get("EVENTIFY_TEST_SMTP_LATE_TRIGGER");
  sink.ca_file = get("EVENTIFY_TEST_SMTP_CA");
  sink.dir = get("EVENTIFY_TEST_SMTP_DIR");
  sink.user = get("EVENTIFY_TEST_SMTP_USER");
  sink.password = get("EVENTIFY_TEST_SMTP_PASSWORD");
  return sink;
}

void SmtpSink::OpenLatePort() const {
  std::ofstream trigger(late_trigger);
  if (!trigger) throw std::runtime_error("cannot write " + late_trigger.string());
}

ReceivedMail WaitForMail(const std::filesystem::path& dir, const std::string& to,
                         std::set<std::string>& seen) {
  const std::string suffix = "-" + to + ".eml";
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > suffix.size() && name.ends_with(suffix) && seen.count(name) == 0) {
        found.push_back(entry.path());
      }
    }
    if (!found.empty()) {
      const auto first = *std::min_element(found.begin(), found.end());
      seen.insert(first.filename().string());
      ReceivedMail mail = ParseMail(ReadFile(first));
      std::istringstream envelope(
          ReadFile(std::filesystem::path(first).replace_extension(".envelope")));
      std::getline(envelope, mail.envelope_from);
      for (std::string line; std::getline(envelope, line);) mail.envelope_to.push_back(line);
      return mail;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("no e-mail to " + to + " arrived in " + dir.string());
}

}  // namespace eventify::testing
