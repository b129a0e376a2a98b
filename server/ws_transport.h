// WsTransport: the server's WebSocket endpoint (websocketpp on standalone Asio), the
// spi::Transport of the chat hub (eventify/hub.h). It serves the two sockets of docs/protocol.md
// ("WebSocket binding"): `/ws/notifications/` and `/ws/chat/{conversation_id}/`, on a port of its
// own (ws.port), authenticates each socket with its first frame (never a URL or a header),
// checks the Origin, and enforces the per-connection limits of WsOptions with the close codes
// that section lists.
//
// Threads. One I/O thread owns every socket. The hub's inbound calls only queue, so the I/O
// thread never waits on storage; Send and Close (called from the hub's worker) post onto the I/O
// thread and return. Each connection's outgoing frames are bounded (send_queue_max_bytes and
// send_queue_max_frames): a peer that does not read is closed, memory never grows with it.
//
// Life cycle, on one thread except where noted:
//   auto ws = std::make_shared<WsTransport>(options);   Bind();   (create the hub with ws)
//   Start(hub);   ...   BeginShutdown() (any thread);   Shutdown();   (destroy the hub)
// Shutdown reports OnClosed for every socket it closed and forgets the hub: after it returns the
// hub may be destroyed; Send and Close then drop their work. The header includes no third-party
// header and compiles as C++17 and C++20.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "eventify/spi/transport.h"
#include "ws_options.h"

namespace eventify::server {

class WsTransport : public spi::Transport {
 public:
  explicit WsTransport(WsOptions options);
  ~WsTransport() override;  // Shutdown() when it was not called
  WsTransport(const WsTransport&) = delete;
  WsTransport& operator=(const WsTransport&) = delete;

  // Binds the listening socket; returns its port (the kernel's choice for port 0), or -1 with
  // `error` set when the address cannot be bound.
  int Bind(std::string& error);

  // Starts accepting and the I/O thread. `hub` must stay valid until Shutdown returns.
  void Start(spi::HubInbound& hub);

  // Stops accepting and closes every socket with 1001 `shutting_down`. Returns at once; any
  // thread; idempotent.
  void BeginShutdown();

  // BeginShutdown, then waits (up to WsOptions::close_timeout) for the sockets' closing
  // handshakes, stops the I/O thread, reports OnClosed for every connection the hub still knows
  // and forgets the hub. Idempotent.
  void Shutdown();

  // spi::Transport; called from the hub's worker thread.
  void Send(spi::ConnectionId connection, std::string frame) override;
  void Close(spi::ConnectionId connection, std::string_view reason) override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace eventify::server
