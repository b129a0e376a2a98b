// The WebSocket endpoint (ws_transport.h). Compiled as C++17 in its own target: g++ 12 cannot
// compile websocketpp 0.8.2 as C++20 (docs/dependencies.md). docs/protocol.md, "WebSocket
// binding", is the contract this file implements.
#include "ws_transport.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ws_close_codes.h"

namespace eventify::server {
namespace {

constexpr std::size_t kReadBufferBytes = 1024;

// websocketpp's asio configuration but for the read buffer that each connection carries inline:
// 16 KiB by default, which made most of an idle socket's memory. Frames and handshakes longer
// than the buffer are read in several pieces (websocketpp parses incrementally); a client's chat
// frame is a few hundred bytes. 1 KiB against 2 KiB: 1 KiB less per socket, throughput within
// the noise (docs/performance.md).
struct WsConfig : websocketpp::config::asio {
  using type = WsConfig;
  static const std::size_t connection_read_buffer_size = kReadBufferBytes;
};

using Endpoint = websocketpp::server<WsConfig>;
using Handle = websocketpp::connection_hdl;
using Message = websocketpp::config::asio::message_type;
using Clock = std::chrono::steady_clock;

// The bytes handed to websocketpp for a connection and not yet written to its socket. Each
// message's deleter (it runs once websocketpp has written and released it) takes its bytes off.
struct InFlight {
  std::atomic<std::size_t> bytes{0};
  std::atomic<bool> pump_posted{false};
};

// Frames are handed to websocketpp only while fewer than this many bytes are in flight; the rest
// wait in the connection's own bounded queue, which can be dropped when the peer is too slow.
constexpr std::size_t kInFlightBytes = 64 * 1024;
constexpr std::string_view kChatJoinRef = "chat_socket";
constexpr std::size_t kMaxTokenBytes = 4096;

enum class State {
  kAwaitingAuth,    // upgraded; its first frame must be the auth frame
  kAuthenticating,  // the hub has the token and has not answered `ready` yet
  kOpen,            // the hub accepted the token
  kClosing,         // closed by the server: nothing more is sent or forwarded
};

// A connection's frames not yet handed to websocketpp, first in first out. Unlike std::deque,
// which allocates about 600 bytes as it is constructed, it holds nothing while empty: most
// connections are idle, and most of the time a busy one's frames go straight through.
class FrameQueue {
 public:
  bool empty() const { return head_ == frames_.size(); }
  std::size_t size() const { return frames_.size() - head_; }
  void push_back(std::string frame) {
    if (head_ > 0 && head_ * 2 >= frames_.size()) {  // the taken half: drop it before growing
      frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    frames_.push_back(std::move(frame));
  }
  // Requires !empty().
  std::string pop_front() {
    std::string frame = std::move(frames_[head_++]);
    if (empty()) clear();
    return frame;
  }
  void clear() {
    head_ = 0;
    frames_.clear();
    if (frames_.capacity() > kKeptCapacity) std::vector<std::string>().swap(frames_);
  }

 private:
  static constexpr std::size_t kKeptCapacity = 64;  // what a busy connection keeps when drained
  std::vector<std::string> frames_;
  std::size_t head_ = 0;  // frames_[0, head_) were taken
};

struct Connection {
  spi::ConnectionId id = 0;
  Handle handle;
  std::string address;
  std::string conversation_id;  // the chat socket's conversation; empty for notifications
  State state = State::kAwaitingAuth;
  bool hub_knows = false;     // OnOpened was called: OnClosed is owed
  bool join_pending = false;  // a chat socket waiting for the hub's answer to its join
  std::string user_id;        // from the hub's `ready`
  bool counted_for_user = false;
  std::unique_ptr<asio::steady_timer> auth_timer;
  std::unique_ptr<asio::steady_timer> ping_timer;  // the next ping, or the deadline of its pong
  Clock::time_point window_start{};
  int window_frames = 0;
  FrameQueue queued;  // not yet handed to websocketpp
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
  std::shared_ptr<InFlight> in_flight = std::make_shared<InFlight>();
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
  Endpoint endpoint;
  std::shared_ptr<Message::con_msg_man_type> messages =
      std::make_shared<Message::con_msg_man_type>();
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
    constexpr std::size_t kKeptCalls = 4096;  // what the spare keeps between bursts
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
  std::map<Handle, std::shared_ptr<Connection>, std::owner_less<Handle>> by_handle;
  std::unordered_map<std::string, int> per_address;
  std::unordered_map<std::string, int> per_user;

  Endpoint::connection_ptr Socket(const Connection& c) {
    websocketpp::lib::error_code ec;
    auto socket = endpoint.get_con_from_hdl(c.handle, ec);
    return ec ? nullptr : socket;
  }

  // ---- handshake ----------------------------------------------------------------------------

  bool OriginAllowed(const std::string& origin) const {
    if (origin.empty()) return true;  // not a browser
    for (const std::string& allowed : options.allowed_origins) {
      if (allowed == "*" || allowed == origin) return true;
    }
    return false;
  }

  bool Validate(Handle handle) {
    auto socket = endpoint.get_con_from_hdl(handle);
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

  void Opened(Handle handle) {
    auto socket = endpoint.get_con_from_hdl(handle);
    auto c = std::make_shared<Connection>();
    c->id = ++next_id;
    c->handle = handle;
    ParsePath(socket->get_resource(), c->conversation_id);
    ClearHeaders(socket->get_request());
    ClearHeaders(socket->get_response());
    asio::error_code ec;
    const auto remote = socket->get_raw_socket().remote_endpoint(ec);
    c->address = ec ? std::string("unknown") : remote.address().to_string();
    by_id.emplace(c->id, c);
    by_handle.emplace(handle, c);
    const int from_address = ++per_address[c->address];
    if (shutting_down) {
      CloseSocket(*c, ws_close::kGoingAway, ws_close::kShuttingDown);
      return;
    }
    if (from_address > options.max_connections_per_address) {
      CloseSocket(*c, ws_close::kTooManyConnections, ws_close::kTooManyForAddress);
      return;
    }
    c->auth_timer = std::make_unique<asio::steady_timer>(io, options.auth_timeout);
    c->auth_timer->async_wait([this, c](const asio::error_code& error) {
      if (error || c->state != State::kAwaitingAuth) return;
      CloseSocket(*c, ws_close::kAuthTimeout, ws_close::kAuthTimeoutReason);
    });
    SchedulePing(c, Clock::now() + options.ping_interval);
  }

  // Keep-alive. The endpoint sends its pings itself, through the connection's own queue, instead
  // of websocketpp's `ping` (and answers the peer's pings itself: PingReceived): websocketpp then
  // writes nothing of its own while the socket is open, which Write relies on. One timer per
  // connection: `ws.ping_interval` after the last ping (or the open), a ping; then the pong's
  // deadline, `ws.pong_timeout` later, where a socket still awaiting it is closed (4410); a
  // pong moves the timer on to the next ping.
  void SchedulePing(const std::shared_ptr<Connection>& c, Clock::time_point at) {
    if (!c->ping_timer) c->ping_timer = std::make_unique<asio::steady_timer>(io);
    c->ping_timer->expires_at(at);
    c->ping_timer->async_wait([this, c](const asio::error_code& error) {
      if (error || c->state == State::kClosing) return;
      // A completion already queued when the timer was moved on (PongReceived in the same turn
      // of the loop) is stale: the wait set by the move is the one that counts.
      if (c->ping_timer->expiry() > Clock::now()) return;
      if (c->awaiting_pong) {
        CloseSocket(*c, ws_close::kPongTimeout, ws_close::kPongTimeoutReason);
        return;
      }
      c->awaiting_pong = true;
      c->ping_due = true;
      SchedulePing(c, Clock::now() + options.pong_timeout);
      Pump(*c);
    });
  }

  void PongReceived(const std::shared_ptr<Connection>& c) {
    if (!c->awaiting_pong || c->state == State::kClosing) return;
    c->awaiting_pong = false;
    // Awaiting a pong, the timer holds its deadline: the ping went out pong_timeout before.
    const Clock::time_point ping_sent_at = c->ping_timer->expiry() - options.pong_timeout;
    SchedulePing(c, std::max(ping_sent_at + options.ping_interval, Clock::now()));
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

  void Received(Handle handle, Endpoint::message_ptr message) {
    const auto found = by_handle.find(handle);
    if (found == by_handle.end()) return;
    const std::shared_ptr<Connection> c = found->second;
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

  // Frames go to websocketpp while less than kInFlightBytes are in flight; beyond that they wait
  // here, bounded by the send-queue limits. In a burst of the hub's calls the frames that fit in
  // flight are only queued, and pumped together at the burst's end (PumpLater); a frame beyond
  // the allowance first sends them on, so the limits count the same backlog as when every frame
  // was pumped as it came.
  void Queue(Connection& c, std::string frame) {
    if (in_hub_burst) {
      if (c.in_flight->bytes.load() + c.queued_bytes + frame.size() <= kInFlightBytes) {
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

  // Writes queued frames (Write) while less than kInFlightBytes are in flight, those of one pump
  // in one write: each frame is framed here (a server frame is not masked) and the write is the
  // frames back to back, the pending ping and pong first.
  void Pump(Connection& c) {
    auto socket = Socket(c);
    if (!socket) return;
    const std::shared_ptr<InFlight> in_flight = c.in_flight;
    while ((c.ping_due || c.pong_due || !c.queued.empty()) &&
           in_flight->bytes.load() < kInFlightBytes) {
      // The frames this write takes: the control frames due, then data frames while they fit
      // in the room left (at least one: the room is never 0 here).
      const std::size_t room = kInFlightBytes - in_flight->bytes.load();
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
      Write(*socket, in_flight, c.id, std::move(wire));
    }
    if (c.queued.empty() && c.close_when_drained) CloseSocket(c, c.drained_code, c.drained_reason);
  }

  // Writes framed bytes to the socket. When nothing of the connection is in websocketpp's hands
  // (nothing in flight, and websocketpp writes nothing of its own while the socket is open: the
  // endpoint sends the pings and pongs itself) the bytes go straight to the socket, without
  // waiting: most writes end there, without the message, shared pointer, write buffers and
  // completion handlers websocketpp allocates for each (docs/performance.md, "Writes straight to
  // the socket"). What the socket does not take at once (its buffer is full, or an error that
  // websocketpp will meet and close on) is handed to websocketpp as one prepared message, behind
  // which later writes queue, so the order of the bytes is kept.
  void Write(Endpoint::connection_type& socket, const std::shared_ptr<InFlight>& in_flight,
             spi::ConnectionId id, std::string wire) {
    if (in_flight->bytes.load() == 0 && socket.get_state() == websocketpp::session::state::open) {
      const ssize_t sent = ::send(socket.get_raw_socket().native_handle(), wire.data(),
                                  wire.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent == static_cast<ssize_t>(wire.size())) return;
      if (sent > 0) wire.erase(0, static_cast<std::size_t>(sent));
    }
    const std::size_t size = wire.size();
    in_flight->bytes += size;
    auto* raw = new Message(messages, websocketpp::frame::opcode::text, 0);
    std::shared_ptr<Message> message(raw, [this, in_flight, size, id](Message* m) {
      delete m;
      in_flight->bytes -= size;
      if (!stopped.load() && !in_flight->pump_posted.exchange(true)) {
        asio::post(io, [this, in_flight, id] {
          in_flight->pump_posted = false;
          const auto found = by_id.find(id);
          if (found != by_id.end() && found->second->state != State::kClosing) {
            Pump(*found->second);
          }
        });
      }
    });
    message->get_raw_payload() = std::move(wire);
    message->set_prepared(true);
    socket.send(message);  // an error means the socket is closing: the frames are dropped
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
    if (c.ping_timer) c.ping_timer->cancel();
    if (auto socket = Socket(c)) {
      websocketpp::lib::error_code ec;
      socket->close(code, reason, ec);
      if (ec) socket->terminate(ec);
    }
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

  // Closes once the frames queued so far have been handed to websocketpp (its own queue keeps
  // their order ahead of the close frame); frames sent after the close are dropped.
  void CloseAfterQueue(Connection& c, websocketpp::close::status::value code,
                       const std::string& reason) {
    if (c.state == State::kClosing || c.close_when_drained) return;
    c.close_when_drained = true;
    c.drained_code = code;
    c.drained_reason = reason;
    Pump(c);
  }

  void Closed(Handle handle) {
    const auto found = by_handle.find(handle);
    if (found == by_handle.end()) return;
    const std::shared_ptr<Connection> c = found->second;
    by_handle.erase(found);
    Forget(*c);
  }

  void Forget(Connection& c) {
    by_id.erase(c.id);
    if (c.auth_timer) c.auth_timer->cancel();
    if (c.ping_timer) c.ping_timer->cancel();
    if (--per_address[c.address] <= 0) per_address.erase(c.address);
    if (c.counted_for_user) {
      c.counted_for_user = false;
      if (--per_user[c.user_id] <= 0) per_user.erase(c.user_id);
    }
    if (c.hub_knows) {
      if (auto* inbound = hub.load()) inbound->OnClosed(c.id);
    }
    c.state = State::kClosing;
  }

  void StartClosingAll() {
    shutting_down = true;
    websocketpp::lib::error_code ignored;
    endpoint.stop_listening(ignored);
    // Over a copy: closing a socket already half closed terminates it at once, and its close
    // handler takes it out of by_id while we would still be walking the map.
    std::vector<std::shared_ptr<Connection>> open;
    open.reserve(by_id.size());
    for (const auto& entry : by_id) open.push_back(entry.second);
    for (const auto& c : open) CloseSocket(*c, ws_close::kGoingAway, ws_close::kShuttingDown);
  }
};

WsTransport::WsTransport(WsOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {
  Endpoint& endpoint = impl_->endpoint;
  // No access or error log: nothing of a frame (tokens included) or a URL is ever written.
  endpoint.clear_access_channels(websocketpp::log::alevel::all);
  endpoint.clear_error_channels(websocketpp::log::elevel::all);
  endpoint.init_asio(&impl_->io);
  endpoint.set_reuse_addr(true);
  endpoint.set_listen_backlog(impl_->options.backlog);
  endpoint.set_max_message_size(impl_->options.max_frame_bytes);
  Impl* impl = impl_.get();
  const long close_ms =
      static_cast<long>(std::chrono::milliseconds(impl->options.close_timeout).count());
  endpoint.set_validate_handler([impl](Handle h) { return impl->Validate(h); });
  endpoint.set_tcp_post_init_handler([impl, close_ms](Handle h) {
    auto socket = impl->endpoint.get_con_from_hdl(h);
    // Frames are small and written as they come: without TCP_NODELAY a frame written while the
    // previous one is unacknowledged waits for the peer's delayed acknowledgement (up to 40 ms
    // on Linux). Set here, on the accepted socket: websocketpp's socket-init handler runs on the
    // socket before accept, where the option cannot be set (it failed silently there).
    asio::error_code ignored;  // a socket that cannot take it still works, only later
    socket->get_socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    socket->set_close_handshake_timeout(close_ms);
  });
  endpoint.set_open_handler([impl](Handle h) { impl->Opened(h); });
  endpoint.set_message_handler(
      [impl](Handle h, Endpoint::message_ptr m) { impl->Received(h, std::move(m)); });
  endpoint.set_close_handler([impl](Handle h) { impl->Closed(h); });
  // A pong shows the peer alive: the hub's heartbeat (HubOptions::heartbeat_timeout) counts it
  // like a frame, so a client that only answers our pings is not closed for silence.
  endpoint.set_pong_handler([impl](Handle h, std::string) {
    const auto found = impl->by_handle.find(h);
    if (found == impl->by_handle.end()) return;
    const std::shared_ptr<Connection> c = found->second;
    impl->PongReceived(c);
    if (c->state != State::kOpen) return;
    if (auto* inbound = impl->hub.load()) inbound->OnKeepAlive(c->id);
  });
  // Answered by the endpoint (false: websocketpp does not answer it itself).
  endpoint.set_ping_handler([impl](Handle h, std::string payload) {
    const auto found = impl->by_handle.find(h);
    if (found == impl->by_handle.end()) return false;
    const std::shared_ptr<Connection> c = found->second;  // a close below may forget it
    impl->PingReceived(*c, std::move(payload));
    return false;
  });
}

WsTransport::~WsTransport() { Shutdown(); }

int WsTransport::Bind(std::string& error) {
  websocketpp::lib::error_code ec;
  impl_->endpoint.listen(impl_->options.host, std::to_string(impl_->options.port), ec);
  if (ec) {
    error = "cannot listen for WebSockets on " + impl_->options.host + ":" +
            std::to_string(impl_->options.port) + ": " + ec.message();
    return -1;
  }
  asio::error_code local_ec;
  const auto local = impl_->endpoint.get_local_endpoint(local_ec);
  if (local_ec) {
    error = "cannot read the WebSocket listener's port: " + local_ec.message();
    return -1;
  }
  return local.port();
}

void WsTransport::Start(spi::HubInbound& hub) {
  Impl* impl = impl_.get();
  impl->hub = &hub;
  websocketpp::lib::error_code ec;
  impl->endpoint.start_accept(ec);
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
  // Sockets whose closing handshake did not finish: the hub still counts them as open.
  while (!impl->by_id.empty()) impl->Forget(*impl->by_id.begin()->second);
  impl->by_handle.clear();
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
