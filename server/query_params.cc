#include "query_params.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

#include "eventify/types.h"
#include "http_errors.h"

namespace eventify::server {
namespace {

// ?from= and ?until=: RFC 3339 timestamps when present.
Status ReadTimestamp(const ApiRequest& request, std::string_view name,
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
  out = *parsed;
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
  Status read = ReadTimestamp(request, "from", query.from);
  if (read.ok()) read = ReadTimestamp(request, "until", query.until);
  if (read.ok()) read = ReadLimit(request, query.limit);
  if (!read.ok()) return read;
  query.cursor = std::string(request.query("cursor").value_or(""));
  return Status::Ok();
}

}  // namespace eventify::server
