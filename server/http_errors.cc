#include "http_errors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>

namespace eventify::server {
namespace {

bool IsJsonContentType(std::string_view value) {
  const std::string_view media_type = value.substr(0, value.find(';'));
  std::string lowered;
  for (char c : media_type) {
    if (c != ' ' && c != '\t') {
      lowered.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return lowered == "application/json";
}

}  // namespace

ApiResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                          std::string_view field) {
  JsonWriter json;
  json.BeginObject().Key("error").BeginObject();
  json.StringMember("code", code).StringMember("message", message);
  if (!field.empty()) json.StringMember("field", field);
  json.EndObject().EndObject();
  ApiResponse response = JsonResponse(http_status, json.Finish());
  // RFC 9110: a 401 names the scheme that would be accepted.
  if (http_status == 401)
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"eventify\"");
  return response;
}

ApiResponse ErrorResponse(const Status& status) {
  if (status.ok()) return ErrorResponse(500, "internal", "an error was reported without a cause");
  ApiResponse response = ErrorResponse(HttpStatusFor(status.code()), status.reason(),
                                       status.message(), status.field());
  if (status.retry_after().count() > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(status.retry_after().count()));
  }
  return response;
}

Result<JsonObject> ParseJsonBody(const ApiRequest& request) {
  if (request.body().empty()) {
    return InvalidArgument("invalid_body", "a JSON object body is required");
  }
  const auto content_type = request.header("Content-Type");
  if (!content_type || !IsJsonContentType(*content_type)) {
    return Status(StatusCode::kUnsupportedMediaType, "unsupported_media_type",
                  "send the body as Content-Type: application/json");
  }
  return JsonObject::Parse(request.body());
}

Status ReadLimit(const ApiRequest& request, int& limit) {
  const auto text = request.query("limit");
  if (!text) return Status::Ok();
  int value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || ptr != end) {
    return InvalidArgument("invalid_limit", "'limit' must be an integer", "limit");
  }
  limit = value;
  return Status::Ok();
}

Status ReadBoolQuery(const ApiRequest& request, std::string_view name, std::optional<bool>& out) {
  const auto text = request.query(name);
  if (!text) return Status::Ok();
  if (*text != "true" && *text != "false") {
    return InvalidArgument("invalid_filter", fmt::format("'{}' must be true or false", name),
                           std::string(name));
  }
  out = *text == "true";
  return Status::Ok();
}

std::int32_t PositiveInt32OrZero(std::int64_t value) {
  return value < 1 || value > std::numeric_limits<std::int32_t>::max()
             ? 0
             : static_cast<std::int32_t>(value);
}

Status ReadTimestampField(const JsonObject& body, std::string_view name, Timestamp& out) {
  std::string text;
  if (Status read = body.Read({Required(name, text)}); !read.ok()) return read;
  auto parsed = ParseTimestamp(text);
  if (!parsed.ok()) {
    return InvalidArgument(std::string(parsed.status().reason()),
                           fmt::format("'{}': {}", name, parsed.status().message()),
                           std::string(name));
  }
  out = ToApiPrecision(*parsed);
  return Status::Ok();
}

}  // namespace eventify::server
