// Status and Result<T>: how every public Eventify function reports failure.
//
// Nothing throws across the public API. A failed operation returns a Status whose code() says
// what kind of failure it is (and so which HTTP status, C error code or Python exception it maps
// to), whose reason() is a stable, machine-readable word that clients may switch on
// ("email_taken", "weak_password"), and whose field() names the offending input when there is one.
//
// Thread-safety: Status and Result are values; distinct objects may be used from distinct threads.
#pragma once

#include <cassert>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "eventify/export.h"

namespace eventify {

// Kinds of failure. The numeric values are part of the future C API: append, never renumber.
enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,     // the request is malformed or breaks a rule about its own content
  kNotFound = 2,            // the thing named does not exist (or the caller may not know it does)
  kAlreadyExists = 3,       // a uniqueness rule would be broken
  kUnauthenticated = 4,     // missing, wrong, expired or revoked credentials
  kPermissionDenied = 5,    // authenticated, but not allowed to do this
  kFailedPrecondition = 6,  // the system is not in a state that allows this (e.g. unverified)
  kResourceExhausted = 7,   // a limit or throttle was hit; retrying later may work
  kAborted = 8,             // a concurrency conflict; the whole operation may be retried
  kUnavailable = 9,         // a dependency (database, mail) is not reachable right now
  kInternal = 10,           // a bug or a broken invariant
  kPayloadTooLarge = 11,    // an input exceeds its size limit
  kUnsupportedMediaType = 12,  // the bytes are not of an accepted type
};

// Stable lower-case name of a code ("invalid_argument"), used when a Status has no reason.
EVENTIFY_EXPORT std::string_view StatusCodeName(StatusCode code);

// The one table from codes to HTTP status codes; the server uses nothing else.
EVENTIFY_EXPORT int HttpStatusFor(StatusCode code);

class [[nodiscard]] EVENTIFY_EXPORT Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string reason, std::string message, std::string field = {})
      : code_(code), reason_(std::move(reason)), message_(std::move(message)),
        field_(std::move(field)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // Stable machine-readable reason; falls back to the code's name when none was given.
  std::string_view reason() const {
    return reason_.empty() ? StatusCodeName(code_) : std::string_view(reason_);
  }
  // Human-readable explanation, safe to show to the caller (never contains secrets).
  const std::string& message() const { return message_; }
  // The input field the failure is about, or empty.
  const std::string& field() const { return field_; }
  // How long the caller should wait before trying again; zero when the failure does not say
  // (set on kResourceExhausted throttles, sent over HTTP as Retry-After).
  std::chrono::seconds retry_after() const { return retry_after_; }

  std::string ToString() const;

  // Marks a deliberately ignored status, for the few places where that is correct.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string reason_;
  std::string message_;
  std::string field_;
  std::chrono::seconds retry_after_{0};

  friend Status ResourceExhausted(std::string reason, std::string message,
                                  std::chrono::seconds retry_after);
};

// Shorthands for the common codes: reason, message, optional field.
EVENTIFY_EXPORT Status InvalidArgument(std::string reason, std::string message,
                                       std::string field = {});
EVENTIFY_EXPORT Status NotFound(std::string reason, std::string message, std::string field = {});
EVENTIFY_EXPORT Status AlreadyExists(std::string reason, std::string message,
                                     std::string field = {});
EVENTIFY_EXPORT Status Unauthenticated(std::string reason, std::string message);
EVENTIFY_EXPORT Status PermissionDenied(std::string reason, std::string message);
EVENTIFY_EXPORT Status FailedPrecondition(std::string reason, std::string message,
                                          std::string field = {});
EVENTIFY_EXPORT Status ResourceExhausted(std::string reason, std::string message);
// A throttle: retry_after (at least one second) tells the caller when to try again.
EVENTIFY_EXPORT Status ResourceExhausted(std::string reason, std::string message,
                                         std::chrono::seconds retry_after);
EVENTIFY_EXPORT Status Aborted(std::string reason, std::string message);
EVENTIFY_EXPORT Status Unavailable(std::string reason, std::string message);
EVENTIFY_EXPORT Status Internal(std::string message);

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(state_).ok() && "a Result needs a value or a failed Status");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  // The failure; an OK status when the result holds a value. A reference, so that
  // `auto reason = result.status().reason();` stays valid as long as the result does.
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }

  // Precondition for the accessors below: ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace eventify
