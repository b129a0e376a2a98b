// HttpServer: the HTTP listener. It owns the HTTP library's server, turns each request into an
// ApiRequest for the Router and writes back the ApiResponse; errors the HTTP layer detects itself
// (bad request line, body too large, exceptions) get the same JSON error shape. Every response
// carries an X-Request-Id.
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
