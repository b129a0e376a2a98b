#include "multipart.h"

namespace eventify::server {
namespace {

constexpr std::size_t kMaxBoundaryBytes = 70;  // RFC 2046 section 5.1.1

HttpError BadMultipart(std::string message) {
  return HttpError{400, "bad_request", "multipart body: " + std::move(message)};
}

// The parameters of a header value such as `form-data; name="a"; filename="b"`, after its first
// element; names lower-cased, quoted values unquoted (with backslash escapes).
std::optional<std::map<std::string, std::string>> Parameters(std::string_view value) {
  std::map<std::string, std::string> parameters;
  std::size_t pos = value.find(';');
  while (pos != std::string_view::npos && pos < value.size()) {
    ++pos;
    while (pos < value.size() && (value[pos] == ' ' || value[pos] == '\t')) ++pos;
    const std::size_t equals = value.find('=', pos);
    if (equals == std::string_view::npos) return std::nullopt;
    std::string name = AsciiLower(TrimSpaces(value.substr(pos, equals - pos)));
    pos = equals + 1;
    std::string parameter;
    if (pos < value.size() && value[pos] == '"') {
      ++pos;
      bool closed = false;
      while (pos < value.size()) {
        const char c = value[pos++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && pos < value.size()) {
          parameter.push_back(value[pos++]);
        } else {
          parameter.push_back(c);
        }
      }
      if (!closed) return std::nullopt;
      pos = value.find(';', pos);
    } else {
      const std::size_t end = value.find(';', pos);
      parameter = std::string(TrimSpaces(value.substr(pos, end - pos)));
      pos = end;
    }
    if (name.empty()) return std::nullopt;
    parameters.try_emplace(std::move(name), std::move(parameter));
  }
  return parameters;
}

std::string LowerMediaType(std::string_view content_type) {
  return AsciiLower(TrimSpaces(content_type.substr(0, content_type.find(';'))));
}

// The name of a part from its header block, or why it has none.
std::optional<std::string> PartName(std::string_view headers) {
  std::size_t start = 0;
  while (start < headers.size()) {
    std::size_t end = headers.find("\r\n", start);
    if (end == std::string_view::npos) end = headers.size();
    const std::string_view line = headers.substr(start, end - start);
    start = end + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (!HeaderNameEquals(TrimSpaces(line.substr(0, colon)), "Content-Disposition")) continue;
    const std::string_view value = TrimSpaces(line.substr(colon + 1));
    if (LowerMediaType(value) != "form-data") return std::nullopt;
    auto parameters = Parameters(value);
    if (!parameters) return std::nullopt;
    const auto it = parameters->find("name");
    if (it == parameters->end()) return std::nullopt;
    return it->second;
  }
  return std::nullopt;
}

}  // namespace

bool IsMultipartFormData(std::string_view content_type) {
  return LowerMediaType(content_type) == "multipart/form-data";
}

std::optional<HttpError> ParseMultipart(std::string_view content_type, std::string_view body,
                                        FormParts& parts) {
  if (!IsMultipartFormData(content_type)) return BadMultipart("not multipart/form-data");
  const auto parameters = Parameters(content_type);
  std::string boundary;
  if (parameters) {
    if (const auto it = parameters->find("boundary"); it != parameters->end())
      boundary = it->second;
  }
  if (boundary.empty() || boundary.size() > kMaxBoundaryBytes) {
    return BadMultipart("the Content-Type has no valid boundary");
  }
  const std::string delimiter = "--" + boundary;
  const std::string next_delimiter = "\r\n" + delimiter;

  // The preamble before the first delimiter is ignored.
  std::size_t pos = 0;
  if (body.substr(0, delimiter.size()) != delimiter) {
    pos = body.find(next_delimiter);
    if (pos == std::string_view::npos) return BadMultipart("the boundary does not occur");
    pos += 2;
  }
  pos += delimiter.size();
  while (true) {
    if (body.substr(pos, 2) == "--") return std::nullopt;  // the close delimiter
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") return BadMultipart("a boundary line must end with CRLF");
    pos += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    const bool no_headers = body.substr(pos, 2) == "\r\n";
    if (headers_end == std::string_view::npos && !no_headers) {
      return BadMultipart("a part's headers do not end");
    }
    const std::string_view headers =
        no_headers ? std::string_view() : body.substr(pos, headers_end - pos);
    pos = no_headers ? pos + 2 : headers_end + 4;
    const std::size_t content_end = body.find(next_delimiter, pos);
    if (content_end == std::string_view::npos) return BadMultipart("a part does not end");
    auto name = PartName(headers);
    if (!name) return BadMultipart("a part has no Content-Disposition: form-data name");
    parts.try_emplace(std::move(*name), body.substr(pos, content_end - pos));
    pos = content_end + next_delimiter.size();
  }
}

}  // namespace eventify::server
