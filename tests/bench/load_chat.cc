// eventify-load chat and idle: sockets against a running server, on one Asio thread.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat_world.h"
#include "load.h"
#include "load_socket.h"

namespace eventify::load {
namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<std::int64_t>& values, double p) {
  if (values.empty()) return 0;
  const std::size_t k = std::min(values.size() - 1, static_cast<std::size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return static_cast<double>(values[k]) / 1e6;
}

// Opens sockets a wave at a time (at most `concurrent` handshakes in flight) and counts how many
// reached the frame that means "in" (`ready`, or `joined` on a chat socket).
class Fleet : public SocketHandler {
 public:
  struct Target {
    std::string path;
    std::string token;
    std::size_t room = 0;
  };

  Fleet(asio::io_context& io, asio::ip::tcp::endpoint endpoint, std::vector<Target> targets,
        int concurrent, std::string in_type)
      : targets_(std::move(targets)), io_(io), endpoint_(endpoint), concurrent_(concurrent),
        in_type_(std::move(in_type)) {}

  void Open(std::function<void()> all_in) {
    all_in_ = std::move(all_in);
    sockets_.resize(targets_.size());
    for (int i = 0; i < concurrent_ && next_ < targets_.size(); ++i) StartNext();
  }
  void CloseAll() {
    closing_ = true;
    for (auto& socket : sockets_) {
      if (socket) socket->Close();
    }
  }

  std::size_t in() const { return in_; }
  std::size_t failed() const { return failed_; }
  const std::string& first_failure() const { return first_failure_; }

 protected:
  // A frame after the socket is in.
  virtual void OnFrame(LoadSocket& socket, std::string_view type, std::string_view frame) = 0;

  std::vector<Target> targets_;
  std::vector<std::shared_ptr<LoadSocket>> sockets_;
  std::vector<bool> is_in_;
  std::size_t errors_ = 0;
  std::string first_error_;
  std::size_t unexpected_closes_ = 0;

 private:
  void StartNext() {
    const std::size_t i = next_++;
    sockets_[i] = std::make_shared<LoadSocket>(io_, *this, i);
    sockets_[i]->Connect(endpoint_, targets_[i].path);
  }
  void Settled() {
    if (next_ < targets_.size()) StartNext();
    if (in_ + failed_ == targets_.size() && all_in_) {
      auto done = std::move(all_in_);
      all_in_ = nullptr;
      done();
    }
  }
  void OnOpen(LoadSocket& socket) override {
    socket.SendText(R"({"type":"auth","token":")" + targets_[socket.index()].token + R"("})");
  }
  void OnText(LoadSocket& socket, std::string_view text) override {
    const std::string_view type = bench::TypeOf(text);
    if (is_in_.size() != targets_.size()) is_in_.assign(targets_.size(), false);
    if (!is_in_[socket.index()]) {
      if (type == in_type_) {
        is_in_[socket.index()] = true;
        ++in_;
        Settled();
      } else if (type == "error") {
        Fail(std::string(text));
        socket.Close();
      }
      return;
    }
    if (type == "error" && errors_++ == 0) first_error_ = std::string(text);
    OnFrame(socket, type, text);
  }
  void OnClose(LoadSocket& socket, int code, std::string_view reason) override {
    if (is_in_.size() != targets_.size()) is_in_.assign(targets_.size(), false);
    if (closing_) return;
    if (is_in_[socket.index()]) {
      if (unexpected_closes_++ == 0) {
        first_error_ = "closed " + std::to_string(code) + " " + std::string(reason);
      }
      return;
    }
    Fail("closed " + std::to_string(code) + " " + std::string(reason));
  }
  void Fail(std::string why) {
    if (failed_++ == 0) first_failure_ = std::move(why);
    Settled();
  }

  asio::io_context& io_;
  asio::ip::tcp::endpoint endpoint_;
  int concurrent_;
  std::string in_type_;
  std::size_t next_ = 0, in_ = 0, failed_ = 0;
  bool closing_ = false;
  std::string first_failure_;
  std::function<void()> all_in_;
};

class ChatFleet final : public Fleet {
 public:
  ChatFleet(asio::io_context& io, asio::ip::tcp::endpoint endpoint, std::vector<Target> targets,
            const ChatOptions& options, std::vector<SeededRoom> rooms)
      : Fleet(io, endpoint, std::move(targets), options.concurrent_handshakes, "joined"),
        timer_(io), options_(options), rooms_(std::move(rooms)) {}

  void Run() {
    const long before = options_.server_pid ? ResidentKiB(options_.server_pid) : -1;
    const auto opening = Clock::now();
    Open([this, before, opening] {
      const double took = std::chrono::duration<double>(Clock::now() - opening).count();
      std::printf("connected %zu sockets in %.1f s (%zu failed%s%s)\n", in(), took, failed(),
                  failed() ? ": " : "", first_failure().c_str());
      if (failed() > 0) {
        status_ = 1;
        CloseAll();
        return;
      }
      if (before >= 0) {
        const long after = ResidentKiB(options_.server_pid);
        std::printf("server memory: %ld KiB -> %ld KiB, %.1f KiB per joined socket\n", before,
                    after, static_cast<double>(after - before) / static_cast<double>(in()));
      }
      sent_per_socket_.assign(sockets_.size(), 0);
      StartStep(0);
    });
  }
  int status() const { return status_; }

 private:
  struct Step {
    int rate = 0;
    std::size_t sent = 0, acked = 0, delivered = 0;
    std::vector<std::int64_t> latencies;
  };

  void StartStep(std::size_t index) {
    if (index == options_.rates.size()) return Drain();
    step_ = index;
    steps_.resize(index + 1);
    steps_[index].rate = options_.rates[index];
    steps_[index].latencies.reserve(1 << 20);
    step_start_ = Clock::now();
    Tick();
  }

  void Tick() {
    const double elapsed = std::chrono::duration<double>(Clock::now() - step_start_).count();
    Step& step = steps_[step_];
    if (elapsed >= options_.step_seconds) {
      Report(step, options_.step_seconds);
      return StartStep(step_ + 1);
    }
    const auto due = static_cast<std::size_t>(step.rate * elapsed);
    const std::size_t senders = options_.senders > 0
                                    ? std::min<std::size_t>(options_.senders, sockets_.size())
                                    : sockets_.size();
    std::size_t closed_in_a_row = 0;  // every sender closed: nothing to send with
    while (step.sent < due && closed_in_a_row < senders) {
      LoadSocket& socket = *sockets_[cursor_];
      cursor_ = (cursor_ + 1) % senders;
      if (!socket.open()) {
        ++closed_in_a_row;
        continue;
      }
      closed_in_a_row = 0;
      const std::size_t i = socket.index();
      const std::string& conversation = rooms_[targets_[i].room].conversation_id;
      socket.SendText(R"({"type":"message","conversation_id":")" + conversation +
                      R"(","text":")" + std::to_string(bench::NowNanos()) +
                      R"(","idempotency_key":")" + run_ + std::to_string(i) + "-" +
                      std::to_string(++sent_per_socket_[i]) + R"("})");
      ++step.sent;
      ++total_sent_;
      expected_ += rooms_[targets_[i].room].members.size() - 1;
    }
    timer_.expires_after(std::chrono::milliseconds(1));
    timer_.async_wait([this](const asio::error_code& error) {
      if (!error) Tick();
    });
  }

  // After the last step: waits until every message sent is acknowledged and delivered to each
  // other member of its room, or until nothing has arrived for --drain-seconds; then counts.
  void Drain() {
    draining_ = true;
    const std::size_t seen = total_acked_ + total_delivered_;
    if (total_acked_ == total_sent_ && total_delivered_ >= expected_) return Finish();
    if (seen != drain_seen_) {
      drain_seen_ = seen;
      drain_progress_ = Clock::now();
    } else if (std::chrono::duration<double>(Clock::now() - drain_progress_).count() >=
               options_.drain_seconds) {
      return Finish();
    }
    timer_.expires_after(std::chrono::milliseconds(20));
    timer_.async_wait([this](const asio::error_code& error) {
      if (!error) Drain();
    });
  }

  void Finish() {
    const long long missing =
        static_cast<long long>(expected_) - static_cast<long long>(total_delivered_);
    std::printf("total: %zu sent, %zu acknowledged, %zu deliveries expected, %zu delivered, "
                "%lld missing, %zu error frames%s%s, %zu sockets closed by the server\n",
                total_sent_, total_acked_, expected_, total_delivered_, missing, errors_,
                errors_ ? " (first: " : "", errors_ ? (first_error_ + ")").c_str() : "",
                unexpected_closes_);
    if (missing != 0 || total_acked_ != total_sent_ || errors_ != 0 || unexpected_closes_ != 0) {
      status_ = 1;
    }
    CloseAll();
  }

  void Report(Step& step, double seconds) {
    std::printf("rate %7d/s: sent %9.0f/s  acked %9.0f/s  delivered %10.0f/s  "
                "latency p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  (%zu samples)\n",
                step.rate, step.sent / seconds, step.acked / seconds, step.delivered / seconds,
                Percentile(step.latencies, 0.50), Percentile(step.latencies, 0.95),
                Percentile(step.latencies, 0.99), step.latencies.size());
    std::fflush(stdout);
  }

  void OnFrame(LoadSocket& socket, std::string_view type, std::string_view frame) override {
    Step* step = (draining_ || steps_.empty()) ? nullptr : &steps_[step_];
    if (type == "message") {
      ++total_delivered_;
      if (step) {
        ++step->delivered;
        const std::int64_t at = bench::SentAt(frame);
        if (at > 0) step->latencies.push_back(bench::NowNanos() - at);
      }
    } else if (type == "sent") {
      (void)socket;
      ++total_acked_;
      if (step) ++step->acked;
    }
  }

  asio::steady_timer timer_;
  const ChatOptions& options_;
  std::vector<SeededRoom> rooms_;
  std::vector<Step> steps_;
  std::size_t step_ = 0, cursor_ = 0;
  Clock::time_point step_start_;
  std::vector<std::uint64_t> sent_per_socket_;
  std::size_t total_sent_ = 0, total_acked_ = 0, total_delivered_ = 0, expected_ = 0;
  // Keys unique to this run: the seeded users send again in the next run.
  const std::string run_ = "l" + std::to_string(bench::NowNanos()) + "-";
  bool draining_ = false;
  std::size_t drain_seen_ = 0;
  Clock::time_point drain_progress_ = Clock::now();
  int status_ = 0;
};

class IdleFleet final : public Fleet {
 public:
  using Fleet::Fleet;
  void OnFrame(LoadSocket&, std::string_view, std::string_view) override {}
  std::size_t closes() const { return unexpected_closes_; }
};

asio::ip::tcp::endpoint Endpoint(const std::string& host, int port) {
  return {asio::ip::make_address(host), static_cast<unsigned short>(port)};
}

}  // namespace

int RunChatLoad(const ChatOptions& options) {
  std::vector<SeededUser> users;
  std::vector<SeededRoom> rooms;
  if (!ReadUsers(options.in, users) || !ReadRooms(options.in, rooms)) return 2;
  std::unordered_map<std::string, std::string> tokens;
  for (const SeededUser& u : users) tokens[u.id] = u.token;
  std::vector<Fleet::Target> targets;
  std::size_t members = 0;
  for (std::size_t r = 0; r < rooms.size(); ++r) {
    for (const std::string& member : rooms[r].members) {
      targets.push_back({"/ws/chat/" + rooms[r].conversation_id + "/", tokens[member], r});
    }
    members = std::max(members, rooms[r].members.size());
  }
  std::printf("eventify-load chat: %zu rooms of up to %zu members, %zu sockets, ws://%s:%d, "
              "steps of %.1f s\n",
              rooms.size(), members, targets.size(), options.host.c_str(), options.ws_port,
              options.step_seconds);
  asio::io_context io;
  ChatFleet fleet(io, Endpoint(options.host, options.ws_port), std::move(targets), options,
                  std::move(rooms));
  fleet.Run();
  io.run();
  return fleet.status();
}

int RunIdleLoad(const IdleOptions& options) {
  std::vector<SeededUser> users;
  if (!ReadUsers(options.in, users)) return 2;
  if (users.empty()) return 2;
  std::vector<Fleet::Target> targets;
  for (int i = 0; i < options.connections; ++i) {
    targets.push_back({"/ws/notifications/", users[static_cast<std::size_t>(i) % users.size()].token, 0});
  }
  std::printf("eventify-load idle: %d sockets over %zu users, ws://%s:%d\n", options.connections,
              users.size(), options.host.c_str(), options.ws_port);
  asio::io_context io;
  IdleFleet fleet(io, Endpoint(options.host, options.ws_port), std::move(targets),
                  options.concurrent_handshakes, "ready");
  asio::steady_timer timer(io);
  const long before = options.server_pid ? ResidentKiB(options.server_pid) : -1;
  int status = 0;
  const auto opening = Clock::now();
  fleet.Open([&] {
    const double took = std::chrono::duration<double>(Clock::now() - opening).count();
    std::printf("authenticated %zu sockets in %.1f s (%zu failed%s%s)\n", fleet.in(), took,
                fleet.failed(), fleet.failed() ? ": " : "", fleet.first_failure().c_str());
    if (fleet.failed() > 0) status = 1;
    timer.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options.hold_seconds)));
    timer.async_wait([&](const asio::error_code&) {
      if (before >= 0 && fleet.in() > 0) {
        const long after = ResidentKiB(options.server_pid);
        std::printf("server memory: %ld KiB -> %ld KiB, %.2f KiB per idle authenticated socket\n",
                    before, after, static_cast<double>(after - before) / fleet.in());
      }
      if (fleet.closes() > 0) status = 1;
      fleet.CloseAll();
    });
  });
  io.run();
  return status;
}

}  // namespace eventify::load
