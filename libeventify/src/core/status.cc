#include "eventify/status.h"

#include <fmt/format.h>

#include <algorithm>

namespace eventify {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kUnauthenticated: return "unauthenticated";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kResourceExhausted: return "resource_exhausted";
    case StatusCode::kAborted: return "aborted";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kInternal: return "internal";
    case StatusCode::kPayloadTooLarge: return "payload_too_large";
    case StatusCode::kUnsupportedMediaType: return "unsupported_media_type";
  }
  return "unknown";
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kAborted: return 409;
    case StatusCode::kFailedPrecondition: return 422;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kUnsupportedMediaType: return 415;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kInternal: return 500;
    case StatusCode::kUnavailable: return 503;
  }
  return 500;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = fmt::format("{} ({}): {}", reason(), StatusCodeName(code_), message_);
  if (!field_.empty()) out += fmt::format(" [field {}]", field_);
  return out;
}

Status InvalidArgument(std::string reason, std::string message, std::string field) {
  return Status(StatusCode::kInvalidArgument, std::move(reason), std::move(message),
                std::move(field));
}
Status NotFound(std::string reason, std::string message, std::string field) {
  return Status(StatusCode::kNotFound, std::move(reason), std::move(message), std::move(field));
}
Status AlreadyExists(std::string reason, std::string message, std::string field) {
  return Status(StatusCode::kAlreadyExists, std::move(reason), std::move(message),
                std::move(field));
}
Status Unauthenticated(std::string reason, std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(reason), std::move(message));
}
Status PermissionDenied(std::string reason, std::string message) {
  return Status(StatusCode::kPermissionDenied, std::move(reason), std::move(message));
}
Status FailedPrecondition(std::string reason, std::string message, std::string field) {
  return Status(StatusCode::kFailedPrecondition, std::move(reason), std::move(message),
                std::move(field));
}
Status ResourceExhausted(std::string reason, std::string message) {
  return Status(StatusCode::kResourceExhausted, std::move(reason), std::move(message));
}
Status ResourceExhausted(std::string reason, std::string message,
                         std::chrono::seconds retry_after) {
  Status status(StatusCode::kResourceExhausted, std::move(reason), std::move(message));
  status.retry_after_ = std::max(retry_after, std::chrono::seconds(1));
  return status;
}
Status Aborted(std::string reason, std::string message) {
  return Status(StatusCode::kAborted, std::move(reason), std::move(message));
}
Status Unavailable(std::string reason, std::string message) {
  return Status(StatusCode::kUnavailable, std::move(reason), std::move(message));
}
Status Internal(std::string message) {
  return Status(StatusCode::kInternal, "internal", std::move(message));
}

}  // namespace eventify
