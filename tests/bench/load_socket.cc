#include "load_socket.h"

#include <cstring>
#include <utility>

namespace eventify::load {

LoadSocket::LoadSocket(asio::io_context& io, SocketHandler& handler, std::size_t index)
    : socket_(io), handler_(handler), index_(index),
      mask_seed_(static_cast<std::uint32_t>(index * 2654435761u + 12345u)) {}

void LoadSocket::Connect(const asio::ip::tcp::endpoint& endpoint, std::string path) {
  auto self = shared_from_this();
  socket_.async_connect(endpoint, [this, self, endpoint, path = std::move(path)](
                                      const asio::error_code& error) {
    if (error) return End(0, "connect: " + error.message());
    socket_.set_option(asio::ip::tcp::no_delay(true));
    writing_buf_ = "GET " + path + " HTTP/1.1\r\nHost: " + endpoint.address().to_string() + ":" +
                   std::to_string(endpoint.port()) +
                   "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n";
    writing_ = true;
    asio::async_write(socket_, asio::buffer(writing_buf_),
                      [this, self](const asio::error_code& error, std::size_t) {
                        writing_ = false;
                        if (error) return End(0, "handshake: " + error.message());
                        ReadHandshake();
                      });
  });
}

void LoadSocket::ReadHandshake() {
  auto self = shared_from_this();
  socket_.async_read_some(asio::buffer(chunk_), [this, self](const asio::error_code& error,
                                                             std::size_t n) {
    if (error) return End(0, "handshake: " + error.message());
    in_.append(chunk_.data(), n);
    const std::size_t end = in_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (in_.size() > 16384) return End(0, "handshake: no end of headers");
      return ReadHandshake();
    }
    if (in_.compare(0, 12, "HTTP/1.1 101") != 0) {
      return End(0, "handshake: " + in_.substr(0, in_.find("\r\n")));
    }
    in_.erase(0, end + 4);
    open_ = true;
    handler_.OnOpen(*this);
    Parse();  // frames that came with the answer
    if (!ended_) Read();
  });
}

void LoadSocket::Read() {
  auto self = shared_from_this();
  socket_.async_read_some(asio::buffer(chunk_), [this, self](const asio::error_code& error,
                                                             std::size_t n) {
    if (error) return End(1006, error.message());
    in_.append(chunk_.data(), n);
    Parse();
    if (!ended_) Read();
  });
}

void LoadSocket::Parse() {
  std::size_t at = 0;
  while (!ended_) {
    if (in_.size() - at < 2) break;
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data() + at);
    const bool fin = (p[0] & 0x80) != 0;
    const int opcode = p[0] & 0x0f;
    std::uint64_t length = p[1] & 0x7f;
    std::size_t header = 2;
    if (length == 126) {
      if (in_.size() - at < 4) break;
      length = (std::uint64_t(p[2]) << 8) | p[3];
      header = 4;
    } else if (length == 127) {
      if (in_.size() - at < 10) break;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
      header = 10;
    }
    if (in_.size() - at - header < length) break;
    const std::string_view payload(in_.data() + at + header, static_cast<std::size_t>(length));
    at += header + static_cast<std::size_t>(length);
    switch (opcode) {
      case 0x1:
        if (fin) {
          handler_.OnText(*this, payload);
        } else {
          message_.assign(payload);
        }
        break;
      case 0x0:
        message_.append(payload);
        if (fin) {
          handler_.OnText(*this, message_);
          message_.clear();
        }
        break;
      case 0x8: {
        int code = 1005;
        std::string_view reason;
        if (payload.size() >= 2) {
          code = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
          reason = payload.substr(2);
        }
        End(code, reason);
        break;
      }
      case 0x9:
        SendFrame(0xA, payload);
        break;
      default:
        break;  // pong, binary: nothing to do
    }
  }
  in_.erase(0, at);
}

void LoadSocket::SendText(std::string_view text) {
  if (open_ && !ended_) SendFrame(0x1, text);
}

void LoadSocket::SendFrame(int opcode, std::string_view payload) {
  const std::size_t n = payload.size();
  out_.push_back(static_cast<char>(0x80 | opcode));
  if (n < 126) {
    out_.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    out_.push_back(static_cast<char>(0x80 | 126));
    out_.push_back(static_cast<char>((n >> 8) & 0xff));
    out_.push_back(static_cast<char>(n & 0xff));
  } else {
    out_.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out_.push_back(static_cast<char>((std::uint64_t(n) >> (8 * i)) & 0xff));
  }
  mask_seed_ = mask_seed_ * 1664525u + 1013904223u;
  char mask[4];
  std::memcpy(mask, &mask_seed_, 4);
  out_.append(mask, 4);
  const std::size_t start = out_.size();
  out_.append(payload);
  for (std::size_t i = 0; i < n; ++i) out_[start + i] = static_cast<char>(out_[start + i] ^ mask[i & 3]);
  Flush();
}

void LoadSocket::Flush() {
  if (writing_ || out_.empty() || ended_) return;
  writing_ = true;
  writing_buf_.swap(out_);
  out_.clear();
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(writing_buf_),
                    [this, self](const asio::error_code& error, std::size_t) {
                      writing_ = false;
                      writing_buf_.clear();
                      if (error) return End(1006, error.message());
                      Flush();
                    });
}

void LoadSocket::Close() {
  if (ended_) return;
  if (open_) {
    const char payload[2] = {static_cast<char>(1000 >> 8), static_cast<char>(1000 & 0xff)};
    SendFrame(0x8, std::string_view(payload, 2));
  }
  ended_ = true;
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  handler_.OnClose(*this, 1000, "closed by the load tool");
}

void LoadSocket::End(int code, std::string_view reason) {
  if (ended_) return;
  ended_ = true;
  open_ = false;
  asio::error_code ignored;
  socket_.close(ignored);
  handler_.OnClose(*this, code, reason);
}

}  // namespace eventify::load
