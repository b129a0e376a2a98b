// HttpServer: the HTTP/1.1 listener (docs/http.md). One I/O thread (Serve's) owns every
// connection, reads and parses requests under their deadlines and writes answers; http.threads
// workers run Router::Dispatch, so routes may block. Errors the HTTP layer detects itself
// (malformed or slow requests, bodies too large, too many connections, exceptions) get the same
// JSON error shape. Every request gets an id (a sane incoming X-Request-Id, or a new one), sent
// back in X-Request-Id, written into every error body (error.request_id) and every log line of
// the request. Before routing, with the optional services: CORS preflights are answered, and the
// per-address rate limits refuse (429) what is over them; the per-user limit is checked when a
// route authenticates (ApiRequest::AdmitUser). Every answer is counted in the metrics by route.
//
// Thread-safety: Bind, then Serve on one thread; Stop may be called from any thread at any time.
#pragma once

#include <memory>

#include "config.h"
#include "cors.h"
#include "eventify/status.h"
#include "metrics.h"
#include "rate_limits.h"
#include "router.h"

namespace eventify::server {

// What the server applies around the routes; each may be null (then not applied). Borrowed: they
// must outlive the server.
struct HttpServices {
  const CorsPolicy* cors = nullptr;
  RateLimits* rate_limits = nullptr;
  Metrics* metrics = nullptr;  // BindRoutes is called on it by the constructor
};

class HttpServer {
 public:
  // Borrows all; they must outlive the server. `router` has all its routes already.
  HttpServer(const ServerConfig& config, const Router& router, HttpServices services = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket and returns its port (the kernel's choice for port 0).
  // Errors: kUnavailable (cannot_listen).
  Result<int> Bind();

  // Accepts connections until Stop(); then lets in-flight requests finish and returns.
  // Errors: kUnavailable (listener_failed) when the listener broke down by itself.
  Status Serve();

  // Stops accepting; Serve returns once in-flight requests are answered. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eventify::server
