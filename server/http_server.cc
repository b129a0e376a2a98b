#include "http_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "api.h"
#include "http_errors.h"

namespace eventify::server {
namespace {

using Clock = std::chrono::steady_clock;

// When the current request started, for the access log; pre-routing and the logger run on the
// same worker thread.
thread_local std::optional<Clock::time_point> request_started;

// A request body as read by ReadBody: the raw bytes, or the parts of a multipart/form-data body.
struct Body {
  std::string bytes;
  std::map<std::string, std::string, std::less<>> parts;
};

class HttplibRequest final : public ApiRequest {
 public:
  HttplibRequest(const httplib::Request& request, const Body& body)
      : request_(request), body_(body) {}

  std::string_view method() const override { return request_.method; }
  std::string_view path() const override { return request_.path; }
  std::optional<std::string_view> query(std::string_view name) const override {
    // lower_bound: the first of equal keys, which a multimap keeps in insertion order.
    const auto it = request_.params.lower_bound(std::string(name));
    if (it == request_.params.end() || it->first != name) return std::nullopt;
    return std::string_view(it->second);
  }
  std::optional<std::string_view> header(std::string_view name) const override {
    const auto it = request_.headers.find(std::string(name));
    if (it == request_.headers.end()) return std::nullopt;
    return std::string_view(it->second);
  }
  std::string_view body() const override { return body_.bytes; }
  bool is_multipart() const override { return request_.is_multipart_form_data(); }
  std::optional<std::string_view> form_part(std::string_view name) const override {
    const auto it = body_.parts.find(name);
    if (it == body_.parts.end()) return std::nullopt;
    return std::string_view(it->second);
  }

 private:
  const httplib::Request& request_;
  const Body& body_;
};

void Write(const ApiResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [name, value] : from.headers) to.set_header(name, value);
  if (!from.content_type.empty()) to.set_content(from.body, from.content_type);
}

// A request without Content-Length and Transfer-Encoding has no body (RFC 9112 section 6.3); the
// HTTP library would instead read until the connection closes, so such requests are answered
// before it tries.
bool HasBody(const httplib::Request& request) {
  if (request.has_header("Transfer-Encoding")) return true;
  const std::string length = request.get_header_value("Content-Length");
  return !length.empty() && length != "0";
}

// Error codes for the statuses the HTTP library produces on its own.
std::string_view CodeForHttpStatus(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 415:
      return "unsupported_media_type";
    case 416:
      return "range_not_satisfiable";
    case 417:
      return "expectation_failed";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : "bad_request";
  }
}

ApiResponse BodyTooLarge(std::size_t limit) {
  return ErrorResponse(413, "payload_too_large",
                       fmt::format("the body is larger than {} bytes", limit));
}

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

}  // namespace

struct HttpServer::Impl {
  Impl(const ServerConfig& config, const Router& router) : config(config), router(router) {}

  void Configure();
  void Respond(const httplib::Request& request, const Body& body,
               httplib::Response& response) const;
  void RespondWithBody(const httplib::Request& request, const httplib::ContentReader& reader,
                       httplib::Response& response) const;

  const ServerConfig& config;
  const Router& router;
  httplib::Server server;
  std::atomic<int> listen_fd{-1};

  std::mutex mutex;
  bool stop_requested = false;  // guarded by mutex
  bool serving = false;         // guarded by mutex
  std::atomic<bool> serve_done{false};
};

void HttpServer::Impl::Respond(const httplib::Request& request, const Body& body,
                               httplib::Response& response) const {
  Write(router.Dispatch(HttplibRequest(request, body)), response);
}

// The library's own body handling keeps everything in memory and bounds only bodies with a
// Content-Length: a chunked or compressed body could grow without limit. Reading through the
// content reader keeps at most http.max_body_bytes; the rest is read and dropped, because the
// library cannot close the connection on our behalf and unread bytes would be parsed as the next
// request.
void HttpServer::Impl::RespondWithBody(const httplib::Request& request,
                                       const httplib::ContentReader& reader,
                                       httplib::Response& response) const {
  Body body;
  std::size_t kept = 0;
  bool too_large = false;
  const auto keep = [&](std::string* into, const char* data, std::size_t size) {
    if (into == nullptr || too_large) return true;
    if (size > config.http_max_body_bytes - kept) {
      too_large = true;
      return true;
    }
    into->append(data, size);
    kept += size;
    return true;
  };
  bool read = false;
  if (request.is_multipart_form_data()) {
    std::string* part = nullptr;  // the first part of each name is kept, repeats are dropped
    read = reader(
        [&](const httplib::MultipartFormData& header) {
          auto [it, inserted] = body.parts.try_emplace(header.name);
          part = inserted ? &it->second : nullptr;
          return true;
        },
        [&](const char* data, std::size_t size) { return keep(part, data, size); });
  } else {
    read =
        reader([&](const char* data, std::size_t size) { return keep(&body.bytes, data, size); });
  }
  if (too_large || response.status == 413) {
    Write(BodyTooLarge(config.http_max_body_bytes), response);
    return;
  }
  if (!read) {
    Write(ErrorResponse(400, "bad_request", "the body could not be read"), response);
    return;
  }
  Respond(request, body, response);
}

void HttpServer::Impl::Configure() {
  const std::size_t threads = static_cast<std::size_t>(config.http_threads);
  // One worker per connection, idle keep-alive included: the pool size is the number of
  // connections served at once, and keep-alive limits keep idle clients from holding it.
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_read_timeout(config.http_read_timeout);
  server.set_write_timeout(config.http_write_timeout);
  server.set_keep_alive_timeout(config.http_keep_alive_timeout.count());
  server.set_keep_alive_max_count(static_cast<std::size_t>(config.http_keep_alive_max_requests));
  server.set_payload_max_length(config.http_max_body_bytes);
  server.set_tcp_nodelay(true);

  // Replaces the library's defaults, which also set SO_REUSEPORT and so would let a second
  // server silently share the port.
  server.set_socket_options([this](socket_t fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = fd;
  });

  server.set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        request_started = Clock::now();
        if (HasBody(request)) return httplib::Server::HandlerResponse::Unhandled;
        Respond(request, Body(), response);
        return httplib::Server::HandlerResponse::Handled;
      });

  // Requests with a body reach the router here, reading it through the content reader.
  const auto with_body = [this](const httplib::Request& request, httplib::Response& response,
                                const httplib::ContentReader& reader) {
    RespondWithBody(request, reader, response);
  };
  // GET and OPTIONS bodies are not read by the library; they are ignored.
  const auto without_body = [this](const httplib::Request& request, httplib::Response& response) {
    Respond(request, Body(), response);
  };
  const std::string any = ".*";
  server.Get(any, without_body);
  server.Options(any, without_body);
  server.Post(any, with_body);
  server.Put(any, with_body);
  server.Patch(any, with_body);
  server.Delete(any, with_body);

  // Refuses an announced oversized body before the client sends it. The library answers with
  // response.status, not with the value returned here, so both are set.
  server.set_expect_100_continue_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        const auto length = request.get_header_value<std::uint64_t>("Content-Length");
        if (length <= config.http_max_body_bytes) return 100;
        response.status = 413;
        return 413;
      });

  // Errors the library answered itself (unparsable request, body over the limit) have no body
  // yet: give them the common shape. Ours already have one.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request&, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        if (response.status == 413) {
          Write(BodyTooLarge(config.http_max_body_bytes), response);
        } else {
          Write(ErrorResponse(
                    response.status, CodeForHttpStatus(response.status),
                    fmt::format("the request could not be handled (HTTP {})", response.status)),
                response);
        }
        return httplib::Server::HandlerResponse::Handled;
      }));

  server.set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        fmt::print(stderr, "eventify-server: exception in {} {}: {}\n", request.method,
                   Printable(request.path), what);
        response = httplib::Response();
        Write(ErrorResponse(500, "internal", "internal error"), response);
      });

  server.set_post_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    const std::string incoming = request.get_header_value("X-Request-Id");
    response.set_header("X-Request-Id",
                        IsAcceptableRequestId(incoming) ? incoming : NewRequestId());
    if (!response.has_header("Cache-Control") && request.path.rfind("/api/", 0) == 0) {
      response.set_header("Cache-Control", "no-store");  // personal data: never cache
    }
  });

  if (config.log_requests) {
    server.set_logger([](const httplib::Request& request, const httplib::Response& response) {
      std::string elapsed = "-";
      if (request_started) {
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - *request_started)
                .count();
        elapsed = fmt::format("{:.1f}ms", static_cast<double>(micros) / 1000.0);
        request_started.reset();
      }
      fmt::print(stderr, "{} {} {} {} {} id={}\n", request.remote_addr, request.method,
                 Printable(request.path), response.status, elapsed,
                 response.get_header_value("X-Request-Id"));
    });
  }
}

HttpServer::HttpServer(const ServerConfig& config, const Router& router)
    : impl_(std::make_unique<Impl>(config, router)) {
  impl_->Configure();
}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Bind() {
  const ServerConfig& config = impl_->config;
  errno = 0;
  int port = config.listen_port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(config.listen_host);
  } else if (!impl_->server.bind_to_port(config.listen_host, port)) {
    port = -1;
  }
  if (port < 0) {
    return Unavailable(
        "cannot_listen",
        fmt::format("cannot listen on {} port {}: {}", config.listen_host, config.listen_port,
                    errno != 0 ? std::strerror(errno) : "address not usable"));
  }
  // The library listens with a backlog of 5, so bursts of connections would wait for SYN
  // retransmits; listen() again on the bound socket raises it (Linux allows this).
  const int fd = impl_->listen_fd.load();
  if (fd >= 0 && ::listen(fd, config.listen_backlog) != 0) {
    fmt::print(stderr, "eventify-server: warning: cannot raise the listen backlog: {}\n",
               std::strerror(errno));
  }
  return port;
}

Status HttpServer::Serve() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stop_requested) return Status::Ok();
    impl_->serving = true;
  }
  const bool clean = impl_->server.listen_after_bind();
  impl_->serve_done = true;
  std::lock_guard lock(impl_->mutex);
  if (clean || impl_->stop_requested) return Status::Ok();
  return Unavailable("listener_failed", "the listening socket failed");
}

void HttpServer::Stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop_requested = true;
    if (!impl_->serving) return;
  }
  // Serve may not have reached the library's loop yet, and the library's stop() does nothing
  // until it has: wait for one or the other.
  while (!impl_->server.is_running() && !impl_->serve_done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
}

}  // namespace eventify::server
