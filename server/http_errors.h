// How failures look on the wire: always {"error":{"code","message","field"?}}, with the HTTP
// status from eventify::HttpStatusFor for library failures. Also the checks every JSON route
// shares (content type, body shape).
#pragma once

#include <string_view>

#include "api.h"
#include "eventify/status.h"
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

}  // namespace eventify::server
