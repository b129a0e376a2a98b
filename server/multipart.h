// multipart/form-data bodies (RFC 7578): the parts of an upload by name. Pure code over bytes, so
// that it can be tested and fuzzed on its own.
//
// Thread-safety: stateless functions.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http_parser.h"

namespace eventify::server {

// Part contents by the part's name; the first part of each name is kept, repeats are dropped.
using FormParts = std::map<std::string, std::string, std::less<>>;

// Whether a Content-Type value is multipart/form-data (parameters aside, case-insensitively).
bool IsMultipartFormData(std::string_view content_type);

// Reads the parts of `body` with the boundary of `content_type` into `parts`. Fuzz entry point.
// Errors: 400 bad_request when the boundary is missing or invalid, a part has no
// Content-Disposition form-data name, or the body is not delimited by the boundary.
std::optional<HttpError> ParseMultipart(std::string_view content_type, std::string_view body,
                                        FormParts& parts);

}  // namespace eventify::server
