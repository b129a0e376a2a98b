// The bus conformance suite on Redis (a throwaway redis-server started by
// tests/support/with-redis.sh), and what only a real broker does: it goes away and comes back.
#define BOOST_TEST_MODULE redis_bus
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "bus_harness.h"
#include "eventify/backends/redis_bus.h"

namespace eventify::testing {
namespace {

spi::RedisBusOptions Options(const std::string& prefix) {
  const char* port = std::getenv("EVENTIFY_TEST_REDIS_PORT");
  BOOST_REQUIRE_MESSAGE(port != nullptr, "run through tests/support/with-redis.sh");
  return {.host = "127.0.0.1",
          .port = std::atoi(port),
          .key_prefix = prefix,
          .timeout = std::chrono::milliseconds(2000),
          .reconnect_min = std::chrono::milliseconds(20),
          .reconnect_max = std::chrono::milliseconds(200)};
}

// Each harness (each test case) has its own key prefix: test cases share one Redis.
class RedisHarness final : public BusHarness {
 public:
  RedisHarness() : options_(Options("test" + std::to_string(++next_) + ":")) {}

  std::shared_ptr<spi::Bus> MakeBus() override {
    Result<std::shared_ptr<spi::Bus>> bus = spi::MakeRedisBus(options_);
    BOOST_REQUIRE_MESSAGE(bus.ok(), bus.status().ToString());
    return *bus;
  }
  Result<std::shared_ptr<spi::PresenceDirectory>> MakeDirectory(
      std::string node_id, std::chrono::milliseconds lease_ttl) override {
    return spi::MakeRedisPresenceDirectory(options_, std::move(node_id), lease_ttl);
  }
  std::chrono::milliseconds ShortLease() override { return std::chrono::milliseconds(300); }
  void PassLeaseTime() override {}  // Redis expires the key in real time while the test polls

 private:
  static inline std::atomic<int> next_{0};
  spi::RedisBusOptions options_;
};

void Redis(const char* what) {
  const char* script = std::getenv("EVENTIFY_TEST_REDIS_RESTART");
  BOOST_REQUIRE(script != nullptr);
  BOOST_REQUIRE_EQUAL(std::system((std::string(script) + " " + what).c_str()), 0);
}

template <class Call>
Status Eventually(Call call) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  Status status = call();
  while (!status.ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    status = call();
  }
  return status;
}

using Event = RecordingListener::Event;

}  // namespace

std::unique_ptr<BusHarness> MakeBusHarness() { return std::make_unique<RedisHarness>(); }

BOOST_AUTO_TEST_CASE(options_are_checked) {
  spi::RedisBusOptions options = Options("x:");
  options.host.clear();
  Result<std::shared_ptr<spi::Bus>> no_host = spi::MakeRedisBus(options);
  BOOST_REQUIRE(!no_host.ok());
  BOOST_TEST(no_host.status().reason() == "invalid_redis_address");
  BOOST_TEST(no_host.status().field() == "host");
  options = Options("x:");
  options.port = 70000;
  BOOST_TEST(spi::MakeRedisBus(options).status().field() == "port");
  options = Options("x:");
  options.reconnect_min = std::chrono::seconds(5);
  BOOST_TEST(spi::MakeRedisBus(options).status().reason() == "invalid_redis_timeout");
  options = Options("x:");
  options.max_batch = 0;
  BOOST_TEST(spi::MakeRedisBus(options).status().reason() == "invalid_bus_queue");
  options = Options("x:");
  options.port = 70000;
  BOOST_TEST(spi::MakeRedisPresenceDirectory(options, "node-a").status().reason() ==
             "invalid_redis_address");
}

BOOST_AUTO_TEST_CASE(a_redis_restart_is_reported_and_delivery_resumes) {
  RedisHarness harness;
  BusNode a(harness.MakeBus());
  BusNode b(harness.MakeBus());
  a.SubscribeAndWait(*b.bus, {"c:1"});
  BOOST_REQUIRE(b.bus->Publish("c:1", "before").ok());
  BOOST_REQUIRE(a.listener->Received("c:1", "before"));

  Redis("down");
  BOOST_REQUIRE(a.listener->WaitUntil([](const std::vector<Event>& events) {
    return !events.empty() && events.back().kind == Event::kLost;
  }));
  BOOST_TEST((b.bus->Publish("c:1", "during").code() == StatusCode::kOk));  // may be lost
  Redis("up");
  BOOST_REQUIRE(a.listener->WaitUntil([](const std::vector<Event>& events) {
    return !events.empty() && events.back().kind == Event::kRestored;
  }));
  // Restored means subscribed again: what b publishes from now on arrives (once b's own
  // publishing connection is back, which its backoff brings about).
  BOOST_REQUIRE(b.bus->Publish("c:1", "after").ok());
  BOOST_TEST(a.listener->Received("c:1", "after"));
  BOOST_TEST(a.listener->Count(Event::kLost) == 1);
  BOOST_TEST(a.listener->Count(Event::kRestored) == 1);
  const std::vector<std::string> got = a.listener->Payloads("c:1");
  BOOST_TEST(got.front() == "before");
  BOOST_TEST(got.back() == "after");
  BOOST_TEST((got.size() == 2 || (got.size() == 3 && got[1] == "during")));
}

BOOST_AUTO_TEST_CASE(a_bus_started_while_redis_is_down_reports_it_and_connects_later) {
  RedisHarness harness;
  Redis("down");
  BusNode a(harness.MakeBus());
  BOOST_REQUIRE(a.bus->Subscribe("c:1").ok());
  BOOST_REQUIRE(a.listener->WaitUntil([](const std::vector<Event>& events) {
    return !events.empty() && events.back().kind == Event::kLost;
  }));
  Redis("up");
  BOOST_REQUIRE(a.listener->WaitUntil([](const std::vector<Event>& events) {
    return !events.empty() && events.back().kind == Event::kRestored;
  }));
  BusNode b(harness.MakeBus());
  BOOST_REQUIRE(b.bus->Publish("c:1", "hello").ok());
  BOOST_TEST(a.listener->Received("c:1", "hello"));
  BOOST_TEST(a.listener->Count(Event::kLost) == 1);
  BOOST_TEST(a.listener->Count(Event::kRestored) == 1);
}

BOOST_AUTO_TEST_CASE(presence_is_written_again_after_a_redis_restart) {
  RedisHarness harness;
  auto a = harness.MakeDirectory("node-a", std::chrono::seconds(60));
  auto b = harness.MakeDirectory("node-b", std::chrono::seconds(60));
  BOOST_REQUIRE(a.ok() && b.ok());
  const std::vector<std::string> users{"u1"};
  BOOST_REQUIRE((*b)->SetConnections(std::vector<spi::UserConnections>{{"u1", 2}}).ok());
  BOOST_TEST(*(*a)->CountConnections(users) == std::vector<int>{2});

  Redis("down");
  Status unavailable = (*a)->CountConnections(users).status();
  BOOST_TEST((unavailable.code() == StatusCode::kUnavailable));
  BOOST_TEST(unavailable.reason() == "presence_unavailable");
  Redis("up");

  // Redis forgot everything; b's next renewal writes its numbers again.
  Result<std::vector<int>> forgotten = std::vector<int>{};
  BOOST_REQUIRE(Eventually([&] {
                  forgotten = (*a)->CountConnections(users);
                  return forgotten.status();
                }).ok());
  BOOST_TEST(*forgotten == std::vector<int>{0});
  BOOST_REQUIRE(Eventually([&] { return (*b)->Renew(); }).ok());
  BOOST_TEST(*(*a)->CountConnections(users) == std::vector<int>{2});
}

}  // namespace eventify::testing
