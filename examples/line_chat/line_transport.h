// LineTransport: a custom spi::Transport for eventify::Hub, written against the library's public
// headers only. Chat over plain TCP, one line per frame:
//
//   client -> server   the first line is the client's access token (Accounts::Login); every
//                      following line is one JSON frame of docs/protocol.md.
//   server -> client   every frame the hub sends is one line. When the connection closes, the
//                      transport writes one last line of its own, {"type":"close","reason":"..."},
//                      and closes the socket (the line protocol has no close frame of its own
//                      as WebSocket has).
//
// What an integrator of spi::Transport must get right, and where this class does it:
//   - Never block the hub. Send and Close run on the hub's worker thread; they only queue under
//     a mutex and post the socket work to the I/O thread (Send, Close).
//   - Bound what a slow client can cost. Each connection queues at most max_queued_frames
//     frames; the frame after that closes it with "send_queue_full" instead of waiting or
//     growing without end. Inbound lines are limited to max_line_bytes ("line_too_long").
//   - Keep order. Frames of one connection are written in the order of the Send calls; lines of
//     one connection are reported in the order they arrived, OnOpened before the first OnFrame.
//   - Report every end exactly once. OnClosed follows every connection that was reported with
//     OnOpened, whoever closed it: the peer, a socket error, the transport itself, or the hub's
//     own Close (the hub waits for that OnClosed to forget the session).
//   - Never confuse two connections. Ids count up from 1 and are never reused, so a late frame
//     for a closed connection cannot reach a new one (the contract would allow reusing an id
//     once its OnClosed has been reported, never before).
//
// Threads: the transport's socket work runs on the threads that run the io_context; this class
// assumes ONE such thread (with several, each connection would need a strand). Send and Close
// may be called from any thread; Listen, Detach and WaitUntilAllClosed from any thread but the
// I/O thread.
// Ownership: shared (the hub keeps a shared_ptr); the io_context must outlive it, and the
// io_context must stop running before the transport is destroyed.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

#include "eventify/spi/transport.h"

namespace line_chat {

// The transport's own close reasons (the hub's are eventify::spi::kClose*).
inline constexpr std::string_view kCloseLineTooLong = "line_too_long";
inline constexpr std::string_view kCloseSendQueueFull = "send_queue_full";
inline constexpr std::string_view kCloseHandshakeTimeout = "handshake_timeout";

struct LineTransportOptions {
  // The longest line a client may send, in bytes, not counting the line break. A hub frame with
  // a message of the chat's longest text (4000 characters, UTF-8) fits comfortably.
  std::size_t max_line_bytes = 32 * 1024;
  // Frames queued for a client that does not read fast enough; one more closes it.
  std::size_t max_queued_frames = 1024;
  // How long a client has to send its token line.
  std::chrono::milliseconds handshake_timeout{10'000};
  // After the close line, how long the client has to close its side before the socket is closed
  // anyway (see Connection::Linger in the .cc for why the transport waits at all).
  std::chrono::milliseconds linger{2'000};
};

class LineTransport final : public eventify::spi::Transport {
 public:
  LineTransport(asio::io_context& io, LineTransportOptions options);

  // Binds `endpoint` (port 0: any free port) and starts accepting; every connection that sends
  // its token line is reported to `hub`. `hub` must stay valid until Detach returns. On success
  // *bound is the address actually bound.
  std::error_code Listen(const asio::ip::tcp::endpoint& endpoint, eventify::spi::HubInbound& hub,
                         asio::ip::tcp::endpoint* bound);

  // The first step of shutting down: stops accepting, stops reporting to the hub (so the hub may
  // be destroyed next) and closes the connections the hub never heard of (still without a token
  // line) with "shutting_down". The hub closes the others itself when it is destroyed.
  void Detach();

  // Waits until every connection is closed or has at least written its close line (it may
  // still be lingering, see Linger in the .cc), or `timeout` passed; true when none is left.
  bool WaitUntilAllClosed(std::chrono::milliseconds timeout);

  // spi::Transport, called by the hub's worker thread.
  void Send(eventify::spi::ConnectionId connection, std::string frame) override;
  void Close(eventify::spi::ConnectionId connection, std::string_view reason) override;

 private:
  struct Connection;
  using ConnectionPtr = std::shared_ptr<Connection>;

  // I/O thread only.
  void Accept();
  void ReadLine(const ConnectionPtr& connection);
  void HandleLine(const ConnectionPtr& connection, std::string line);
  void Discard(const ConnectionPtr& connection);
  void WriteQueued(const ConnectionPtr& connection);
  void Linger(const ConnectionPtr& connection);
  void Forget(const ConnectionPtr& connection);
  void Finish(const ConnectionPtr& connection);

  // Any thread, with mu_ held.
  void BeginCloseLocked(const ConnectionPtr& connection, std::string_view reason);
  void StartWriterLocked(const ConnectionPtr& connection);

  asio::io_context& io_;
  const LineTransportOptions options_;
  asio::ip::tcp::acceptor acceptor_;
  eventify::spi::ConnectionId next_id_ = 1;  // I/O thread only

  // Guards hub_ only. Never held together with mu_, so that the hub's worker (which calls Send
  // and Close, taking mu_) and the I/O thread (which calls the hub) cannot wait on each other.
  std::mutex hub_mu_;
  eventify::spi::HubInbound* hub_ = nullptr;

  std::mutex mu_;  // guards connections_ and the queue part of each Connection
  std::condition_variable all_closed_;
  std::map<eventify::spi::ConnectionId, ConnectionPtr> connections_;
};

}  // namespace line_chat
