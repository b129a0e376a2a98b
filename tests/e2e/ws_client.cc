#include "ws_client.h"

#include <poll.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <stdexcept>

#include "e2e_client.h"

namespace eventify::e2e {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

WsClient::WsClient(int port, const std::string& path, const std::string& origin,
                   int receive_buffer)
    : fd_(ConnectLoopback(port, receive_buffer)) {
  std::string request = "GET " + path +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n";
  if (!origin.empty()) request += "Origin: " + origin + "\r\n";
  request += "\r\n";
  ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  const auto until = Clock::now() + std::chrono::seconds(10);
  std::size_t end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(RemainingMs(until))) throw std::runtime_error("no answer to the upgrade");
  }
  if (buffer_.compare(0, 9, "HTTP/1.1 ") == 0) status_ = std::stoi(buffer_.substr(9, 3));
  buffer_.erase(0, end + 4);
  if (status_ != 101) closed_ = true;
}

WsClient::~WsClient() { ::close(fd_); }

void WsClient::SendFrame(int opcode, const std::string& payload) {
  std::string frame;
  AppendFrame(frame, opcode, payload);
  SendBytes(frame);
}

void WsClient::SendPings(const std::string& payload, int count) {
  std::string frames;
  for (int i = 0; i < count; ++i) AppendFrame(frames, 0x9, payload);
  SendBytes(frames);
}

void WsClient::AppendFrame(std::string& frame, int opcode, const std::string& payload) {
  frame.push_back(static_cast<char>(0x80 | opcode));
  const std::size_t size = payload.size();
  if (size < 126) {
    frame.push_back(static_cast<char>(0x80 | size));
  } else if (size < 65536) {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size & 0xff));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((size >> shift) & 0xff));
    }
  }
  static thread_local std::mt19937 random(12345);  // clients of one test may send at once
  char mask[4];
  for (char& m : mask) m = static_cast<char>(random() & 0xff);
  frame.append(mask, 4);
  for (std::size_t i = 0; i < size; ++i) frame.push_back(payload[i] ^ mask[i % 4]);
}

bool WsClient::SendBytes(const std::string& frame) {
  std::size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;  // the server has gone: reading tells how
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

void WsClient::SendText(const std::string& text) { SendFrame(0x1, text); }
void WsClient::SendBinary(const std::string& bytes) { SendFrame(0x2, bytes); }

void WsClient::SendClose(int code) {
  SendFrame(0x8, std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)});
}

bool WsClient::WaitReset(int seconds) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    tcp_info info{};
    socklen_t size = sizeof(info);
    if (::getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &size) == 0 &&
        info.tcpi_state == TCP_CLOSE) {
      return true;
    }
    if (Clock::now() >= until) return false;
    ::usleep(50 * 1000);
  }
}

void WsClient::Authenticate(const std::string& token) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("type");
  writer.String("auth");
  writer.Key("token");
  writer.String(token.c_str());
  writer.EndObject();
  SendText(buffer.GetString());
}

bool WsClient::Fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char chunk[16384];
  const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
  if (n <= 0) {
    if (!closed_) close_ = {1006, ""};
    closed_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

bool WsClient::TakeFrame(int& opcode, std::string& payload) {
  if (buffer_.size() < 2) return false;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(buffer_[i]); };
  opcode = byte(0) & 0x0f;
  std::uint64_t size = byte(1) & 0x7f;
  std::size_t header = 2;
  if (size == 126) {
    if (buffer_.size() < 4) return false;
    size = (std::uint64_t{byte(2)} << 8) | byte(3);
    header = 4;
  } else if (size == 127) {
    if (buffer_.size() < 10) return false;
    size = 0;
    for (std::size_t i = 2; i < 10; ++i) size = (size << 8) | byte(i);
    header = 10;
  }
  if (buffer_.size() < header + size) return false;
  payload = buffer_.substr(header, size);
  buffer_.erase(0, header + size);
  return true;
}

std::optional<std::string> WsClient::Next(int seconds) {
  return NextUntil(Clock::now() + std::chrono::seconds(seconds), false);
}

std::optional<std::string> WsClient::NextUntil(std::chrono::steady_clock::time_point until,
                                               bool stop_at_pong) {
  for (;;) {
    int opcode = 0;
    std::string payload;
    while (TakeFrame(opcode, payload)) {
      if (opcode == 0x1) return payload;
      if (opcode == 0x9) {
        ++pings_received_;
        if (answer_pings_) SendFrame(0xA, payload);  // ping → pong
      }
      if (opcode == 0xA) {
        pongs_.push_back(payload);
        if (stop_at_pong) return std::nullopt;
      }
      if (opcode == 0x8) {
        close_.code = payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) |
                                                static_cast<unsigned char>(payload[1])
                                          : 1005;
        close_.reason = payload.size() > 2 ? payload.substr(2) : "";
        if (!closed_) SendFrame(0x8, payload.substr(0, 2));  // the closing handshake
        closed_ = true;
        return std::nullopt;
      }
    }
    if (closed_) return std::nullopt;
    if (!Fill(RemainingMs(until))) return std::nullopt;
  }
}

void WsClient::SendPing(const std::string& payload) { SendFrame(0x9, payload); }

std::optional<std::string> WsClient::WaitPong(int seconds) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (pongs_.empty() && !closed_ && Clock::now() < until) NextUntil(until, true);
  if (pongs_.empty()) return std::nullopt;
  std::string payload = std::move(pongs_.front());
  pongs_.erase(pongs_.begin());
  return payload;
}

std::optional<std::string> WsClient::WaitFor(const std::string& type, int seconds) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < until) {
    auto frame = Next(std::max(1, RemainingMs(until) / 1000));
    if (!frame) return std::nullopt;
    if (JsonString(*frame, "/type") == type) return frame;
  }
  return std::nullopt;
}

WsClose WsClient::WaitClose(int seconds) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (!closed_ && Clock::now() < until) Next(std::max(1, RemainingMs(until) / 1000));
  return closed_ ? close_ : WsClose{};
}

std::string JsonString(const std::string& json, const char* pointer) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  if (document.HasParseError()) return "<missing>";
  const rapidjson::Value* value = rapidjson::Pointer(pointer).Get(document);
  if (value == nullptr || !value->IsString()) return "<missing>";
  return value->GetString();
}

long long JsonInt(const std::string& json, const char* pointer) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  if (document.HasParseError()) return -1;
  const rapidjson::Value* value = rapidjson::Pointer(pointer).Get(document);
  if (value == nullptr || !value->IsInt64()) return -1;
  return value->GetInt64();
}

}  // namespace eventify::e2e
