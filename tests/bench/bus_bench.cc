// eventify-bus-bench: how many payloads per second go through a bus, publisher to subscriber.
// Run by hand (docs/bus.md); never asserted by a test.
//
//   tests/support/with-redis.sh build/dev/tests/bench/eventify-bus-bench [--seconds 3]
//       [--payload 200] [--topics 100] [--batch 512] [--in-process]
//
// One node publishes in a closed loop on --topics topics (round robin) for --seconds; another
// node subscribes to all of them and counts. A refused Publish (bus_queue_full: Redis is the
// bottleneck) is retried after a short pause and counted. Prints one line 'bus key=value ...'.
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "eventify/backends/redis_bus.h"
#include "eventify/spi/bus.h"

namespace {

using Clock = std::chrono::steady_clock;
using eventify::Status;
using eventify::StatusCode;
namespace spi = eventify::spi;

class CountingListener final : public spi::BusListener {
 public:
  void OnMessage(std::string_view topic, std::string_view payload) override {
    if (payload == "ready") {
      ready_ = true;
      return;
    }
    last_ = Clock::now();
    ++received_;
  }
  void OnLinkLost() override { ++lost_; }
  void OnLinkRestored() override {}

  std::atomic<bool> ready_{false};
  std::atomic<long long> received_{0};
  std::atomic<int> lost_{0};
  std::atomic<Clock::time_point> last_{};
};

int Usage(const char* problem) {
  std::fprintf(stderr,
               "eventify-bus-bench: %s\nusage: eventify-bus-bench [--seconds 3] [--payload 200] "
               "[--topics 100] [--batch 512] [--in-process] [--redis-port P]\n"
               "(the Redis port defaults to EVENTIFY_TEST_REDIS_PORT, set by "
               "tests/support/with-redis.sh)\n",
               problem);
  return 2;
}

bool ParseInt(std::string_view text, long long& out) {
  auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && ptr == text.data() + text.size() && out > 0;
}

}  // namespace

int main(int argc, char** argv) {
  long long seconds = 3, payload_size = 200, topics = 100, batch = 512, port = 0;
  bool in_process = false;
  if (const char* env = std::getenv("EVENTIFY_TEST_REDIS_PORT")) ParseInt(env, port);
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--in-process") {
      in_process = true;
      continue;
    }
    if (i + 1 >= argc) return Usage("missing value");
    long long* target = flag == "--seconds"      ? &seconds
                        : flag == "--payload"    ? &payload_size
                        : flag == "--topics"     ? &topics
                        : flag == "--batch"      ? &batch
                        : flag == "--redis-port" ? &port
                                                 : nullptr;
    if (target == nullptr || !ParseInt(argv[++i], *target)) return Usage("bad option");
  }
  if (!in_process && port == 0) return Usage("no Redis port");

  std::shared_ptr<spi::Bus> publisher, subscriber;
  if (in_process) {
    auto broker = spi::MakeInProcessBroker();
    publisher = spi::MakeInProcessBus(broker);
    subscriber = spi::MakeInProcessBus(broker, {.max_queued = 1 << 20});
  } else {
    spi::RedisBusOptions options{.port = static_cast<int>(port),
                                 .key_prefix = "bench:",
                                 .max_batch = static_cast<std::size_t>(batch)};
    auto made_publisher = spi::MakeRedisBus(options);
    auto made_subscriber = spi::MakeRedisBus(options);
    if (!made_publisher.ok() || !made_subscriber.ok()) return Usage("bad Redis options");
    publisher = *made_publisher;
    subscriber = *made_subscriber;
  }
  CountingListener counting, ignored;
  std::vector<std::string> names;
  for (long long t = 0; t < topics; ++t) {
    names.push_back("c:" + std::to_string(t));
    if (!subscriber->Subscribe(names.back()).ok()) return Usage("subscribe failed");
  }
  if (!subscriber->Start(counting).ok() || !publisher->Start(ignored).ok()) {
    return Usage("start failed");
  }
  // Every subscription is in force once the probe on the last topic arrives (the subscribing
  // connection applies them in order).
  const auto setup_deadline = Clock::now() + std::chrono::seconds(30);
  while (!counting.ready_ && Clock::now() < setup_deadline) {
    (void)publisher->Publish(names.back(), "ready");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!counting.ready_) return Usage("the subscriber never received the probe");

  const std::string payload(static_cast<std::size_t>(payload_size), 'x');
  long long accepted = 0, refused = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  for (std::size_t t = 0; Clock::now() < end; t = (t + 1) % names.size()) {
    for (int burst = 0; burst < 256; ++burst) {
      const Status published = publisher->Publish(names[t], payload);
      if (published.ok()) {
        ++accepted;
      } else if (published.code() == StatusCode::kResourceExhausted) {
        ++refused;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      } else {
        std::fprintf(stderr, "publish failed: %s\n", published.ToString().c_str());
        return 1;
      }
    }
  }
  const double publish_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // Wait until everything accepted arrived, or nothing more arrives for 5 s.
  long long seen = -1;
  auto idle_since = Clock::now();
  while (counting.received_ < accepted && Clock::now() - idle_since < std::chrono::seconds(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (counting.received_ != seen) {
      seen = counting.received_;
      idle_since = Clock::now();
    }
  }
  const double deliver_seconds =
      std::chrono::duration<double>(counting.last_.load() - start).count();
  publisher->Stop();
  subscriber->Stop();
  std::printf(
      "bus backend=%s seconds=%.2f payload=%lld topics=%lld batch=%lld accepted=%lld "
      "refused_queue_full=%lld delivered=%lld lost_reports=%d published_per_s=%.0f "
      "delivered_per_s=%.0f\n",
      in_process ? "in-process" : "redis", publish_seconds, payload_size, topics, batch, accepted,
      refused, counting.received_.load(), counting.lost_.load(), accepted / publish_seconds,
      counting.received_.load() / deliver_seconds);
  return counting.received_ == accepted ? 0 : 1;
}
