// WsOptions: the settings of the WebSocket endpoint (ws_transport.h), filled from the server's
// configuration (the ws.* keys of config.cc; docs/configuration.md). Plain values, no third-party
// header: included by config.h (C++20) and by the C++17 translation unit of the transport.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace eventify::server {

struct WsOptions {
  std::string host = "127.0.0.1";  // listen.host: the HTTP and WebSocket listeners share it
  int port = 8001;                 // 0: the kernel picks a free port
  int backlog = 1024;
  // Origins (scheme://host[:port]) a browser may connect from; "*" allows any. A handshake without
  // an Origin header (a program, not a browser) is always allowed.
  std::vector<std::string> allowed_origins;
  std::chrono::seconds auth_timeout{10};    // to send the auth frame after the upgrade
  std::size_t max_frame_bytes = 64 * 1024;  // largest client message (else close 1009)
  int max_messages_per_second = 30;         // client frames per connection per second
  int max_connections_per_user = 16;
  int max_connections_per_address = 256;
  std::size_t send_queue_max_bytes = 1024 * 1024;  // frames waiting for a slow reader, in bytes
  int send_queue_max_frames = 2048;                // and in frames
  std::chrono::seconds ping_interval{30};          // a ping after this long
  std::chrono::seconds pong_timeout{10};           // no pong by then: the peer is dead
  std::chrono::seconds close_timeout{5};           // a closing handshake is given up after this
};

}  // namespace eventify::server
