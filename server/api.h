// The server's own view of an HTTP exchange, so that routes are written without the HTTP
// library: a request to read and a response value to return.
//
// Thread-safety: an ApiRequest belongs to the thread handling it, for the duration of the call.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventify/status.h"

namespace eventify::server {

class ApiRequest {
 public:
  virtual ~ApiRequest() = default;
  virtual std::string_view method() const = 0;  // "GET", "POST", ...
  virtual std::string_view path() const = 0;    // percent-decoded, without the query
  // The first value of a query-string parameter, percent-decoded ('+' reads as a space).
  virtual std::optional<std::string_view> query(std::string_view name) const = 0;
  // The first value of a header (name compared case-insensitively).
  virtual std::optional<std::string_view> header(std::string_view name) const = 0;
  // Every value of a header (name compared case-insensitively), in the order received.
  virtual std::vector<std::string_view> header_values(std::string_view name) const = 0;
  virtual std::string_view body() const = 0;
  virtual std::string_view remote_address() const = 0;  // the peer's IP address
  virtual bool is_multipart() const = 0;
  // The content of a multipart/form-data part, when the body is multipart and has that part.
  virtual std::optional<std::string_view> form_part(std::string_view name) const = 0;

  // The user an access token proved the request to come from, for the access log: set by
  // Authenticate (authentication.h) once the token checks out, empty otherwise. A request is
  // handled on one thread, so this note needs no lock.
  const std::string& authenticated_user() const { return authenticated_user_; }
  void set_authenticated_user(std::string user_id) const {
    authenticated_user_ = std::move(user_id);
  }

  // The request's id (X-Request-Id), set by the server before routing: what its log lines and
  // its error body carry.
  const std::string& request_id() const { return request_id_; }
  void set_request_id(std::string id) { request_id_ = std::move(id); }

  // What the server checks once a request's user is known (the per-user rate limit): called by
  // Authenticate (authentication.h) after the token checked out; a failure is the route's answer.
  using UserGate = std::function<Status(std::string_view user_id)>;
  void set_user_gate(UserGate gate) { user_gate_ = std::move(gate); }
  Status AdmitUser(std::string_view user_id) const {
    return user_gate_ ? user_gate_(user_id) : Status::Ok();
  }

 private:
  mutable std::string authenticated_user_;
  std::string request_id_;
  UserGate user_gate_;
};

struct ApiResponse {
  int status = 200;
  std::string content_type;  // empty when there is no body
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Path segments captured by the route pattern, in order.
using PathParams = std::vector<std::string>;
using RouteHandler = std::function<ApiResponse(const ApiRequest&, const PathParams&)>;

inline ApiResponse JsonResponse(int status, std::string body) {
  return ApiResponse{status, "application/json", std::move(body), {}};
}

inline ApiResponse NoContent() { return ApiResponse{204, "", "", {}}; }

}  // namespace eventify::server
