// Transport: how the chat hub (eventify/hub.h) reaches connected clients, and how the network
// layer reports connections to it. The library has no network stack; an integrator (the server's
// WebSocket endpoint, a line-based TCP protocol, a test's RecordingTransport) implements
// `Transport` to deliver frames, and calls the hub through `HubInbound` when a connection opens,
// sends a frame or closes. docs/protocol.md describes the frames themselves.
//
// Connections are named by a ConnectionId the transport chooses: unique among the connections it
// has open at once (it may reuse an id only after it reported the close with
// HubInbound::OnClosed).
//
// Threads. The library never blocks a transport thread: every HubInbound call only queues the
// work and returns (storage is read and written on the hub's own worker thread), and the hub
// calls Transport::Send and Transport::Close from that worker thread, which therefore must not
// block on a slow peer either.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eventify/export.h"

namespace eventify::spi {

using ConnectionId = std::uint64_t;

// Why the hub closes a connection (the `reason` of Transport::Close; stable words, listed in
// docs/protocol.md).
inline constexpr std::string_view kCloseUnauthenticated = "unauthenticated";  // bad token
inline constexpr std::string_view kCloseShuttingDown = "shutting_down";       // the hub stops
// Nothing came from the connection (no frame, no keep-alive) for HubOptions::heartbeat_timeout.
inline constexpr std::string_view kCloseHeartbeatTimeout = "heartbeat_timeout";

// Implemented by the integrator; the hub shares ownership (Hub::Create).
class EVENTIFY_EXPORT Transport {
 public:
  virtual ~Transport() = default;

  // Delivers one text frame (a JSON object, UTF-8) to the connection. Must not block: queue the
  // frame for the connection's socket and return. A connection that cannot keep up (its queue
  // is full) is the transport's to close (then report OnClosed); a frame for a connection that
  // is already gone is dropped. Frames sent to one connection must arrive in the order of the
  // calls. Called from the hub's worker thread only, never concurrently with itself.
  virtual void Send(ConnectionId connection, std::string frame) = 0;

  // Closes the connection after the frames already sent, telling the peer `reason` (one of the
  // kClose* words). The transport still reports OnClosed afterwards. Must not block. Called from
  // the hub's worker thread only.
  virtual void Close(ConnectionId connection, std::string_view reason) = 0;
};

// Implemented by the hub (eventify::Hub); called by the transport. Every call returns at once: it
// queues the work for the hub's worker thread, which handles one connection's calls in the order
// they were made. Thread-safety: callable from any number of transport threads at once.
class EVENTIFY_EXPORT HubInbound {
 public:
  virtual ~HubInbound() = default;

  // A client connected, presenting an access token (Accounts::Login; for WebSocket, from the
  // Authorization header or the first frame, as the transport's own protocol says). The hub
  // verifies it with Accounts::Authenticate: the connection's user is the token's user and
  // nothing a frame says changes it. On success the client gets a `ready` frame; otherwise an
  // `error` frame (code invalid_token, token_expired, session_revoked or account_blocked) and the
  // connection is closed with kCloseUnauthenticated.
  virtual void OnOpened(ConnectionId connection, std::string access_token) = 0;

  // One text frame the client sent. Frames of a connection that is not open (never opened, or
  // closed) are ignored. Every frame, even one the hub refuses, shows the connection alive.
  virtual void OnFrame(ConnectionId connection, std::string frame) = 0;

  // The transport's own keep-alive arrived (a WebSocket pong, a TCP protocol's heartbeat line):
  // the connection is alive, as a `ping` frame would show, without a frame to answer. Ignored for
  // a connection that is not open.
  virtual void OnKeepAlive(ConnectionId connection) = 0;

  // The connection is gone (the peer closed it, it timed out, or the transport closed it). The
  // id may be reused after this call.
  virtual void OnClosed(ConnectionId connection) = 0;
};

}  // namespace eventify::spi
