#include "http_server.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <exception>
#include <mutex>
#include <random>
#include <unordered_set>

#include "api.h"
#include "http_errors.h"
#include "http_parser.h"
#include "multipart.h"

namespace eventify::server {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// File descriptors kept free of connections: database, media and outbox files, the listener.
constexpr rlim_t kReservedDescriptors = 256;
// After a response that ends the connection, what the client still sends is read and dropped
// for this long, so that closing with unread bytes does not reset the connection before the
// client has read the answer.
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kReadBufferBytes = 4 * 1024;  // per connection: kept small for many idle ones
// After accept fails for want of descriptors or memory, the listener waits this long.
constexpr std::chrono::milliseconds kAcceptPause{100};

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  // Request ids correlate log lines; they need to be unique, not unpredictable.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return fmt::format("{:016x}", generator());
}

// Keeps control characters from a decoded path out of the log.
std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  return out;
}

std::tm UtcNow(std::chrono::system_clock::time_point now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return utc;
}

// RFC 3339 UTC with milliseconds: 2026-01-31T12:00:00.123Z.
std::string LogTimestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::tm utc = UtcNow(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

// The Date header field (RFC 9110 section 5.6.7): Sun, 06 Nov 1994 08:49:37 GMT.
std::string HttpDate() {
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::tm utc = UtcNow(std::chrono::system_clock::now());
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[utc.tm_wday], utc.tm_mday,
                     kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

// The request a route sees: a parsed head and body, owned, handed to a worker.
class ParsedRequest final : public ApiRequest {
 public:
  ParsedRequest(RequestHead head, std::string body, std::string remote_address)
      : head_(std::move(head)),
        body_(std::move(body)),
        remote_address_(std::move(remote_address)) {}

  // Reads the parts of a multipart/form-data body; the error refuses the request.
  std::optional<HttpError> ReadParts() {
    const auto content_type = head_.Header("Content-Type");
    if (!content_type || !IsMultipartFormData(*content_type)) return std::nullopt;
    multipart_ = true;
    return ParseMultipart(*content_type, body_, parts_);
  }

  const RequestHead& head() const { return head_; }

  std::string_view method() const override { return head_.method; }
  std::string_view path() const override { return head_.path; }
  std::optional<std::string_view> query(std::string_view name) const override {
    return head_.Query(name);
  }
  std::optional<std::string_view> header(std::string_view name) const override {
    return head_.Header(name);
  }
  std::vector<std::string_view> header_values(std::string_view name) const override {
    return head_.HeaderValues(name);
  }
  std::string_view body() const override { return body_; }
  std::string_view remote_address() const override { return remote_address_; }
  bool is_multipart() const override { return multipart_; }
  std::optional<std::string_view> form_part(std::string_view name) const override {
    const auto it = parts_.find(name);
    if (it == parts_.end()) return std::nullopt;
    return std::string_view(it->second);
  }

 private:
  RequestHead head_;
  std::string body_;
  std::string remote_address_;
  bool multipart_ = false;
  FormParts parts_;
};

ApiResponse ErrorFor(const HttpError& error) {
  return ErrorResponse(error.status, error.code, error.message);
}

// The id of a request: its own X-Request-Id when that is sane, else a new one.
std::string RequestIdFor(const RequestHead* head) {
  const auto incoming = head != nullptr ? head->Header("X-Request-Id") : std::nullopt;
  return incoming && IsAcceptableRequestId(*incoming) ? std::string(*incoming) : NewRequestId();
}

// Writes the request id into an error body of the common shape, {"error":{...}}, as its last
// member request_id (the id's characters need no JSON escaping).
void AddRequestIdToError(std::string_view id, ApiResponse& response) {
  static constexpr std::string_view kOpening = "{\"error\":{";
  std::string& body = response.body;
  if (response.status < 400 || response.content_type != "application/json" ||
      body.rfind(kOpening, 0) != 0 || body.size() < kOpening.size() + 2 ||
      body.compare(body.size() - 2, 2, "}}") != 0) {
    return;
  }
  body.insert(body.size() - 2, fmt::format(",\"request_id\":\"{}\"", id));
}

// What every response gets whoever produced it: the request id (header and error body) and, for
// personal data, no caching.
void AddCommonHeaders(const RequestHead* head, std::string_view id, ApiResponse& response) {
  AddRequestIdToError(id, response);
  response.headers.emplace_back("X-Request-Id", std::string(id));
  const bool has_cache_control = std::any_of(
      response.headers.begin(), response.headers.end(),
      [](const auto& header) { return HeaderNameEquals(header.first, "Cache-Control"); });
  if (head != nullptr && !has_cache_control && head->path.rfind("/api/", 0) == 0) {
    response.headers.emplace_back("Cache-Control", "no-store");  // personal data: never cache
  }
}

// The status line, header fields and (unless HEAD) body of a response.
std::string Serialize(const ApiResponse& response, bool head_request, bool keep_alive,
                      int minor_version) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nDate: {}\r\n", response.status,
                                ReasonPhrase(response.status), HttpDate());
  if (!response.content_type.empty()) {
    out += fmt::format("Content-Type: {}\r\n", response.content_type);
  }
  if (response.status != 204 && response.status != 304) {
    out += fmt::format("Content-Length: {}\r\n", response.body.size());
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (minor_version == 0) {
    out += "Connection: keep-alive\r\n";
  }
  for (const auto& [name, value] : response.headers) out += fmt::format("{}: {}\r\n", name, value);
  out += "\r\n";
  if (!head_request && response.status != 204 && response.status != 304) out += response.body;
  return out;
}

}  // namespace

class HttpConnection;

// The listener's state, shared by its connections (HttpServer::Impl is private to the class).
struct ServerCore {
  ServerCore(const ServerConfig& config, const Router& router, HttpServices services)
      : config(config),
        router(router),
        services(services),
        limits{config.http_max_header_bytes, config.http_max_body_bytes},
        max_connections(config.http_max_connections),
        workers(static_cast<std::size_t>(config.http_threads)) {}

  void Accept();
  void OnAccepted(const asio::error_code& error, tcp::socket socket);
  void Refuse(tcp::socket socket);
  void BeginStop();
  // Runs a request on a worker thread: a CORS preflight's answer, a rate limit's refusal, the
  // refusal of its multipart body, the router's answer, or 500 when a handler throws. Counts it
  // in the metrics and logs it when log_requests.
  ApiResponse Handle(ParsedRequest& request, const std::string& remote,
                     Clock::time_point started) const;
  ApiResponse Route(ParsedRequest& request, const RouteMatch& match,
                    const std::string& remote) const;
  // The metrics and the log line of an answer.
  void Account(int route, const std::string& remote, const RequestHead* head,
               const ApiResponse& response, std::string_view user,
               Clock::time_point started) const;
  void Log(const std::string& remote, const RequestHead* head, const ApiResponse& response,
           std::string_view user, Clock::time_point started) const;

  const ServerConfig& config;
  const Router& router;
  const HttpServices services;
  const HttpLimits limits;
  std::size_t max_connections;

  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_pause{io};
  asio::thread_pool workers;

  // I/O thread only.
  std::unordered_set<HttpConnection*> connections;
  bool stopping = false;
  bool listener_failed = false;

  std::mutex mutex;
  bool stop_requested = false;  // guarded by mutex
  bool serving = false;         // guarded by mutex
};

struct HttpServer::Impl : ServerCore {
  using ServerCore::ServerCore;
};

// One client connection, driven by the I/O thread: reads and parses one request at a time, hands
// it to a worker, writes the answer and goes on with the next (pipelined requests wait in
// `pending_`, so answers go out in order). Each phase has its deadline on one timer.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(ServerCore& server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(server.io), parser_(server.limits) {}

  void Start() {
    asio::error_code ignored;
    const auto endpoint = socket_.remote_endpoint(ignored);
    remote_ = endpoint.address().to_string(ignored);
    socket_.set_option(tcp::no_delay(true), ignored);
    server_.connections.insert(this);
    Arm(Deadline::kHeader, server_.config.http_header_timeout);
    Read();
  }

  // Stop: closes the connection unless a request has begun; that one is answered first.
  void StopWhenIdle() {
    if (phase_ == Phase::kReading && !parser_.started()) Close();
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    asio::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
    server_.connections.erase(this);
  }

 private:
  enum class Phase { kReading, kDispatched, kWriting, kLingering, kClosed };
  enum class Deadline { kIdle, kHeader, kBody, kWrite, kLinger };

  void Arm(Deadline deadline, Clock::duration after) {
    deadline_ = deadline;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(),
                       generation = ++timer_generation_](const asio::error_code& error) {
      if (!error && generation == self->timer_generation_) self->OnDeadline();
    });
  }

  void OnDeadline() {
    if (phase_ == Phase::kClosed) return;
    const bool answerable =
        phase_ == Phase::kReading && !writing_ &&
        (deadline_ == Deadline::kBody || (deadline_ == Deadline::kHeader && parser_.started()));
    if (!answerable) {
      Close();
      return;
    }
    const bool body = deadline_ == Deadline::kBody;
    const auto limit = body ? server_.config.http_body_timeout : server_.config.http_header_timeout;
    RespondError(HttpError{408, "request_timeout",
                           fmt::format("the request {} did not arrive within {} s",
                                       body ? "body" : "head", limit.count())});
  }

  void Read() {
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](const asio::error_code& error, std::size_t size) {
          self->reading_ = false;
          self->OnRead(error, std::string_view(self->buffer_.data(), size));
        });
  }

  void OnRead(const asio::error_code& error, std::string_view data) {
    switch (phase_) {
      case Phase::kLingering:
        if (error) {
          Close();
        } else {
          Read();
        }
        return;
      case Phase::kReading:
        if (error) {
          Close();
        } else {
          Consume(data);
        }
        return;
      default:
        return;  // an answer that closes the connection is being written
    }
  }

  void Consume(std::string_view data) {
    const std::size_t consumed = parser_.Feed(data);
    switch (parser_.state()) {
      case RequestParser::State::kHead:
        if (parser_.started() && deadline_ == Deadline::kIdle) {
          Arm(Deadline::kHeader, server_.config.http_header_timeout);
        }
        Read();
        return;
      case RequestParser::State::kBody:
        if (deadline_ != Deadline::kBody) {
          Arm(Deadline::kBody, server_.config.http_body_timeout);
          // The client waits for this before sending the body it announced.
          if (parser_.head().expect_continue && parser_.body().empty()) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            writing_ = true;
            asio::async_write(
                socket_, asio::buffer(kContinue),
                [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                  self->writing_ = false;
                  if (error) {
                    self->Close();
                  } else if (self->phase_ == Phase::kReading) {
                    self->Read();
                  }
                });
            return;
          }
        }
        Read();
        return;
      case RequestParser::State::kComplete:
        pending_.assign(data.substr(consumed));
        Dispatch();
        return;
      case RequestParser::State::kFailed:
        RespondError(parser_.error());
        return;
    }
  }

  void Dispatch() {
    phase_ = Phase::kDispatched;
    ++timer_generation_;  // a handler's time is the server's own: no deadline
    timer_.cancel();
    ++served_;
    keep_alive_ =
        parser_.head().keep_alive && served_ < server_.config.http_keep_alive_max_requests;
    head_request_ = parser_.head().method == "HEAD";
    minor_version_ = parser_.head().minor_version;
    auto request =
        std::make_shared<ParsedRequest>(parser_.TakeHead(), std::move(parser_.body()), remote_);
    // The guard keeps Serve's loop running while the request is away on a worker.
    asio::post(server_.workers, [self = shared_from_this(), request, started = Clock::now(),
                                 guard = asio::make_work_guard(server_.io)] {
      ApiResponse response = self->server_.Handle(*request, self->remote_, started);
      asio::post(self->server_.io, [self, response = std::move(response)]() mutable {
        if (self->phase_ != Phase::kDispatched) return;
        self->Write(std::move(response));
      });
    });
  }

  // Answers what the HTTP layer itself refuses, then closes: after a framing error the rest of
  // the stream cannot be trusted.
  void RespondError(const HttpError& error) {
    const bool has_head = !parser_.head().method.empty();
    const RequestHead* head = has_head ? &parser_.head() : nullptr;
    ApiResponse response = ErrorFor(error);
    AddCommonHeaders(head, RequestIdFor(head), response);
    server_.Account(-1, remote_, head, response, "", Clock::now());
    keep_alive_ = false;
    head_request_ = false;
    minor_version_ = 1;
    Write(std::move(response));
  }

  void Write(ApiResponse response) {
    if (server_.stopping) keep_alive_ = false;
    phase_ = Phase::kWriting;
    out_ = Serialize(response, head_request_, keep_alive_, minor_version_);
    Arm(Deadline::kWrite, server_.config.http_write_timeout);
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                        self->writing_ = false;
                        self->OnWritten(error);
                      });
  }

  void OnWritten(const asio::error_code& error) {
    if (phase_ == Phase::kClosed) return;
    if (error) {
      Close();
      return;
    }
    out_.clear();
    if (!keep_alive_ || server_.stopping) {
      Linger();
      return;
    }
    phase_ = Phase::kReading;
    parser_.Reset();
    Arm(Deadline::kIdle, server_.config.http_keep_alive_timeout);
    if (pending_.empty()) {
      Read();
    } else {
      const std::string pipelined = std::move(pending_);
      pending_.clear();
      Consume(pipelined);
    }
  }

  void Linger() {
    phase_ = Phase::kLingering;
    asio::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    Arm(Deadline::kLinger, kLingerTime);
    if (!reading_) Read();
  }

  ServerCore& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;
  Deadline deadline_ = Deadline::kHeader;
  Phase phase_ = Phase::kReading;
  bool reading_ = false;
  bool writing_ = false;

  RequestParser parser_;
  std::array<char, kReadBufferBytes> buffer_{};
  std::string pending_;  // bytes received after the request being answered
  std::string out_;
  std::string remote_;
  int served_ = 0;
  bool keep_alive_ = true;
  bool head_request_ = false;
  int minor_version_ = 1;
};

ApiResponse ServerCore::Handle(ParsedRequest& request, const std::string& remote,
                               Clock::time_point started) const {
  const std::string id = RequestIdFor(&request.head());
  request.set_request_id(id);
  const RouteMatch match = router.Find(request);
  ApiResponse response = Route(request, match, remote);
  if (services.cors != nullptr) services.cors->Decorate(request, response);
  AddCommonHeaders(&request.head(), id, response);
  Account(match.index, remote, &request.head(), response, request.authenticated_user(), started);
  return response;
}

ApiResponse ServerCore::Route(ParsedRequest& request, const RouteMatch& match,
                              const std::string& remote) const {
  if (services.cors != nullptr) {
    if (auto preflight = services.cors->Preflight(request)) return std::move(*preflight);
  }
  const std::string_view pattern =
      match.index >= 0 ? std::string_view(router.pattern(match.index)) : std::string_view();
  if (RateLimits* limits = services.rate_limits;
      limits != nullptr && !RateLimits::IsExempt(pattern)) {
    if (auto refused =
            limits->AdmitAddress(remote, RateLimits::IsAuthRoute(pattern), request.request_id())) {
      return std::move(*refused);
    }
    request.set_user_gate([limits, &request](std::string_view user) {
      return limits->AdmitUser(user, request.request_id());
    });
  }
  if (auto refused = request.ReadParts()) return ErrorFor(*refused);
  try {
    return router.Run(match, request);
  } catch (const std::exception& e) {
    fmt::print(stderr, "eventify-server: id={} exception in {} {}: {}\n", request.request_id(),
               request.head().method, Printable(request.head().path), e.what());
  } catch (...) {
    fmt::print(stderr, "eventify-server: id={} unknown exception in {} {}\n", request.request_id(),
               request.head().method, Printable(request.head().path));
  }
  return ErrorResponse(500, "internal", "internal error");
}

void ServerCore::Account(int route, const std::string& remote, const RequestHead* head,
                         const ApiResponse& response, std::string_view user,
                         Clock::time_point started) const {
  if (services.metrics != nullptr) {
    services.metrics->Record(route, response.status, Clock::now() - started);
  }
  if (config.log_requests) Log(remote, head, response, user, started);
}

// One line per request: never the query string or a header value, which may carry secrets.
void ServerCore::Log(const std::string& remote, const RequestHead* head,
                     const ApiResponse& response, std::string_view user,
                     Clock::time_point started) const {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
  std::string_view id = "-";
  for (const auto& [name, value] : response.headers) {
    if (name == "X-Request-Id") id = value;
  }
  fmt::print(stderr, "{} {} {} {} {} {:.1f}ms id={} user={}\n", LogTimestamp(), remote,
             head != nullptr ? Printable(head->method) : "-",
             head != nullptr ? Printable(head->path) : "-", response.status,
             static_cast<double>(micros) / 1000.0, id, user.empty() ? "-" : user);
}

void ServerCore::Accept() {
  acceptor.async_accept(io, [this](const asio::error_code& error, tcp::socket socket) {
    OnAccepted(error, std::move(socket));
  });
}

void ServerCore::OnAccepted(const asio::error_code& error, tcp::socket socket) {
  if (stopping) return;
  if (!error) {
    if (connections.size() >= max_connections) {
      Refuse(std::move(socket));
    } else {
      auto connection = std::make_shared<HttpConnection>(*this, std::move(socket));
      connection->Start();
    }
    Accept();
    return;
  }
  if (error == asio::error::no_descriptors || error == asio::error::no_buffer_space ||
      error == asio::error::no_memory || error.value() == ENFILE) {
    // Out of descriptors or memory: wait for connections to end instead of spinning.
    accept_pause.expires_after(kAcceptPause);
    accept_pause.async_wait([this](const asio::error_code& waited) {
      if (!waited && !stopping) Accept();
    });
    return;
  }
  if (error == asio::error::bad_descriptor || error == asio::error::invalid_argument ||
      error == asio::error::not_socket) {
    fmt::print(stderr, "eventify-server: the listening socket failed: {}\n", error.message());
    listener_failed = true;
    BeginStop();
    return;
  }
  Accept();  // the client went away before it was accepted, or a passing network error
}

// Over http.max_connections: a short 503 written without waiting (a fresh socket's send buffer
// is empty), then the connection is closed.
void ServerCore::Refuse(tcp::socket socket) {
  ApiResponse response =
      ErrorResponse(503, "too_many_connections", "the server has too many open connections");
  response.headers.emplace_back("Retry-After", "1");
  AddCommonHeaders(nullptr, NewRequestId(), response);
  if (services.metrics != nullptr) services.metrics->Record(-1, response.status, {});
  const std::string bytes = Serialize(response, false, false, 1);
  asio::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(bytes), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void ServerCore::BeginStop() {
  if (stopping) return;
  stopping = true;
  asio::error_code ignored;
  acceptor.close(ignored);
  accept_pause.cancel();
  // Copied: closing a connection removes it from the set.
  const std::vector<HttpConnection*> open(connections.begin(), connections.end());
  for (HttpConnection* connection : open) connection->StopWhenIdle();
}

HttpServer::HttpServer(const ServerConfig& config, const Router& router, HttpServices services)
    : impl_(std::make_unique<Impl>(config, router, services)) {
  if (services.metrics != nullptr) services.metrics->BindRoutes(router);
}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Bind() {
  Impl& impl = *impl_;
  const ServerConfig& config = impl.config;
  const auto failed = [&](const std::string& why) -> Status {
    return Unavailable("cannot_listen", fmt::format("cannot listen on {} port {}: {}",
                                                    config.listen_host, config.listen_port, why));
  };

  // Every connection holds a descriptor: make room for http.max_connections of them, or serve
  // fewer than asked when the hard limit is lower.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    const rlim_t wanted = static_cast<rlim_t>(config.http_max_connections) + kReservedDescriptors;
    if (files.rlim_cur < wanted) {
      rlimit raised = files;
      raised.rlim_cur = files.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, files.rlim_max);
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) files = raised;
    }
    if (files.rlim_cur < wanted) {
      impl.max_connections = files.rlim_cur > 2 * kReservedDescriptors
                                 ? static_cast<std::size_t>(files.rlim_cur - kReservedDescriptors)
                                 : static_cast<std::size_t>(files.rlim_cur / 2);
      fmt::print(stderr,
                 "eventify-server: warning: the open-file limit ({}) allows only {} of the {} "
                 "connections of http.max_connections\n",
                 files.rlim_cur, impl.max_connections, config.http_max_connections);
    }
  }

  asio::error_code error;
  tcp::resolver resolver(impl.io);
  const auto endpoints =
      resolver.resolve(config.listen_host, std::to_string(config.listen_port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, error);
  if (error || endpoints.empty()) return failed(error ? error.message() : "address not usable");
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  // SO_REUSEADDR only: SO_REUSEPORT would let a second server silently share the port.
  if (impl.acceptor.open(endpoint.protocol(), error) ||
      impl.acceptor.set_option(tcp::acceptor::reuse_address(true), error) ||
      impl.acceptor.bind(endpoint, error) || impl.acceptor.listen(config.listen_backlog, error)) {
    asio::error_code ignored;
    impl.acceptor.close(ignored);
    return failed(error.message());
  }
  return static_cast<int>(impl.acceptor.local_endpoint(error).port());
}

Status HttpServer::Serve() {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.mutex);
    if (impl.stop_requested) return Status::Ok();
    impl.serving = true;
  }
  impl.Accept();
  impl.io.run();
  // Every connection has ended; the workers have nothing left to run.
  impl.workers.join();
  if (impl.listener_failed) return Unavailable("listener_failed", "the listening socket failed");
  return Status::Ok();
}

void HttpServer::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop_requested = true;
    if (!impl_->serving) return;
  }
  asio::post(impl_->io, [impl = impl_.get()] { impl->BeginStop(); });
}

}  // namespace eventify::server
