// A small WebSocket client for the end-to-end tests (RFC 6455 over a plain TCP socket), raw
// enough to do what a library client would not: send oversized or binary frames, flood, stop
// reading, shrink its receive buffer, leave pings unanswered. It answers the server's pings while
// it reads, unless told not to.
//
// Thread-safety: use each object from one thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace eventify::e2e {

// How the server ended a socket: the code and reason of its close frame, or code 1006 (no close
// frame: the connection just ended).
struct WsClose {
  int code = 0;
  std::string reason;
};

class WsClient {
 public:
  // Connects to 127.0.0.1:port and asks to upgrade `path` (with an Origin header when `origin` is
  // not empty). receive_buffer > 0 sets SO_RCVBUF before connecting (a slow reader's small
  // window). Throws std::runtime_error when it cannot connect or no HTTP answer comes.
  WsClient(int port, const std::string& path, const std::string& origin = "",
           int receive_buffer = 0);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // The HTTP status of the upgrade's answer: 101 when the socket is open.
  int status() const { return status_; }

  void SendText(const std::string& text);
  void SendBinary(const std::string& bytes);
  // A ping frame with `payload` (at most 125 bytes); WaitPong reads its answer.
  void SendPing(const std::string& payload);
  // `count` such pings in one write.
  void SendPings(const std::string& payload, int count);
  // A masked client frame at the end of `frame`; bytes built so, written as they are.
  static void AppendFrame(std::string& frame, int opcode, const std::string& payload);
  // False when the server has gone (the bytes were not all taken).
  bool SendBytes(const std::string& bytes);
  // {"type":"auth","token":token}
  void Authenticate(const std::string& token);
  // A close frame with `code`, without waiting for the answer.
  void SendClose(int code);

  // Without reading: whether the server reset the connection (TCP_INFO shows it closed, which a
  // FIN queued behind unread bytes would not), polling for up to `seconds`.
  bool WaitReset(int seconds);

  // The next text frame, waiting up to `seconds`; nullopt when the socket closed (see closed())
  // or the time passed.
  std::optional<std::string> Next(int seconds = 10);
  // Reads until a text frame whose "type" is `type` (skipping the others); nullopt when the
  // socket closed or `seconds` passed.
  std::optional<std::string> WaitFor(const std::string& type, int seconds = 10);
  // Reads (dropping text frames) until the server closes; code 0 when it did not within
  // `seconds`.
  WsClose WaitClose(int seconds = 10);

  // Reads (dropping text frames) until a pong frame arrives; its payload, or nullopt when the
  // socket closed or `seconds` passed.
  std::optional<std::string> WaitPong(int seconds = 10);

  // Whether reading answers the server's pings (true by default); false plays a dead peer.
  void set_answer_pings(bool answer) { answer_pings_ = answer; }
  // The server's pings read so far.
  int pings_received() const { return pings_received_; }

  bool closed() const { return closed_; }
  const WsClose& close_frame() const { return close_; }

 private:
  void SendFrame(int opcode, const std::string& payload);
  // Next, ending early (nullopt) once a pong was read when `stop_at_pong`.
  std::optional<std::string> NextUntil(std::chrono::steady_clock::time_point until,
                                       bool stop_at_pong);
  bool Fill(int timeout_ms);  // reads more bytes; false on timeout or end
  // One whole frame from the buffer, if there is one.
  bool TakeFrame(int& opcode, std::string& payload);

  int fd_ = -1;
  int status_ = 0;
  bool closed_ = false;
  bool answer_pings_ = true;
  int pings_received_ = 0;
  std::vector<std::string> pongs_;  // payloads of the pongs read and not yet taken by WaitPong
  WsClose close_;
  std::string buffer_;
};

// The string at a JSON pointer ("/message/text") of a JSON text, or "<missing>".
std::string JsonString(const std::string& json, const char* pointer);
// The integer at a JSON pointer, or -1.
long long JsonInt(const std::string& json, const char* pointer);

}  // namespace eventify::e2e
