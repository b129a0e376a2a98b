// How failures look on the wire: always {"error":{"code","message","field"?}}, with the HTTP
// status from eventify::HttpStatusFor for library failures. Also the checks every JSON route
// shares (content type, body shape).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "api.h"
#include "eventify/status.h"
#include "eventify/types.h"
#include "json.h"

namespace eventify::server {

// The error body for a failed Status; an OK status (a bug) becomes 500 internal.
ApiResponse ErrorResponse(const Status& status);

// An error the HTTP layer itself detects (404 route, 405 method, 413 body...).
ApiResponse ErrorResponse(int http_status, std::string_view code, std::string_view message,
                          std::string_view field = {});

// Parses the body of a JSON route.
// Errors: kUnsupportedMediaType (unsupported_media_type) unless Content-Type is application/json;
// kInvalidArgument (invalid_body) for an empty body, and those of JsonObject::Parse.
Result<JsonObject> ParseJsonBody(const ApiRequest& request);

// The API's timestamps have milliseconds (docs/accounts-api.md, "Conventions"): finer digits a
// client sends are dropped (towards the past), so that what is stored is what every answer shows
// and a value read back compares equal to the one stored.
inline Timestamp ToApiPrecision(Timestamp t) {
  return std::chrono::floor<std::chrono::milliseconds>(t);
}

// A required timestamp member of a body (RFC 3339), at the API's precision (ToApiPrecision).
// Errors: those of JsonObject::Read, invalid_timestamp (with the field).
Status ReadTimestampField(const JsonObject& body, std::string_view name, Timestamp& out);

// A count read from a body (seats, a rating) as the library's 32-bit int: a value outside
// 1..INT32_MAX becomes 0, which the library refuses with its own code and field.
std::int32_t PositiveInt32OrZero(std::int64_t value);

// The reply of a list route: 200 {"items": [...], "next_cursor": string or null}, each item
// written by `write_item(json, item)`.
template <typename Item, typename WriteItem>
ApiResponse PageResponse(const std::vector<Item>& items, std::string_view next_cursor,
                         WriteItem&& write_item) {
  JsonWriter json;
  json.BeginObject().Key("items").BeginArray();
  for (const Item& item : items) write_item(json, item);
  json.EndArray();
  json.StringOrNullMember("next_cursor", next_cursor);
  json.EndObject();
  return JsonResponse(200, json.Finish());
}

// The reply of a route returning one object: `status` {"<key>": value written by
// `write(json, value)`}, or the error.
template <typename T, typename Write>
ApiResponse ObjectResponse(int status, std::string_view key, const Result<T>& value,
                           Write&& write) {
  if (!value.ok()) return ErrorResponse(value.status());
  JsonWriter json;
  json.BeginObject().Key(key);
  write(json, *value);
  json.EndObject();
  return JsonResponse(status, json.Finish());
}

// Query parameters of list routes. Each leaves `out` alone when the parameter is absent.
// ?limit=: an integer; its range is the library's to check. Errors: kInvalidArgument
// (invalid_limit, field "limit").
Status ReadLimit(const ApiRequest& request, int& limit);
// ?NAME=true|false. Errors: kInvalidArgument (invalid_filter, field NAME).
Status ReadBoolQuery(const ApiRequest& request, std::string_view name, std::optional<bool>& out);

}  // namespace eventify::server
