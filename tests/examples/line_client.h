// A blocking client of the line chat example for tests, on plain POSIX sockets (not Asio, so that
// the client shares no code with the transport it checks). Reads give up after ten seconds and
// say so instead of hanging the suite. One object per connection; not thread-safe.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <string>
#include <string_view>

namespace eventify::testing {

class LineClient {
 public:
  explicit LineClient(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd_ >= 0);
    timeval timeout{10, 0};
    BOOST_REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    BOOST_REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~LineClient() { ::close(fd_); }
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  // Sends `line` and a line break.
  void SendLine(std::string_view line) { SendBytes(std::string(line) + "\n"); }
  void SendBytes(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      BOOST_REQUIRE_MESSAGE(sent > 0, "send failed");
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
  }

  // The next line without its line break; "<eof>" when the server closed the connection,
  // "<timeout>" after ten seconds without one, "<error>" when the connection failed. The hub's
  // `participant_status` and `unread_count` frames are skipped: these tests check the transport,
  // and how many of those a scenario gets depends on joins and commit batching (hub_test checks
  // them exactly).
  std::string ReadLine() {
    for (;;) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        if (line.starts_with(R"({"type":"participant_status")") ||
            line.starts_with(R"({"type":"unread_count")")) {
          continue;
        }
        return line;
      }
      char chunk[4096];
      const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got == 0) return buffer_.empty() ? "<eof>" : "<partial line>" + buffer_;
      if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? "<timeout>" : "<error>";
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace eventify::testing
