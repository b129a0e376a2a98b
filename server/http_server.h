// HttpServer: the HTTP/1.1 listener (docs/http.md). One I/O thread (Serve's) owns every
// connection, reads and parses requests under their deadlines and writes answers; http.threads
// workers run Router::Dispatch, so routes may block. Errors the HTTP layer detects itself
// (malformed or slow requests, bodies too large, too many connections, exceptions) get the same
// JSON error shape. Every response carries an X-Request-Id.
//
// Thread-safety: Bind, then Serve on one thread; Stop may be called from any thread at any time.
#pragma once

#include <memory>

#include "config.h"
#include "eventify/status.h"
#include "router.h"

namespace eventify::server {

class HttpServer {
 public:
  // Borrows both; they must outlive the server.
  HttpServer(const ServerConfig& config, const Router& router);
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
