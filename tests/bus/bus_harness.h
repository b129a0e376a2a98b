// The bus conformance suite (bus_conformance.cc): what every spi::Bus and spi::PresenceDirectory
// must do. Each test program runs it on one implementation by defining MakeBusHarness(), and adds
// the tests only its implementation can run (a broker restart, a queue overflow).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "eventify/spi/bus.h"

namespace eventify::testing {

// Makes buses and directories that see each other (one broker), playing several nodes.
class BusHarness {
 public:
  virtual ~BusHarness() = default;
  virtual std::shared_ptr<spi::Bus> MakeBus() = 0;
  virtual Result<std::shared_ptr<spi::PresenceDirectory>> MakeDirectory(
      std::string node_id, std::chrono::milliseconds lease_ttl) = 0;
  // A lease short enough that PassLeaseTime makes it run out.
  virtual std::chrono::milliseconds ShortLease() = 0;
  // Lets ShortLease() pass (a manual clock moves; a real broker's time just passes while the
  // test polls).
  virtual void PassLeaseTime() = 0;
};

// Defined by each test program: the implementation under test.
std::unique_ptr<BusHarness> MakeBusHarness();

// Records what a bus delivers; tests wait on it with a generous deadline.
class RecordingListener final : public spi::BusListener {
 public:
  struct Event {
    enum Kind { kMessage, kLost, kRestored } kind;
    std::string topic;
    std::string payload;
  };

  void OnMessage(std::string_view topic, std::string_view payload) override;
  void OnLinkLost() override;
  void OnLinkRestored() override;

  // Waits (up to 30 s) until `done` holds over the events; false if it never did.
  bool WaitUntil(const std::function<bool(const std::vector<Event>&)>& done,
                 std::chrono::milliseconds deadline = std::chrono::seconds(30));
  // The payloads received on `topic`, probes (see WaitSubscribed) left out.
  std::vector<std::string> Payloads(const std::string& topic);
  std::vector<Event> Events();
  int Count(Event::Kind kind);
  bool Received(const std::string& topic, const std::string& payload);

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Event> events_;
};

// One node's bus, started with its own recording listener.
struct BusNode {
  std::shared_ptr<RecordingListener> listener = std::make_shared<RecordingListener>();
  std::shared_ptr<spi::Bus> bus;
  explicit BusNode(std::shared_ptr<spi::Bus> made);
  ~BusNode();
  // Subscribes `topics` and waits (WaitSubscribed, probes from `publisher`) until each is in
  // force; a failure ends the test case.
  void SubscribeAndWait(spi::Bus& publisher, const std::vector<std::string>& topics);
};

// Publishes probes on `topic` through `publisher` until `subscriber` receives one: from then on
// the subscription is in force (spi/bus.h, guarantee 4). False if it never was.
bool WaitSubscribed(spi::Bus& publisher, RecordingListener& subscriber, const std::string& topic);

}  // namespace eventify::testing
