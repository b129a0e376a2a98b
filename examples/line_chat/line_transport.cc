#include "line_transport.h"

#include <asio/buffer.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <deque>
#include <utility>
#include <vector>

namespace line_chat {

using eventify::spi::ConnectionId;

struct LineTransport::Connection {
  Connection(asio::ip::tcp::socket s, ConnectionId i)
      : socket(std::move(s)), timer(socket.get_executor()), id(i) {}

  asio::ip::tcp::socket socket;
  asio::steady_timer timer;  // the handshake deadline; after the close line, the linger
  const ConnectionId id;

  // I/O thread only.
  std::string input;              // bytes read: at most one line and the start of the next
  std::vector<std::string> writing;  // the lines of the write in flight
  bool opened = false;    // the token line arrived and was reported with OnOpened
  bool forgotten = false;  // removed from connections_ and reported with OnClosed
  bool finished = false;   // the socket is closed (and the connection forgotten)

  // Guarded by LineTransport::mu_: the hub's worker queues, the I/O thread writes.
  std::deque<std::string> queue;  // lines waiting to be written, each ending in '\n'
  bool writer_running = false;    // WriteQueued is posted or its write is in flight
  std::string close_reason;       // set once closing: nothing more is queued after the close line
};

namespace {

// The transport's last line to a client. The reasons are fixed words: nothing to escape.
std::string CloseLine(std::string_view reason) {
  return R"({"type":"close","reason":")" + std::string(reason) + "\"}\n";
}

}  // namespace

LineTransport::LineTransport(asio::io_context& io, LineTransportOptions options)
    : io_(io), options_(options), acceptor_(io) {}

std::error_code LineTransport::Listen(const asio::ip::tcp::endpoint& endpoint,
                                      eventify::spi::HubInbound& hub,
                                      asio::ip::tcp::endpoint* bound) {
  std::error_code error;
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (!error) *bound = acceptor_.local_endpoint(error);
  if (error) return error;
  {
    std::lock_guard lock(hub_mu_);
    hub_ = &hub;
  }
  asio::post(io_, [this] { Accept(); });
  return {};
}

void LineTransport::Accept() {
  acceptor_.async_accept([this](std::error_code error, asio::ip::tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;  // Detach
    // Other accept errors (a peer that gave up, too many open files) leave the acceptor usable.
    if (!error) {
      auto connection = std::make_shared<Connection>(std::move(socket), next_id_++);
      {
        std::lock_guard lock(mu_);
        connections_.emplace(connection->id, connection);
      }
      connection->timer.expires_after(options_.handshake_timeout);
      connection->timer.async_wait([this, connection](std::error_code timer_error) {
        if (timer_error || connection->opened) return;
        std::lock_guard lock(mu_);
        BeginCloseLocked(connection, kCloseHandshakeTimeout);
      });
      ReadLine(connection);
    }
    Accept();
  });
}

void LineTransport::ReadLine(const ConnectionPtr& connection) {
  // The buffer's limit is the line limit: read_until fails with not_found when it fills up
  // without a line break, so an endless line never costs more than max_line_bytes.
  asio::async_read_until(
      connection->socket, asio::dynamic_buffer(connection->input, options_.max_line_bytes + 1),
      '\n', [this, connection](std::error_code error, std::size_t length) {
        if (error == asio::error::not_found) {
          {
            std::lock_guard lock(mu_);
            BeginCloseLocked(connection, kCloseLineTooLong);
          }
          Discard(connection);
          return;
        }
        if (error) {  // the peer closed its side, or the socket failed: nothing can be sent
          Finish(connection);
          return;
        }
        std::string line = connection->input.substr(0, length - 1);
        connection->input.erase(0, length);
        if (!line.empty() && line.back() == '\r') line.pop_back();  // telnet sends "\r\n"
        HandleLine(connection, std::move(line));
        ReadLine(connection);
      });
}

void LineTransport::HandleLine(const ConnectionPtr& connection, std::string line) {
  {
    std::lock_guard lock(mu_);
    if (!connection->close_reason.empty()) return;  // closing: the hub gets nothing more
  }
  std::unique_lock hub_lock(hub_mu_);
  if (hub_ == nullptr) {  // Detach was called: the hub is going away
    hub_lock.unlock();
    std::lock_guard lock(mu_);
    BeginCloseLocked(connection, eventify::spi::kCloseShuttingDown);
    return;
  }
  // Every HubInbound call only queues, so calling it with hub_mu_ held never waits for long.
  if (connection->opened) {
    hub_->OnFrame(connection->id, std::move(line));
    return;
  }
  connection->opened = true;
  connection->timer.cancel();
  hub_->OnOpened(connection->id, std::move(line));
}

// After an over-long line nothing more of the client's is read as a line; what it still sends is
// read and dropped, so that closing does not reset the connection before the client has read
// its close line (see Linger).
void LineTransport::Discard(const ConnectionPtr& connection) {
  connection->input.resize(4096);
  connection->socket.async_read_some(
      asio::buffer(connection->input), [this, connection](std::error_code error, std::size_t) {
        if (error) {
          Finish(connection);
        } else {
          Discard(connection);
        }
      });
}

void LineTransport::Send(ConnectionId id, std::string frame) {
  std::lock_guard lock(mu_);
  auto found = connections_.find(id);
  if (found == connections_.end()) return;  // already gone: dropped, as the contract says
  const ConnectionPtr& connection = found->second;
  if (!connection->close_reason.empty()) return;
  if (connection->queue.size() >= options_.max_queued_frames) {
    // Waiting here would stall every other client of the hub; growing would let one slow
    // client eat the memory. Closing is the only choice that keeps the contract.
    BeginCloseLocked(connection, kCloseSendQueueFull);
    return;
  }
  // The hub's frames are compact JSON: line breaks inside strings are escaped, so a frame never
  // contains a raw '\n' and one frame is exactly one line.
  frame.push_back('\n');
  connection->queue.push_back(std::move(frame));
  StartWriterLocked(connection);
}

void LineTransport::Close(ConnectionId id, std::string_view reason) {
  std::lock_guard lock(mu_);
  auto found = connections_.find(id);
  if (found != connections_.end()) BeginCloseLocked(found->second, reason);
}

void LineTransport::BeginCloseLocked(const ConnectionPtr& connection, std::string_view reason) {
  if (!connection->close_reason.empty()) return;
  connection->close_reason = std::string(reason);
  // After the frames already queued (the hub's `error` before an unauthenticated close), as
  // Transport::Close promises; the close line itself is never refused for a full queue.
  connection->queue.push_back(CloseLine(reason));
  StartWriterLocked(connection);
}

void LineTransport::StartWriterLocked(const ConnectionPtr& connection) {
  if (connection->writer_running) return;  // the running writer will pick the new lines up
  connection->writer_running = true;
  asio::post(io_, [this, connection] { WriteQueued(connection); });
}

// Writes everything queued in one gathered write, then looks again; one write is in flight per
// connection at a time, which keeps the lines in order.
void LineTransport::WriteQueued(const ConnectionPtr& connection) {
  bool closing = false;
  {
    std::lock_guard lock(mu_);
    if (connection->finished || connection->queue.empty()) {
      connection->writer_running = false;
      closing = !connection->finished && !connection->close_reason.empty();
    } else {
      connection->writing.assign(std::make_move_iterator(connection->queue.begin()),
                                 std::make_move_iterator(connection->queue.end()));
      connection->queue.clear();
    }
  }
  if (connection->writing.empty()) {
    if (closing) Linger(connection);  // the close line was the last thing written
    return;
  }
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(connection->writing.size());
  for (const std::string& line : connection->writing) buffers.push_back(asio::buffer(line));
  asio::async_write(connection->socket, buffers,
                    [this, connection](std::error_code error, std::size_t) {
                      connection->writing.clear();
                      if (error) {
                        Finish(connection);
                      } else {
                        WriteQueued(connection);
                      }
                    });
}

// The close line is written. Closing the socket at once could lose it: a socket closed while
// unread input is waiting in it sends a reset, and a reset may make the client's system discard
// what it has received and not yet handed to the client. So the transport only shuts its sending
// side (the client reads the close line, then end of file), keeps reading and dropping until the
// client closes its side, and closes the socket then, or after options_.linger.
void LineTransport::Linger(const ConnectionPtr& connection) {
  std::error_code ignored;
  connection->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  Forget(connection);  // nothing more can reach the client: for the hub it is gone
  connection->timer.expires_after(options_.linger);
  connection->timer.async_wait([this, connection](std::error_code error) {
    if (!error) Finish(connection);
  });
}

void LineTransport::Finish(const ConnectionPtr& connection) {
  if (connection->finished) return;  // a read and a write may both fail for one close
  connection->finished = true;
  std::error_code ignored;
  connection->socket.close(ignored);
  connection->timer.cancel();
  Forget(connection);
}

void LineTransport::Forget(const ConnectionPtr& connection) {
  if (connection->forgotten) return;
  connection->forgotten = true;
  {
    std::lock_guard lock(mu_);
    connection->queue.clear();
    connections_.erase(connection->id);  // Send and Close find nothing from now on
  }
  all_closed_.notify_all();
  // Only a connection the hub was told about is reported closed; the hub waits for this even
  // after its own Close, and only now may it forget the session.
  if (!connection->opened) return;
  std::lock_guard hub_lock(hub_mu_);
  if (hub_ != nullptr) hub_->OnClosed(connection->id);
}

void LineTransport::Detach() {
  {
    std::lock_guard hub_lock(hub_mu_);
    hub_ = nullptr;
  }
  asio::post(io_, [this] {
    std::error_code ignored;
    acceptor_.close(ignored);
    std::lock_guard lock(mu_);
    for (auto& [id, connection] : connections_) {
      if (!connection->opened) BeginCloseLocked(connection, eventify::spi::kCloseShuttingDown);
    }
  });
}

bool LineTransport::WaitUntilAllClosed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return all_closed_.wait_for(lock, timeout, [this] { return connections_.empty(); });
}

}  // namespace line_chat
