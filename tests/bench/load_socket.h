// eventify-load's WebSocket client: many connections on one Asio io_context (one thread), cheap
// per frame — RFC 6455 framing written out by hand (masked text frames out; unmasked text, ping
// and close frames in; pongs answered), no TLS, no extensions, no check of the handshake's
// Sec-WebSocket-Accept (a load tool trusts its server). Sends made on the io thread are gathered
// and written together.
//
// Thread-safety: everything on the io_context's thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <asio.hpp>

namespace eventify::load {

class LoadSocket;

class SocketHandler {
 public:
  virtual ~SocketHandler() = default;
  // The upgrade was answered 101.
  virtual void OnOpen(LoadSocket& socket) = 0;
  virtual void OnText(LoadSocket& socket, std::string_view text) = 0;
  // The socket ended: the server's close code and reason, 1006 when it just ended, or 0 with
  // what failed (connect, handshake) as the reason. Called once.
  virtual void OnClose(LoadSocket& socket, int code, std::string_view reason) = 0;
};

class LoadSocket : public std::enable_shared_from_this<LoadSocket> {
 public:
  LoadSocket(asio::io_context& io, SocketHandler& handler, std::size_t index);

  // Connects to `endpoint` and asks to upgrade `path`.
  void Connect(const asio::ip::tcp::endpoint& endpoint, std::string path);
  void SendText(std::string_view text);
  // Sends a close frame (1000) and ends the socket.
  void Close();

  std::size_t index() const { return index_; }
  bool open() const { return open_; }

 private:
  void ReadHandshake();
  void Read();
  void Parse();
  void SendFrame(int opcode, std::string_view payload);
  void Flush();
  void End(int code, std::string_view reason);

  asio::ip::tcp::socket socket_;
  SocketHandler& handler_;
  std::size_t index_;
  bool open_ = false;
  bool ended_ = false;
  bool writing_ = false;
  std::string in_;           // bytes read, not yet parsed
  std::string out_;          // frames waiting for the write in flight
  std::string writing_buf_;  // the write in flight
  std::string message_;      // a fragmented text message being gathered
  std::array<char, 65536> chunk_{};
  std::uint32_t mask_seed_;
};

}  // namespace eventify::load
