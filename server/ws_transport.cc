// The WebSocket endpoint (ws_transport.h). Compiled as C++17 in its own target: g++ 12 cannot
// compile websocketpp 0.8.2 as C++20 (docs/dependencies.md). docs/protocol.md, "WebSocket
// binding", is the contract this file implements.
#include "ws_transport.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/core.hpp>
#include <websocketpp/server.hpp>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ws_close_codes.h"
#include "ws_deadline_wheel.h"
#include "ws_frame_queue.h"

namespace eventify::server {
namespace {

constexpr std::size_t kReadBufferBytes = 256;

// websocketpp's protocol (handshake, framing, closing handshake) over its iostream transport: the
// endpoint owns the sockets (Asio, one I/O thread) and feeds each connection's websocketpp state
// machine the bytes it reads, and websocketpp's writes come back through the connection's write
// handler to the same socket. websocketpp's Asio transport carried about 2.1 KB more per
// connection (its socket wrapper, strand and two fixed 1 KiB handler allocators;
// docs/performance.md, "websocketpp's iostream transport"), and everything runs on the I/O thread,
// so no locks either. Each connection still carries its read buffer inline: frames and handshakes
// longer than it are fed in several pieces (websocketpp parses incrementally); a client's chat
// frame is a few hundred bytes.
struct WsConfig : websocketpp::config::core {
  using type = WsConfig;
  using concurrency_type = websocketpp::concurrency::none;
  using elog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::elevel>;
  using alog_type = websocketpp::log::basic<concurrency_type, websocketpp::log::alevel>;
  struct transport_config : websocketpp::config::core::transport_config {
    using concurrency_type = WsConfig::concurrency_type;
    using elog_type = WsConfig::elog_type;
    using alog_type = WsConfig::alog_type;
  };
  using transport_type = websocketpp::transport::iostream::endpoint<transport_config>;
  static const std::size_t connection_read_buffer_size = kReadBufferBytes;
};

using Endpoint = websocketpp::server<WsConfig>;
using Handle = websocketpp::connection_hdl;
using Clock = std::chrono::steady_clock;

// Frames are written to a connection only while fewer than this many of its bytes are unwritten
// (taken by neither the socket nor the kernel); the rest wait in the connection's own bounded
// queue, which can be dropped when the peer is too slow.
constexpr std::size_t kInFlightBytes = 64 * 1024;
// The HTTP upgrade must be done this long after the TCP connection was accepted (websocketpp's
// own default when it owned the sockets).
constexpr std::chrono::seconds kUpgradeTimeout{5};
// What a connection keeps of its unwritten-bytes buffer once drained.
constexpr std::size_t kKeptOutBytes = 4096;
constexpr std::string_view kChatJoinRef = "chat_socket";
constexpr std::size_t kMaxTokenBytes = 4096;

enum class State {
  kUpgrading,       // accepted; the HTTP upgrade is not done yet
  kAwaitingAuth,    // upgraded; its first frame must be the auth frame
  kAuthenticating,  // the hub has the token and has not answered `ready` yet
  kOpen,            // the hub accepted the token
  kClosing,         // closed by the server: nothing more is sent or forwarded
};

// One accepted TCP connection: its socket, websocketpp's state machine over it, and the
// endpoint's bookkeeping. Owned by Impl::by_id from the accept to websocketpp's close (or fail)
// handler, and by the socket's and timers' pending waits; touched on the I/O thread only.
struct Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(asio::ip::tcp::socket s) : socket(std::move(s)) {}

  asio::ip::tcp::socket socket;
  Endpoint::connection_ptr ws;  // websocketpp's side, fed by the reads of `socket`
  std::string out;              // written to the connection, not yet taken by the socket
  bool write_armed = false;     // waiting for the socket to take `out`
  bool transport_done = false;  // websocketpp ended its side: the socket closes once `out` is out
  bool tcp_closed = false;      // the socket is closed: nothing more is read or written
  spi::ConnectionId id = 0;
  bool opened = false;  // upgraded, and counted for its address
  std::string address;
  std::string conversation_id;  // the chat socket's conversation; empty for notifications
  State state = State::kUpgrading;
  bool hub_knows = false;     // OnOpened was called: OnClosed is owed
  bool join_pending = false;  // a chat socket waiting for the hub's answer to its join
  std::string user_id;        // from the hub's `ready`
  bool counted_for_user = false;
  // The upgrade's deadline, then the auth frame's.
  std::unique_ptr<asio::steady_timer> auth_timer;
  // Once closing: the closing handshake's deadline, then the last write's.
  std::unique_ptr<asio::steady_timer> close_timer;
  // The keep-alive wheel's tick (Impl::keepalive) when the next ping is due, or the pong's
  // deadline when awaiting_pong.
  std::int64_t keepalive_tick = 0;
  Clock::time_point window_start{};
  int window_frames = 0;
  FrameQueue queued;  // not yet written
  std::size_t queued_bytes = 0;
  bool pump_pending = false;  // in Impl::pump_later: pumped at the end of the hub's burst
  bool awaiting_pong = false;  // a ping went out and no pong came back yet
  bool ping_due = false;       // our ping, to go out ahead of `queued` at the next pump
  // The pong owed for the peer's latest ping (its payload), ahead of `queued` at the next pump;
  // a newer ping replaces it (RFC 6455 5.5.3), so a peer that pings and never reads holds one.
  std::unique_ptr<std::string> pong_due;
  // A close the hub asked for, made once the frames queued before it have been handed over.
  bool close_when_drained = false;
  websocketpp::close::status::value drained_code = 0;
  std::string drained_reason;
};

// The member `name` of a JSON object as a string; empty when it is not there or not a string.
std::string StringMember(const rapidjson::Document& document, const char* name) {
  if (!document.IsObject()) return {};
  const auto member = document.FindMember(name);
  if (member == document.MemberEnd() || !member->value.IsString()) return {};
  return std::string(member->value.GetString(), member->value.GetStringLength());
}

// A conversation id from a path segment: letters, digits, '-' and '_' only (ids are generated by
// the library in that alphabet), so that it can never break out of the frames built with it.
bool IsConversationId(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The socket a request path names: true with `conversation_id` empty for /ws/notifications/, set
// for /ws/chat/{id}/; false for anything else. The trailing slash is optional.
bool ParsePath(std::string path, std::string& conversation_id) {
  if (!path.empty() && path.back() == '/') path.pop_back();
  if (path == "/ws/notifications") {
    conversation_id.clear();
    return true;
  }
  constexpr std::string_view kChat = "/ws/chat/";
  if (path.compare(0, kChat.size(), kChat) != 0) return false;
  conversation_id = path.substr(kChat.size());
  return IsConversationId(conversation_id);
}

std::string JoinFrame(const std::string& conversation_id) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("type");
  writer.String("join");
  writer.Key("conversation_id");
  writer.String(conversation_id.c_str());
  writer.Key("ref");
  writer.String(kChatJoinRef.data(), static_cast<rapidjson::SizeType>(kChatJoinRef.size()));
  writer.EndObject();
  return buffer.GetString();
}

}  // namespace

struct WsTransport::Impl {
  explicit Impl(WsOptions o) : options(std::move(o)) {}

  // First, so that they outlive everything below (frame deleters read `stopped`).
  std::atomic<bool> stopped{false};
  std::atomic<bool> shutdown_begun{false};
  std::atomic<bool> started{false};
  std::atomic<spi::HubInbound*> hub{nullptr};
  WsOptions options;
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};  // after a failed accept (out of descriptors)
  // Every connection's next ping or pong deadline (KeepAliveAt): ticks of 250 ms, a turn of 64 s.
  DeadlineWheel keepalive{io, std::chrono::milliseconds(250), 256,
                          [this](spi::ConnectionId id) { return KeepAliveTick(id); },
                          [this](spi::ConnectionId id) { KeepAliveDue(id); }};
  Endpoint endpoint;
  std::thread thread;
  std::promise<void> thread_done;

  // The hub's frames and closes on their way to the I/O thread, in the order of the calls. One
  // post carries everything the hub's worker handed over meanwhile: the I/O thread wakes once per
  // burst of routing, not once per frame, and a socket's frames of one burst (a message and its
  // notification) reach websocketpp together and leave in one write.
  struct HubCall {
    spi::ConnectionId connection;
    std::string frame;
    bool close;  // Transport::Close: `frame` is the reason
  };
  std::mutex hub_calls_mutex;
  std::vector<HubCall> hub_calls;  // guarded by hub_calls_mutex
  bool hub_calls_posted = false;   // guarded by hub_calls_mutex

  void FromHub(spi::ConnectionId connection, std::string frame, bool close) {
    bool post;
    {
      std::lock_guard<std::mutex> lock(hub_calls_mutex);
      hub_calls.push_back(HubCall{connection, std::move(frame), close});
      post = !hub_calls_posted;
      hub_calls_posted = true;
    }
    if (!post) return;
    try {
      asio::post(io, [this] { TakeHubCalls(); });
    } catch (...) {  // out of memory: the next call posts again
      std::lock_guard<std::mutex> lock(hub_calls_mutex);
      hub_calls_posted = false;
      throw;
    }
  }

  // The burst is moved out first: a handler that throws (Start keeps the loop serving) loses the
  // rest of its burst, never replays it, and leaves no burst half open.
  void TakeHubCalls() {
    std::vector<HubCall> calls = std::move(spare_calls);  // its capacity goes to the hub's side
    calls.clear();
    {
      std::lock_guard<std::mutex> lock(hub_calls_mutex);
      calls.swap(hub_calls);
      hub_calls_posted = false;
    }
    in_hub_burst = true;
    try {
      for (HubCall& call : calls) {
        if (call.close) {
          CloseForHub(call.connection, call.frame);
        } else {
          Deliver(call.connection, std::move(call.frame));
        }
      }
    } catch (...) {
      in_hub_burst = false;
      PumpLater();
      throw;
    }
    in_hub_burst = false;
    PumpLater();
    calls.clear();
    // What the spare keeps between bursts (up to 3 MiB each for it and hub_calls, which take
    // turns: 6 MiB for the pair): a burst of fan-out is thousands of calls, and a vector regrown
    // from nothing at each burst was most of the hub's page faults (50 rooms of 10 at 20,000
    // messages/s; docs/performance.md).
    constexpr std::size_t kKeptCalls = 65536;
    if (calls.capacity() <= kKeptCalls) spare_calls = std::move(calls);
  }

  // The sockets the burst queued frames for, each pumped once with all of them.
  void PumpLater() {
    std::vector<spi::ConnectionId> ids;
    ids.swap(pump_later);
    for (const spi::ConnectionId id : ids) {
      const auto found = by_id.find(id);
      if (found != by_id.end()) found->second->pump_pending = false;
    }
    for (const spi::ConnectionId id : ids) {
      const auto found = by_id.find(id);
      if (found == by_id.end() || found->second->state == State::kClosing) continue;
      const std::shared_ptr<Connection> c = found->second;  // Pump may close and forget it
      Pump(*c);
    }
  }

  // Touched on the I/O thread only (and by Shutdown once that thread has ended).
  bool in_hub_burst = false;  // in TakeHubCalls: Queue leaves the pump to its end
  std::vector<spi::ConnectionId> pump_later;
  std::vector<HubCall> spare_calls;  // the last burst's emptied vector
  bool shutting_down = false;
  spi::ConnectionId next_id = 0;
  std::unordered_map<spi::ConnectionId, std::shared_ptr<Connection>> by_id;
  std::unordered_map<std::string, int> per_address;
  std::unordered_map<std::string, int> per_user;

  // What every read of a socket lands in before websocketpp copies it into the connection's own
  // buffer: one for the I/O thread, so idle connections hold none.
  std::array<char, 64 * 1024> read_buffer;

  // ---- sockets ----------------------------------------------------------------------------------

  void Accept() {
    acceptor.async_accept([this](const asio::error_code& error, asio::ip::tcp::socket socket) {
      if (error == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!error) {
        Accept();  // first: a connection that fails below must not stop the listener
        Accepted(std::move(socket));
        return;
      }
      // Out of descriptors, most likely: accepting again at once would spin.
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](const asio::error_code& waited) {
        if (!waited && acceptor.is_open()) Accept();
      });
    });
  }

  void Accepted(asio::ip::tcp::socket socket) {
    asio::error_code ignored;  // a socket that cannot take an option still works
    // Frames are small and written as they come: without TCP_NODELAY a frame written while the
    // previous one is unacknowledged waits for the peer's delayed acknowledgement (up to 40 ms
    // on Linux).
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    asio::error_code error;
    socket.non_blocking(true, error);  // reads and writes must never wait: the thread is shared
    if (error) return;  // closes the socket
    auto c = std::make_shared<Connection>(std::move(socket));
    const auto remote = c->socket.remote_endpoint(ignored);
    c->address = ignored ? std::string("unknown") : remote.address().to_string();
    c->ws = endpoint.get_connection();
    if (!c->ws) return;  // closes the socket
    c->id = ++next_id;
    Hook(*c);
    by_id.emplace(c->id, c);
    c->auth_timer = std::make_unique<asio::steady_timer>(io, kUpgradeTimeout);
    c->auth_timer->async_wait([this, c](const asio::error_code& error) {
      if (!error && c->state == State::kUpgrading) Drop(*c);
    });
    if (shutting_down) {
      Drop(*c);
      return;
    }
    c->ws->start();  // asks for the handshake's bytes
    Read(c);
  }

  // websocketpp's handlers of one connection, set on the connection itself: each finds its
  // Connection without a look-up, and the endpoint keeps no map by websocketpp's handle. Each
  // holds two pointers, which std::function keeps inline. websocketpp calls them only from within
  // the calls the endpoint makes to it, while the Connection lives.
  void Hook(Connection& c) {
    Connection* raw = &c;
    Endpoint::connection_type& ws = *c.ws;
    ws.set_write_handler([this, raw](Handle, const char* data, std::size_t size) {
      WriteRaw(*raw, data, size);
      return websocketpp::lib::error_code();
    });
    // A frame of websocketpp's own (a close frame: header and payload) in one write.
    ws.set_vector_write_handler(
        [this, raw](Handle, const std::vector<websocketpp::transport::buffer>& buffers) {
          std::string joined;
          for (const auto& buffer : buffers) joined.append(buffer.buf, buffer.len);
          WriteRaw(*raw, joined.data(), joined.size());
          return websocketpp::lib::error_code();
        });
    ws.set_shutdown_handler([this, raw](Handle) {
      TransportDone(*raw);
      return websocketpp::lib::error_code();
    });
    ws.set_validate_handler([this, raw](Handle) { return Validate(*raw); });
    ws.set_open_handler([this, raw](Handle) { Opened(*raw); });
    ws.set_message_handler(
        [this, raw](Handle, Endpoint::message_ptr m) { Received(*raw, std::move(m)); });
    ws.set_close_handler([this, raw](Handle) { Forget(*raw); });  // an upgraded connection
    ws.set_fail_handler([this, raw](Handle) { Forget(*raw); });   // the upgrade failed
    // A pong shows the peer alive: the hub's heartbeat (HubOptions::heartbeat_timeout) counts it
    // like a frame, so a client that only answers our pings is not closed for silence.
    ws.set_pong_handler([this, raw](Handle, std::string) {
      PongReceived(*raw);
      if (raw->state != State::kOpen) return;
      if (auto* inbound = hub.load()) inbound->OnKeepAlive(raw->id);
    });
    // Answered by the endpoint (false: websocketpp does not answer it itself).
    ws.set_ping_handler([this, raw](Handle, std::string payload) {
      PingReceived(*raw, std::move(payload));
      return false;
    });
  }

  void Read(const std::shared_ptr<Connection>& c) {
    c->socket.async_wait(asio::socket_base::wait_read, [this, c](const asio::error_code& error) {
      if (error || c->tcp_closed) return;
      ReadReady(*c);
    });
  }

  // Feeds websocketpp one read of what the socket holds (its handlers run inside read_all),
  // then waits again, or ends the connection at the end of the stream or on an error. One read
  // per turn: a peer that sends faster than websocketpp parses must not keep the thread from
  // every other socket, the hub's calls and the timers. The wait (Asio re-arms it with
  // epoll_ctl, which looks at the socket again) comes back at once when bytes are left, behind
  // whatever else is ready.
  void ReadReady(Connection& c) {
    const std::shared_ptr<Connection> held = c.shared_from_this();
    const Endpoint::connection_ptr ws = c.ws;
    asio::error_code error;
    const std::size_t size = c.socket.read_some(asio::buffer(read_buffer), error);
    if (error && error != asio::error::would_block && error != asio::error::try_again &&
        error != asio::error::interrupted) {
      EndTransport(c, error == asio::error::eof);
      return;
    }
    if (size > 0) {
      ws->read_all(read_buffer.data(), size);  // less when websocketpp stopped reading: dropped
      if (c.tcp_closed || c.transport_done) return;
    }
    Read(held);
  }

  // The peer is gone (end of stream, or an error): websocketpp ends its side, and its close (or
  // fail) handler runs.
  void EndTransport(Connection& c, bool eof) {
    const Endpoint::connection_ptr ws = c.ws;
    if (eof) {
      ws->eof();  // completes websocketpp's pending read, which ends the connection
    } else {
      ws->fatal_error();
    }
    if (ws->get_state() != websocketpp::session::state::closed) {
      ws->terminate(websocketpp::transport::error::make_error_code(
          websocketpp::transport::error::eof));  // it was not reading
    }
  }

  // Closes the socket now, whatever is unwritten, with a reset (SO_LINGER 0): the kernel keeps
  // nothing of it for a peer that does not read (a closed socket's unsent bytes would otherwise
  // wait in the kernel, megabytes of them, for as long as the peer's window stays shut). Then
  // lets websocketpp end its side.
  void Drop(Connection& c) {
    const std::shared_ptr<Connection> held = c.shared_from_this();
    asio::error_code ignored;
    if (!c.tcp_closed) c.socket.set_option(asio::socket_base::linger(true, 0), ignored);
    CloseTcp(c);
    EndTransport(c, /*eof=*/true);
  }

  void CloseTcp(Connection& c) {
    if (c.tcp_closed) return;
    c.tcp_closed = true;
    asio::error_code ignored;
    c.socket.close(ignored);  // cancels the pending waits
    std::string().swap(c.out);
    if (c.auth_timer) c.auth_timer->cancel();
    if (c.close_timer) c.close_timer->cancel();
  }

  // websocketpp's end of the connection (its shutdown handler): the socket closes once what was
  // written to it is out, or after ws.close_timeout when the peer does not read.
  void TransportDone(Connection& c) {
    c.transport_done = true;
    if (c.out.empty()) {
      Finish(c);
      return;
    }
    ArmCloseDeadline(c);
  }

  // websocketpp is done and everything was handed to the kernel. When the kernel has sent it
  // all, the socket closes at once. Otherwise the peer has not taken it yet: our FIN goes behind
  // it, and the socket closes when the peer ends its side, or is reset at the close deadline, so
  // that the kernel never keeps bytes for a peer that does not read.
  void Finish(Connection& c) {
    if (AllTaken(c)) {
      CloseTcp(c);
      return;
    }
    asio::error_code ignored;
    c.socket.shutdown(asio::socket_base::shutdown_send, ignored);
    ArmCloseDeadline(c);
    AwaitPeerEnd(c.shared_from_this());
  }

  // Whether the kernel has sent all that was written to the socket (SIOCOUTQ: nothing unsent);
  // true when it cannot tell.
  static bool AllTaken(Connection& c) {
    int unsent = 0;
    return ::ioctl(c.socket.native_handle(), SIOCOUTQ, &unsent) != 0 || unsent == 0;
  }

  // Reads (and drops) what the peer still sends until its end of the stream, then closes; a
  // reset if the kernel still holds bytes for it.
  void AwaitPeerEnd(const std::shared_ptr<Connection>& c) {
    c->socket.async_wait(asio::socket_base::wait_read, [this, c](const asio::error_code& error) {
      if (error || c->tcp_closed) return;
      asio::error_code read;
      c->socket.read_some(asio::buffer(read_buffer), read);
      if (!read || read == asio::error::would_block || read == asio::error::interrupted) {
        AwaitPeerEnd(c);
        return;
      }
      if (AllTaken(*c)) {
        CloseTcp(*c);
      } else {
        Drop(*c);
      }
    });
  }

  // The closing handshake's deadline, which is also the last write's: past it the socket is
  // dropped. Set once: the last write of a close the endpoint started does not move it on.
  void ArmCloseDeadline(Connection& c) {
    if (c.close_timer) return;
    c.close_timer = std::make_unique<asio::steady_timer>(io, options.close_timeout);
    c.close_timer->async_wait([this, held = c.shared_from_this()](const asio::error_code& error) {
      if (!error && !held->tcp_closed) Drop(*held);
    });
  }

  // Everything written to a connection, websocketpp's handshake and close frames and the
  // endpoint's frames alike, goes out in the order written: straight to the socket when nothing
  // is waiting (most writes end there), else behind what waits, when the socket can take more.
  void WriteRaw(Connection& c, const char* data, std::size_t size) {
    if (c.tcp_closed || size == 0) return;
    if (c.out.empty() && (!SendNow(c, data, size) || size == 0)) return;
    c.out.append(data, size);
    if (!c.write_armed) ArmWrite(c);
  }

  // A write failed (the peer reset the connection): nothing more is written, and the read side,
  // which sees the same error, ends the connection.
  void Broken(Connection& c) {
    std::string().swap(c.out);
    asio::error_code ignored;
    c.socket.shutdown(asio::socket_base::shutdown_send, ignored);
    if (c.transport_done) CloseTcp(c);
  }

  void ArmWrite(Connection& c) {
    c.write_armed = true;
    c.socket.async_wait(asio::socket_base::wait_write,
                        [this, held = c.shared_from_this()](const asio::error_code& error) {
                          held->write_armed = false;
                          if (!error && !held->tcp_closed) Flush(*held);
                        });
  }

  // Sends what the socket takes of `data` without waiting, moving `data` and `size` past it.
  // False when the socket broke (Broken has run).
  bool SendNow(Connection& c, const char*& data, std::size_t& size) {
    while (size > 0) {
      const ssize_t sent =
          ::send(c.socket.native_handle(), data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
        Broken(c);
        return false;
      }
      data += sent;
      size -= static_cast<std::size_t>(sent);
    }
    return true;
  }

  // The socket can take more: writes what waits, then the frames queued behind it.
  void Flush(Connection& c) {
    const char* data = c.out.data();
    std::size_t size = c.out.size();
    if (!SendNow(c, data, size)) return;
    c.out.erase(0, c.out.size() - size);
    if (!c.out.empty()) {
      ArmWrite(c);
      return;
    }
    if (c.out.capacity() > kKeptOutBytes) std::string().swap(c.out);
    if (c.transport_done) {
      Finish(c);
      return;
    }
    Pump(c);
  }

  // ---- handshake ----------------------------------------------------------------------------

  bool OriginAllowed(const std::string& origin) const {
    if (origin.empty()) return true;  // not a browser
    for (const std::string& allowed : options.allowed_origins) {
      if (allowed == "*" || allowed == origin) return true;
    }
    return false;
  }

  bool Validate(Connection& c) {
    Endpoint::connection_type* socket = c.ws.get();
    const std::string resource = socket->get_resource();
    std::string conversation_id;
    if (resource.find('?') != std::string::npos) {
      // A token must never travel in a URL (where proxies and logs keep it): no query at all.
      socket->set_status(websocketpp::http::status_code::bad_request);
      socket->set_body("query strings are not accepted; authenticate with the first frame\n");
      return false;
    }
    if (!ParsePath(resource, conversation_id)) {
      socket->set_status(websocketpp::http::status_code::not_found);
      return false;
    }
    if (!OriginAllowed(socket->get_request_header("Origin"))) {
      socket->set_status(websocketpp::http::status_code::forbidden);
      socket->set_body("origin not allowed\n");
      return false;
    }
    return !shutting_down;
  }

  // websocketpp keeps the handshake's request and response, header maps included, for the
  // connection's life: a few hundred bytes per socket from the load tool, a few KiB from a browser
  // (a dozen headers and cookies). Nothing reads them once the socket is open (websocketpp's open
  // log has run, its close log reads none of them), so they are emptied here. get_request and
  // get_response hand out const references to members of the connection: not const objects.
  template <typename Parser>
  static void ClearHeaders(const Parser& parsed) {
    auto& headers = const_cast<Parser&>(parsed);
    std::vector<std::string> names;
    names.reserve(headers.get_headers().size());
    for (const auto& header : headers.get_headers()) names.push_back(header.first);
    for (const std::string& name : names) headers.remove_header(name);
  }

  void Opened(Connection& opened) {
    const std::shared_ptr<Connection> c = opened.shared_from_this();
    c->opened = true;
    c->state = State::kAwaitingAuth;
    ParsePath(c->ws->get_resource(), c->conversation_id);
    ClearHeaders(c->ws->get_request());
    ClearHeaders(c->ws->get_response());
    // Its URI, host and resource parsed (about 160 bytes): read above for the last time.
    c->ws->set_uri(nullptr);
    const int from_address = ++per_address[c->address];
    if (shutting_down) {
      CloseSocket(*c, ws_close::kGoingAway, ws_close::kShuttingDown);
      return;
    }
    if (from_address > options.max_connections_per_address) {
      CloseSocket(*c, ws_close::kTooManyConnections, ws_close::kTooManyForAddress);
      return;
    }
    c->auth_timer->expires_after(options.auth_timeout);  // the upgrade's wait ends, aborted
    c->auth_timer->async_wait([this, c](const asio::error_code& error) {
      if (error || c->state != State::kAwaitingAuth) return;
      CloseSocket(*c, ws_close::kAuthTimeout, ws_close::kAuthTimeoutReason);
    });
    KeepAliveAt(*c, Clock::now() + options.ping_interval);
  }

  // Keep-alive. The endpoint sends its pings itself, through the connection's own queue, instead
  // of websocketpp's `ping` (which needs its timers: the iostream transport has none), and
  // answers the peer's pings itself (PingReceived), keeping only the latest. Each connection has
  // one deadline, on the shared wheel: `ws.ping_interval` after the last ping (or the open), a
  // ping; then the pong's deadline, `ws.pong_timeout` later, where a socket still awaiting it is
  // closed (4410); a pong moves it on to the next ping.
  void KeepAliveAt(Connection& c, Clock::time_point at) {
    c.keepalive_tick = keepalive.Schedule(c.id, at);
  }

  std::int64_t KeepAliveTick(spi::ConnectionId id) const {
    const auto found = by_id.find(id);
    if (found == by_id.end() || found->second->state == State::kClosing) return -1;
    return found->second->keepalive_tick;
  }

  void KeepAliveDue(spi::ConnectionId id) {
    const std::shared_ptr<Connection> c = by_id.at(id);  // a close below may forget it
    if (c->awaiting_pong) {
      CloseSocket(*c, ws_close::kPongTimeout, ws_close::kPongTimeoutReason);
      return;
    }
    c->awaiting_pong = true;
    c->ping_due = true;
    KeepAliveAt(*c, Clock::now() + options.pong_timeout);
    Pump(*c);
  }

  void PongReceived(Connection& c) {
    if (!c.awaiting_pong || c.state == State::kClosing) return;
    c.awaiting_pong = false;
    // Awaiting a pong, the deadline is the pong's: the ping went out pong_timeout before.
    const Clock::time_point ping_sent_at =
        keepalive.TimeOf(c.keepalive_tick) - options.pong_timeout;
    KeepAliveAt(c, std::max(ping_sent_at + options.ping_interval, Clock::now()));
  }

  // A ping from the peer is answered with a pong carrying its payload (RFC 6455 5.5.3; at most
  // 125 bytes: websocketpp refuses a longer control frame from the peer).
  void PingReceived(Connection& c, std::string payload) {
    if (c.state == State::kClosing) return;
    c.pong_due = std::make_unique<std::string>(std::move(payload));
    Pump(c);
  }

  static void AppendFrame(std::string& wire, websocketpp::frame::opcode::value opcode,
                          const std::string& payload) {
    const websocketpp::frame::basic_header header(opcode, payload.size(), true, false);
    wire += websocketpp::frame::prepare_header(
        header, websocketpp::frame::extended_header(payload.size()));
    wire += payload;
  }

  // ---- client → hub ---------------------------------------------------------------------------

  void Received(Connection& received, Endpoint::message_ptr message) {
    const std::shared_ptr<Connection> c = received.shared_from_this();
    if (c->state == State::kClosing) return;
    if (message->get_opcode() != websocketpp::frame::opcode::text) {
      CloseSocket(*c, ws_close::kUnsupportedData, ws_close::kTextOnly);
      return;
    }
    if (c->state == State::kAwaitingAuth) {
      Authenticate(*c, message->get_payload());
      return;
    }
    const auto now = Clock::now();
    if (now - c->window_start >= std::chrono::seconds(1)) {
      c->window_start = now;
      c->window_frames = 0;
    }
    if (++c->window_frames > options.max_messages_per_second) {
      CloseSocket(*c, ws_close::kRateLimited, ws_close::kRateLimitedReason);
      return;
    }
    if (auto* inbound = hub.load()) inbound->OnFrame(c->id, std::move(message->get_raw_payload()));
  }

  void Authenticate(Connection& c, const std::string& payload) {
    rapidjson::Document document;
    document.Parse(payload.data(), payload.size());
    const std::string token = document.HasParseError() ? "" : StringMember(document, "token");
    if (StringMember(document, "type") != "auth" || token.empty() ||
        token.size() > kMaxTokenBytes) {
      CloseSocket(c, ws_close::kAuthExpected, ws_close::kAuthExpectedReason);
      return;
    }
    c.auth_timer.reset();  // cancels its wait (the handler sees operation_aborted); idle sockets
                           // are most of the server's memory, so nothing is kept that is not used
    c.state = State::kAuthenticating;
    spi::HubInbound* inbound = hub.load();
    if (inbound == nullptr) return;
    c.hub_knows = true;
    inbound->OnOpened(c.id, token);
    if (!c.conversation_id.empty()) {
      c.join_pending = true;
      inbound->OnFrame(c.id, JoinFrame(c.conversation_id));
    }
  }

  // ---- hub → client ---------------------------------------------------------------------------

  void Deliver(spi::ConnectionId id, std::string frame) {
    const auto found = by_id.find(id);
    if (found == by_id.end()) return;
    const std::shared_ptr<Connection> held = found->second;  // a close below may forget it
    Connection& c = *held;
    if (c.state == State::kClosing || c.close_when_drained) return;
    if (c.state == State::kAuthenticating && !Accepted(c, frame)) return;
    if (c.join_pending && frame.find(kChatJoinRef) != std::string::npos && !Joined(c, frame)) {
      return;
    }
    Queue(c, std::move(frame));
  }

  // The hub's first frames while authenticating: `ready` makes the connection its user's (within
  // max_connections_per_user); anything else (the token's `error`) just goes out.
  bool Accepted(Connection& c, const std::string& frame) {
    rapidjson::Document document;
    document.Parse(frame.data(), frame.size());
    if (document.HasParseError() || StringMember(document, "type") != "ready") return true;
    c.state = State::kOpen;
    c.user_id = StringMember(document, "user_id");
    c.counted_for_user = true;
    if (++per_user[c.user_id] > options.max_connections_per_user) {
      CloseSocket(c, ws_close::kTooManyConnections, ws_close::kTooManyForUser);
      return false;
    }
    return true;
  }

  // The hub's answer to a chat socket's join: `joined` goes out; an `error` goes out and closes
  // the socket with its code. False when the socket was closed.
  bool Joined(Connection& c, const std::string& frame) {
    rapidjson::Document document;
    document.Parse(frame.data(), frame.size());
    if (document.HasParseError() || StringMember(document, "ref") != kChatJoinRef) return true;
    c.join_pending = false;
    if (StringMember(document, "type") != "error") return true;
    const std::string code = StringMember(document, "code");
    Queue(c, frame);
    Pump(c);  // the error goes out ahead of the close frame (Queue may have left it queued)
    CloseSocket(c, ws_close::kJoinRefused, code.empty() ? std::string("join_refused") : code);
    return false;
  }

  // Frames are written while less than kInFlightBytes of the connection's are unwritten; beyond
  // that they wait here, bounded by the send-queue limits. In a burst of the hub's calls the
  // frames that fit are only queued, and pumped together at the burst's end (PumpLater); a frame
  // beyond the allowance first sends them on, so the limits count the same backlog as when every
  // frame was pumped as it came.
  void Queue(Connection& c, std::string frame) {
    if (in_hub_burst) {
      if (c.out.size() + c.queued_bytes + frame.size() <= kInFlightBytes) {
        c.queued_bytes += frame.size();
        c.queued.push_back(std::move(frame));
        if (!c.pump_pending) {
          pump_later.push_back(c.id);
          c.pump_pending = true;
        }
        return;
      }
      if (!c.queued.empty()) {
        Pump(c);
        if (c.state == State::kClosing) return;
      }
    }
    if (c.queued.size() + 1 > static_cast<std::size_t>(options.send_queue_max_frames) ||
        c.queued_bytes + frame.size() > options.send_queue_max_bytes) {
      c.queued.clear();  // never read: only the close frame still matters
      c.queued_bytes = 0;
      CloseSocket(c, ws_close::kSendQueueFull, ws_close::kSendQueueFullReason);
      return;
    }
    c.queued_bytes += frame.size();
    c.queued.push_back(std::move(frame));
    Pump(c);
  }

  // Writes queued frames while less than kInFlightBytes of the connection's are unwritten, those
  // of one pump in one write: each frame is framed here (a server frame is not masked) and the
  // write is the frames back to back, the pending ping and pong first. Flush pumps again as the
  // socket takes what waits.
  void Pump(Connection& c) {
    if (c.transport_done || c.tcp_closed) return;
    while ((c.ping_due || c.pong_due || !c.queued.empty()) && c.out.size() < kInFlightBytes) {
      // The frames this write takes: the control frames due, then data frames while they fit
      // in the room left (at least one: the room is never 0 here).
      const std::size_t room = kInFlightBytes - c.out.size();
      constexpr std::size_t kMaxHeader = 10;  // an unmasked frame's header, at most
      std::string wire;
      wire.reserve(std::min(c.queued_bytes + kMaxHeader * (c.queued.size() + 2), room));
      if (c.ping_due) AppendFrame(wire, websocketpp::frame::opcode::ping, {});
      if (c.pong_due) AppendFrame(wire, websocketpp::frame::opcode::pong, *c.pong_due);
      c.ping_due = false;
      c.pong_due.reset();
      while (!c.queued.empty() && wire.size() < room) {
        std::string frame = c.queued.pop_front();
        c.queued_bytes -= frame.size();
        AppendFrame(wire, websocketpp::frame::opcode::text, frame);
      }
      WriteRaw(c, wire.data(), wire.size());
      if (c.tcp_closed) return;
    }
    if (c.queued.empty() && c.close_when_drained) CloseSocket(c, c.drained_code, c.drained_reason);
  }

  // ---- closing --------------------------------------------------------------------------------

  void CloseSocket(Connection& c, websocketpp::close::status::value code,
                   const std::string& reason) {
    if (c.state == State::kClosing) return;
    c.state = State::kClosing;
    c.queued.clear();
    c.queued_bytes = 0;
    c.ping_due = false;
    c.pong_due.reset();
    if (c.auth_timer) c.auth_timer->cancel();
    if (c.tcp_closed || c.transport_done) return;
    websocketpp::lib::error_code ec;
    c.ws->close(code, reason, ec);  // the close frame is written at once
    if (ec) {
      Drop(c);
      return;
    }
    if (!c.tcp_closed) ArmCloseDeadline(c);
  }

  // Called by the hub (Transport::Close), on the I/O thread.
  void CloseForHub(spi::ConnectionId id, const std::string& reason) {
    const auto found = by_id.find(id);
    if (found == by_id.end()) return;
    const std::shared_ptr<Connection> held = found->second;  // closing may forget it
    Connection& c = *held;
    if (reason == spi::kCloseUnauthenticated) {
      // The token's `error` frame is queued ahead: let it go out before the close frame.
      CloseAfterQueue(c, ws_close::kUnauthenticated, reason);
    } else if (reason == spi::kCloseShuttingDown) {
      CloseAfterQueue(c, ws_close::kGoingAway, reason);
    } else {
      CloseAfterQueue(c, ws_close::kPolicy, reason);
    }
  }

  // Closes once the frames queued so far have been written (the close frame goes out behind
  // them); frames sent after the close are dropped.
  void CloseAfterQueue(Connection& c, websocketpp::close::status::value code,
                       const std::string& reason) {
    if (c.state == State::kClosing || c.close_when_drained) return;
    c.close_when_drained = true;
    c.drained_code = code;
    c.drained_reason = reason;
    Pump(c);
  }

  // The connection has ended: websocketpp's close handler (an upgraded connection) or fail
  // handler (the upgrade failed), after its shutdown handler (TransportDone); or Shutdown.
  void Forget(Connection& c) {
    const std::shared_ptr<Connection> held = c.shared_from_this();
    by_id.erase(c.id);
    if (c.auth_timer) c.auth_timer->cancel();
    if (c.opened) {
      c.opened = false;
      if (--per_address[c.address] <= 0) per_address.erase(c.address);
    }
    if (c.counted_for_user) {
      c.counted_for_user = false;
      if (--per_user[c.user_id] <= 0) per_user.erase(c.user_id);
    }
    if (c.hub_knows) {
      c.hub_knows = false;  // told once, whichever way it ends
      if (auto* inbound = hub.load()) inbound->OnClosed(c.id);
    }
    c.state = State::kClosing;
  }

  void StartClosingAll() {
    shutting_down = true;
    asio::error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    keepalive.Stop();
    // Over a copy: closing a socket already half closed terminates it at once, and its close
    // handler takes it out of the maps while we would still be walking them.
    std::vector<std::shared_ptr<Connection>> all;
    all.reserve(by_id.size());
    for (const auto& entry : by_id) all.push_back(entry.second);
    for (const auto& c : all) {
      if (c->state == State::kUpgrading) {
        Drop(*c);
      } else {
        CloseSocket(*c, ws_close::kGoingAway, ws_close::kShuttingDown);
      }
    }
  }
};

WsTransport::WsTransport(WsOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {
  Endpoint& endpoint = impl_->endpoint;
  // No access or error log: nothing of a frame (tokens included) or a URL is ever written.
  endpoint.clear_access_channels(websocketpp::log::alevel::all);
  endpoint.clear_error_channels(websocketpp::log::elevel::all);
  endpoint.set_max_message_size(impl_->options.max_frame_bytes);
  // The handlers are the connections' own (Impl::Hook).
}

WsTransport::~WsTransport() { Shutdown(); }

int WsTransport::Bind(std::string& error) {
  Impl& impl = *impl_;
  const std::string where = impl.options.host + ":" + std::to_string(impl.options.port);
  asio::error_code ec;
  asio::ip::tcp::resolver resolver(impl.io);
  const auto found = resolver.resolve(impl.options.host, std::to_string(impl.options.port),
                                      asio::ip::tcp::resolver::passive, ec);
  if (!ec && found.empty()) ec = asio::error::host_not_found;
  asio::ip::tcp::acceptor& acceptor = impl.acceptor;
  if (!ec) acceptor.open(found.begin()->endpoint().protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(found.begin()->endpoint(), ec);
  if (!ec) acceptor.listen(impl.options.backlog, ec);
  if (ec) {
    asio::error_code ignored;
    acceptor.close(ignored);
    error = "cannot listen for WebSockets on " + where + ": " + ec.message();
    return -1;
  }
  const auto local = acceptor.local_endpoint(ec);
  if (ec) {
    asio::error_code ignored;
    acceptor.close(ignored);
    error = "cannot read the WebSocket listener's port: " + ec.message();
    return -1;
  }
  return local.port();
}

void WsTransport::Start(spi::HubInbound& hub) {
  Impl* impl = impl_.get();
  impl->hub = &hub;
  if (impl->acceptor.is_open()) impl->Accept();
  impl->started = true;
  impl->thread = std::thread([impl] {
    for (;;) {
      try {
        impl->io.run();
        break;
      } catch (const std::exception& e) {
        // A handler threw (a bug): the endpoint keeps serving everyone else.
        std::fprintf(stderr, "eventify-server: websocket handler failed: %s\n", e.what());
      }
    }
    impl->thread_done.set_value();
  });
}

void WsTransport::BeginShutdown() {
  if (impl_->shutdown_begun.exchange(true) || !impl_->started) return;
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl] { impl->StartClosingAll(); });
}

void WsTransport::Shutdown() {
  Impl* impl = impl_.get();
  if (impl->stopped.load()) return;
  if (impl->started) {
    BeginShutdown();
    // The loop ends by itself once the listener and every socket are closed.
    auto done = impl->thread_done.get_future();
    if (done.wait_for(impl->options.close_timeout + std::chrono::seconds(1)) !=
        std::future_status::ready) {
      impl->io.stop();
    }
    impl->thread.join();
  }
  impl->stopped = true;
  // Sockets whose closing handshake did not finish: dropped, which ends websocketpp's side too
  // (a pending read of an upgrade holds websocketpp's connection itself) and tells the hub
  // through the close handler.
  std::vector<std::shared_ptr<Connection>> left;
  for (const auto& entry : impl->by_id) left.push_back(entry.second);
  for (const auto& c : left) impl->Drop(*c);
  while (!impl->by_id.empty()) impl->Forget(*impl->by_id.begin()->second);
  impl->hub = nullptr;
}

void WsTransport::Send(spi::ConnectionId connection, std::string frame) {
  if (impl_->stopped.load()) return;
  impl_->FromHub(connection, std::move(frame), false);
}

void WsTransport::Close(spi::ConnectionId connection, std::string_view reason) {
  if (impl_->stopped.load()) return;
  impl_->FromHub(connection, std::string(reason), true);
}

}  // namespace eventify::server
