#include "query_params.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "eventify/types.h"
#include "http_errors.h"

namespace eventify::server {

Status ReadTimestampQuery(const ApiRequest& request, std::string_view name,
                          std::optional<Timestamp>& out) {
  const auto text = request.query(name);
  if (!text) return Status::Ok();
  auto parsed = ParseTimestamp(*text);
  if (!parsed.ok()) {
    // The library's reason (invalid_timestamp), about the parameter it came from.
    const Status& failure = parsed.status();
    return Status(failure.code(), std::string(failure.reason()),
                  fmt::format("'{}': {}", name, failure.message()), std::string(name));
  }
  out = ToApiPrecision(*parsed);
  return Status::Ok();
}

namespace {

// ?min_price= and ?max_price=: integers (minor units) when present.
Status ReadPrice(const ApiRequest& request, std::string_view name,
                 std::optional<std::int64_t>& out) {
  const auto text = request.query(name);
  if (!text) return Status::Ok();
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || ptr != end) {
    return InvalidArgument("invalid_price",
                           fmt::format("'{}' must be an integer amount in minor units", name),
                           std::string(name));
  }
  out = value;
  return Status::Ok();
}

}  // namespace

// Reads the history filters of /wallet/transactions.
Status ReadHistoryQuery(const ApiRequest& request, HistoryQuery& query) {
  if (const auto kind = request.query("kind")) {
    auto parsed = ParseTransferKind(*kind);
    if (!parsed.ok()) return parsed.status();
    query.kind = *parsed;
  }
  if (const auto status = request.query("status")) {
    auto parsed = ParseTransferStatus(*status);
    if (!parsed.ok()) return parsed.status();
    query.status = *parsed;
  }
  Status read = ReadTimestampQuery(request, "from", query.from);
  if (read.ok()) read = ReadTimestampQuery(request, "until", query.until);
  if (read.ok()) read = ReadLimit(request, query.limit);
  if (!read.ok()) return read;
  query.cursor = std::string(request.query("cursor").value_or(""));
  return Status::Ok();
}

Status ReadEventQuery(const ApiRequest& request, EventQuery& query) {
  query.category_id = std::string(request.query("category").value_or(""));
  query.organizer_id = std::string(request.query("organizer").value_or(""));
  const auto text = request.query("text");
  // The library reads an empty text as no search; a `text=` the client sent names none.
  if (text && text->empty()) {
    return InvalidArgument("invalid_search",
                           "the search text is empty: give a word, or leave text out", "text");
  }
  query.text = std::string(text.value_or(""));
  query.cursor = std::string(request.query("cursor").value_or(""));
  Status read = ReadTimestampQuery(request, "starts_from", query.starts_from);
  if (read.ok()) read = ReadTimestampQuery(request, "starts_before", query.starts_before);
  if (read.ok()) read = ReadPrice(request, "min_price", query.min_price);
  if (read.ok()) read = ReadPrice(request, "max_price", query.max_price);
  if (read.ok()) read = ReadLimit(request, query.limit);
  return read;
}

}  // namespace eventify::server
