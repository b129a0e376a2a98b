#include "http_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace eventify::server {
namespace {

constexpr std::size_t kMaxMethodBytes = 32;
constexpr std::size_t kMaxChunkLineBytes = 1024;  // hex size plus chunk extensions

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// RFC 9110 section 5.6.2: tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

// Field values may hold visible characters, spaces, tabs and obs-text, never other controls.
bool IsFieldValue(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = LowerAscii(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Splits a comma-separated header list into trimmed, lower-cased, non-empty elements.
std::vector<std::string> ListElements(const std::vector<std::string_view>& values) {
  std::vector<std::string> elements;
  for (std::string_view value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t end = value.find(',', start);
      if (end == std::string_view::npos) end = value.size();
      const std::string_view element = TrimSpaces(value.substr(start, end - start));
      if (!element.empty()) elements.push_back(AsciiLower(element));
      start = end + 1;
    }
  }
  return elements;
}

HttpError BadRequest(std::string message) { return HttpError{400, "bad_request", message}; }

// Splits `bytes` into lines ending in CRLF or a bare LF (RFC 9112 section 2.2 allows both).
// A bare CR inside a line is refused by the callers' character checks.
std::vector<std::string_view> SplitLines(std::string_view bytes) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < bytes.size()) {
    std::size_t end = bytes.find('\n', start);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view line = bytes.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::optional<HttpError> ParseRequestLine(std::string_view line, RequestHead& head) {
  const std::size_t first = line.find(' ');
  const std::size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last) {
    return BadRequest("the request line must be METHOD TARGET HTTP/1.x");
  }
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, last - first - 1);
  const std::string_view version = line.substr(last + 1);
  if (!IsToken(method) || method.size() > kMaxMethodBytes) {
    return BadRequest("the request method is not a valid token");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return BadRequest("the request line must end with HTTP/1.0 or HTTP/1.1");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return HttpError{505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served"};
  }
  head.minor_version = version[7] - '0';
  if (target.empty() || target.front() != '/' ||
      std::any_of(target.begin(), target.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u >= 0x7f;
      })) {
    return BadRequest("the request target must be a path starting with '/'");
  }
  head.method = std::string(method);
  head.target = std::string(target);
  const std::size_t question = target.find('?');
  auto path = PercentDecode(target.substr(0, question), false);
  if (!path || path->find('\0') != std::string::npos) {
    return BadRequest("the request path is not valid percent-encoding");
  }
  head.path = std::move(*path);
  if (question != std::string_view::npos) {
    auto query = ParseQuery(target.substr(question + 1));
    if (!query) return BadRequest("the query string is not valid percent-encoding");
    head.query = std::move(*query);
  }
  return std::nullopt;
}

// Content-Length: 1*DIGIT (RFC 9110 section 8.6); several fields must agree.
std::optional<HttpError> ParseContentLength(const std::vector<std::string_view>& values,
                                            const HttpLimits& limits, RequestHead& head) {
  std::optional<std::uint64_t> length;
  for (std::string_view value : values) {
    if (value.empty() || value.size() > 19 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return BadRequest("Content-Length must be a non-negative decimal number");
    }
    std::uint64_t parsed = 0;
    for (char c : value) parsed = parsed * 10 + static_cast<std::uint64_t>(c - '0');
    if (length && *length != parsed) return BadRequest("conflicting Content-Length headers");
    length = parsed;
  }
  if (*length > limits.max_body_bytes) {
    return HttpError{413, "payload_too_large",
                     fmt::format("the body is larger than {} bytes", limits.max_body_bytes)};
  }
  head.framing = *length == 0 ? BodyFraming::kNone : BodyFraming::kContentLength;
  head.content_length = *length;
  return std::nullopt;
}

std::optional<HttpError> CheckFraming(const HttpLimits& limits, RequestHead& head) {
  const auto lengths = head.HeaderValues("Content-Length");
  const auto codings = head.HeaderValues("Transfer-Encoding");
  if (!lengths.empty() && !codings.empty()) {
    return BadRequest("Content-Length and Transfer-Encoding must not be sent together");
  }
  if (!codings.empty()) {
    if (head.minor_version == 0) return BadRequest("HTTP/1.0 has no Transfer-Encoding");
    if (ListElements(codings) != std::vector<std::string>{"chunked"}) {
      return HttpError{501, "not_implemented", "the only transfer coding served is chunked"};
    }
    head.framing = BodyFraming::kChunked;
  } else if (!lengths.empty()) {
    if (auto error = ParseContentLength(lengths, limits, head)) return error;
  }

  // Bodies are taken as sent: a compressed one would reach the routes undecoded.
  for (const std::string& coding : ListElements(head.HeaderValues("Content-Encoding"))) {
    if (coding != "identity") {
      return HttpError{415, "unsupported_media_type", "request bodies must not be compressed"};
    }
  }

  const std::vector<std::string> connection = ListElements(head.HeaderValues("Connection"));
  const auto has = [&](std::string_view option) {
    return std::find(connection.begin(), connection.end(), option) != connection.end();
  };
  head.keep_alive = head.minor_version == 1 ? !has("close") : has("keep-alive") && !has("close");

  const std::vector<std::string> expect = ListElements(head.HeaderValues("Expect"));
  if (!expect.empty()) {
    if (expect != std::vector<std::string>{"100-continue"}) {
      return HttpError{417, "expectation_failed", "the only expectation served is 100-continue"};
    }
    head.expect_continue = head.minor_version == 1;
  }
  return std::nullopt;
}

}  // namespace

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string AsciiLower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), LowerAscii);
  return lowered;
}

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return LowerAscii(x) == LowerAscii(y);
         });
}

std::optional<std::string_view> RequestHead::Header(std::string_view name) const {
  for (const HttpHeader& header : headers) {
    if (HeaderNameEquals(header.name, name)) return std::string_view(header.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> RequestHead::HeaderValues(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const HttpHeader& header : headers) {
    if (HeaderNameEquals(header.name, name)) values.emplace_back(header.value);
  }
  return values;
}

std::optional<std::string_view> RequestHead::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const std::size_t equals = item.find('=');
    auto key = PercentDecode(item.substr(0, equals), true);
    auto value = PercentDecode(
        equals == std::string_view::npos ? std::string_view() : item.substr(equals + 1), true);
    if (!key || !value) return std::nullopt;
    pairs.emplace_back(std::move(*key), std::move(*value));
  }
  return pairs;
}

std::optional<HttpError> ParseRequestHead(std::string_view bytes, const HttpLimits& limits,
                                          RequestHead& head) {
  head = RequestHead();
  std::vector<std::string_view> lines = SplitLines(bytes);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return BadRequest("the request line is missing");
  if (auto error = ParseRequestLine(lines.front(), head)) return error;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.front() == ' ' || line.front() == '\t') {
      return BadRequest("folded header lines are not accepted");
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return BadRequest(fmt::format("header line {} is not NAME: VALUE", i));
    }
    const std::string_view value = TrimSpaces(line.substr(colon + 1));
    if (!IsFieldValue(value)) {
      return BadRequest(fmt::format("header line {} has a control character", i));
    }
    head.headers.push_back(HttpHeader{std::string(line.substr(0, colon)), std::string(value)});
  }
  return CheckFraming(limits, head);
}

RequestParser::RequestParser(HttpLimits limits) : limits_(limits) {}

void RequestParser::Reset() {
  state_ = State::kHead;
  started_ = false;
  head_bytes_.clear();
  head_ = RequestHead();
  body_.clear();
  error_ = HttpError();
  chunk_step_ = ChunkStep::kSize;
  line_.clear();
  chunk_left_ = 0;
  trailer_bytes_ = 0;
}

void RequestParser::Fail(int status, std::string_view code, std::string message) {
  state_ = State::kFailed;
  error_ = HttpError{status, std::string(code), std::move(message)};
}

std::size_t RequestParser::Feed(std::string_view input) {
  std::size_t consumed = 0;
  if (state_ == State::kHead) consumed += FeedHead(input);
  if (state_ == State::kBody) consumed += FeedBody(input.substr(consumed));
  return consumed;
}

std::size_t RequestParser::FeedHead(std::string_view input) {
  std::size_t consumed = 0;
  // RFC 9112 section 2.2: empty lines before a request line are ignored.
  while (!started_ && consumed < input.size() &&
         (input[consumed] == '\r' || input[consumed] == '\n')) {
    ++consumed;
  }
  if (consumed == input.size()) return consumed;
  started_ = true;
  // The head ends with an empty line: "\n\n" once bare CRs are dropped from the search.
  const std::size_t scan_from = head_bytes_.size();
  head_bytes_.append(input.substr(consumed));
  std::size_t end = std::string::npos;
  for (std::size_t i = scan_from; i < head_bytes_.size(); ++i) {
    if (head_bytes_[i] != '\n') continue;
    std::size_t j = i;
    if (j > 0 && head_bytes_[j - 1] == '\r') --j;
    if (j > 0 && head_bytes_[j - 1] == '\n') {
      end = i + 1;
      break;
    }
  }
  const std::size_t limit = limits_.max_header_bytes;
  if (end == std::string::npos ? head_bytes_.size() > limit : end > limit) {
    Fail(431, "request_header_fields_too_large",
         fmt::format("the request head is larger than {} bytes", limit));
    return input.size();
  }
  if (end == std::string::npos) return input.size();
  // Bytes after the head belong to the body or to the next request.
  const std::size_t extra = head_bytes_.size() - end;
  head_bytes_.resize(end);
  consumed = input.size() - extra;
  if (auto error = ParseRequestHead(head_bytes_, limits_, head_)) {
    state_ = State::kFailed;
    error_ = std::move(*error);
    return consumed;
  }
  state_ = head_.framing == BodyFraming::kNone ? State::kComplete : State::kBody;
  return consumed;
}

std::size_t RequestParser::FeedBody(std::string_view input) {
  if (head_.framing == BodyFraming::kChunked) return FeedChunked(input);
  const std::uint64_t missing = head_.content_length - body_.size();
  const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(missing, input.size()));
  body_.append(input.substr(0, take));
  if (body_.size() == head_.content_length) state_ = State::kComplete;
  return take;
}

std::size_t RequestParser::FeedChunked(std::string_view input) {
  std::size_t pos = 0;
  // Reads up to the end of a line into line_; true once the line is complete (without its end).
  const auto read_line = [&](std::size_t max_bytes) -> std::optional<bool> {
    const std::size_t newline = input.find('\n', pos);
    const std::size_t end = newline == std::string_view::npos ? input.size() : newline;
    line_.append(input.substr(pos, end - pos));
    pos = newline == std::string_view::npos ? input.size() : newline + 1;
    if (line_.size() > max_bytes) return std::nullopt;
    if (newline == std::string_view::npos) return false;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    return true;
  };
  while (state_ == State::kBody && pos < input.size()) {
    switch (chunk_step_) {
      case ChunkStep::kSize: {
        const auto complete = read_line(kMaxChunkLineBytes);
        if (!complete) {
          Fail(400, "bad_request", "a chunk-size line is too long");
          return pos;
        }
        if (!*complete) break;
        const std::string_view size_text =
            TrimSpaces(std::string_view(line_).substr(0, line_.find(';')));
        if (size_text.empty() || size_text.size() > 15 ||
            !std::all_of(size_text.begin(), size_text.end(),
                         [](char c) { return HexValue(c) >= 0; })) {
          Fail(400, "bad_request", "a chunk size is not a hexadecimal number");
          return pos;
        }
        std::uint64_t size = 0;
        for (char c : size_text) size = size * 16 + static_cast<std::uint64_t>(HexValue(c));
        line_.clear();
        if (size > limits_.max_body_bytes - body_.size()) {
          Fail(413, "payload_too_large",
               fmt::format("the body is larger than {} bytes", limits_.max_body_bytes));
          return pos;
        }
        chunk_left_ = size;
        chunk_step_ = size == 0 ? ChunkStep::kTrailer : ChunkStep::kData;
        break;
      }
      case ChunkStep::kData: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, input.size() - pos));
        body_.append(input.substr(pos, take));
        pos += take;
        chunk_left_ -= take;
        if (chunk_left_ == 0) chunk_step_ = ChunkStep::kDataEnd;
        break;
      }
      case ChunkStep::kDataEnd: {
        const auto complete = read_line(1);
        if (!complete || (*complete && !line_.empty())) {
          Fail(400, "bad_request", "chunk data must end with CRLF");
          return pos;
        }
        if (*complete) chunk_step_ = ChunkStep::kSize;
        break;
      }
      case ChunkStep::kTrailer: {
        const std::size_t before = pos;
        const auto complete = read_line(limits_.max_header_bytes);
        trailer_bytes_ += pos - before;
        if (!complete || trailer_bytes_ > limits_.max_header_bytes) {
          Fail(
              431, "request_header_fields_too_large",
              fmt::format("the trailer fields are larger than {} bytes", limits_.max_header_bytes));
          return pos;
        }
        if (!*complete) break;
        // Trailer fields are read and ignored; an empty line ends the message.
        if (line_.empty()) state_ = State::kComplete;
        line_.clear();
        break;
      }
    }
  }
  return pos;
}

}  // namespace eventify::server
