// eventify-load booking: the seeded buyers race for the booking event over HTTP (one
// POST /api/v1/bookings each, free seats, keep-alive connections, --threads at a time), then the
// event's seats_sold is read back: it must equal the bookings answered 201, and never exceed the
// capacity.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <asio.hpp>

#include "load.h"

namespace eventify::load {
namespace {

struct Answer {
  int status = 0;
  std::string body;
};

// One keep-alive HTTP/1.1 connection; reconnects when the server closed it.
class HttpConnection {
 public:
  HttpConnection(std::string host, int port) : host_(std::move(host)), port_(port) {}

  Answer Request(const std::string& method, const std::string& path, const std::string& token,
                 const std::string& body, const std::string& idempotency_key) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!socket_.is_open()) {
          socket_.connect({asio::ip::make_address(host_), static_cast<unsigned short>(port_)});
          buffer_.clear();
        }
        std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host_ +
                              "\r\nAuthorization: Bearer " + token + "\r\n";
        if (!idempotency_key.empty()) request += "Idempotency-Key: " + idempotency_key + "\r\n";
        if (!body.empty()) {
          request += "Content-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n";
        }
        request += "\r\n" + body;
        asio::write(socket_, asio::buffer(request));
        return ReadAnswer();
      } catch (const std::exception& e) {
        asio::error_code ignored;
        socket_.close(ignored);
        if (attempt == 1) return {0, e.what()};
      }
    }
    return {};
  }

 private:
  Answer ReadAnswer() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) Fill();
    Answer answer;
    answer.status = std::atoi(buffer_.c_str() + 9);
    std::size_t length = 0;
    const std::string headers = buffer_.substr(0, end);
    for (std::size_t at = headers.find("\r\n"); at != std::string::npos;
         at = headers.find("\r\n", at + 2)) {
      const std::string line = headers.substr(at + 2, headers.find("\r\n", at + 2) - at - 2);
      if (line.size() > 15 && strncasecmp(line.c_str(), "content-length:", 15) == 0) {
        length = std::strtoul(line.c_str() + 15, nullptr, 10);
      }
      if (line.size() > 11 && strncasecmp(line.c_str(), "connection:", 11) == 0 &&
          line.find("close") != std::string::npos) {
        close_after_ = true;
      }
    }
    while (buffer_.size() < end + 4 + length) Fill();
    answer.body = buffer_.substr(end + 4, length);
    buffer_.erase(0, end + 4 + length);
    if (close_after_) {
      asio::error_code ignored;
      socket_.close(ignored);
      close_after_ = false;
    }
    return answer;
  }
  void Fill() {
    char chunk[16384];
    const std::size_t n = socket_.read_some(asio::buffer(chunk));
    buffer_.append(chunk, n);
  }

  std::string host_;
  int port_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
  std::string buffer_;
  bool close_after_ = false;
};

long long IntMember(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\":";
  const std::size_t at = json.find(key);
  return at == std::string::npos ? -1 : std::atoll(json.c_str() + at + key.size());
}

}  // namespace

int RunBookingLoad(const BookingOptions& options) {
  std::vector<SeededUser> users;
  std::string event_id;
  int capacity = 0;
  std::vector<std::string> buyers;
  if (!ReadUsers(options.in, users) || !ReadBooking(options.in, event_id, capacity, buyers)) {
    return 2;
  }
  std::unordered_map<std::string, std::string> tokens;
  for (const SeededUser& u : users) tokens[u.id] = u.token;
  const int threads = std::max(1, std::min<int>(options.threads, static_cast<int>(buyers.size())));
  std::printf("eventify-load booking: %zu buyers (%d at a time) for %d seats of event %s, "
              "http://%s:%d\n",
              buyers.size(), threads, capacity, event_id.c_str(), options.host.c_str(),
              options.http_port);
  std::atomic<std::size_t> next{0};
  std::atomic<int> booked{0}, sold_out{0}, other{0};
  std::mutex mu;
  std::string first_other;
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      HttpConnection http(options.host, options.http_port);
      for (std::size_t i = next++; i < buyers.size(); i = next++) {
        const Answer answer =
            http.Request("POST", "/api/v1/bookings", tokens[buyers[i]],
                         R"({"event_id":")" + event_id + R"(","seats":1})", "load-" + buyers[i]);
        if (answer.status == 201) {
          ++booked;
        } else if (answer.status == 422 && answer.body.find("\"sold_out\"") != std::string::npos) {
          ++sold_out;
        } else if (other++ == 0) {
          std::lock_guard lock(mu);
          first_other = std::to_string(answer.status) + " " + answer.body;
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  HttpConnection http(options.host, options.http_port);
  const Answer event = http.Request("GET", "/api/v1/events/" + event_id,
                                    tokens[buyers.front()], "", "");
  const long long sold = IntMember(event.body, "seats_sold");
  std::printf("%d booked (201), %d sold_out (422), %d other%s%s in %.2f s: %.0f bookings/s, "
              "%.0f answers/s\n",
              booked.load(), sold_out.load(), other.load(), other ? ", first: " : "",
              first_other.c_str(), seconds, booked / seconds, buyers.size() / seconds);
  const bool oversold = sold > capacity || booked > capacity;
  std::printf("event: capacity %d, seats_sold %lld: %s\n", capacity, sold,
              oversold ? "OVERSOLD" : (sold == booked ? "no oversell, every 201 counted"
                                                      : "MISMATCH between 201s and seats_sold"));
  return (oversold || sold != booked || other > 0) ? 1 : 0;
}

}  // namespace eventify::load
