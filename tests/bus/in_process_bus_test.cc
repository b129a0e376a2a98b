// The bus conformance suite on the in-process bus, and what only it does: a listener that falls
// behind loses payloads past its queue bound and is told so.
#define BOOST_TEST_MODULE in_process_bus
#include <boost/test/unit_test.hpp>

#include "bus_harness.h"

namespace eventify::testing {
namespace {

const Timestamp kStart = FromMicros(1'800'000'000'000'000);

class InProcessHarness final : public BusHarness {
 public:
  std::shared_ptr<spi::Bus> MakeBus() override { return spi::MakeInProcessBus(broker_); }
  Result<std::shared_ptr<spi::PresenceDirectory>> MakeDirectory(
      std::string node_id, std::chrono::milliseconds lease_ttl) override {
    return spi::MakeInProcessPresenceDirectory(broker_, std::move(node_id), lease_ttl);
  }
  std::chrono::milliseconds ShortLease() override { return std::chrono::seconds(1); }
  void PassLeaseTime() override { clock_->Advance(std::chrono::milliseconds(1001)); }

 private:
  std::shared_ptr<spi::ManualClock> clock_ = std::make_shared<spi::ManualClock>(kStart);
  std::shared_ptr<spi::InProcessBroker> broker_ = spi::MakeInProcessBroker(clock_);
};

// Blocks in OnMessage of the first payload until released.
class BlockingListener final : public spi::BusListener {
 public:
  void OnMessage(std::string_view, std::string_view payload) override {
    std::unique_lock lock(mu_);
    log_.push_back(std::string(payload));
    entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
  }
  void OnLinkLost() override { Note("lost"); }
  void OnLinkRestored() override { Note("restored"); }

  void WaitEntered() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [this] { return entered_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    changed_.notify_all();
  }
  bool WaitFor(std::size_t entries) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(30),
                             [&] { return log_.size() >= entries; });
  }
  std::vector<std::string> Log() {
    std::lock_guard lock(mu_);
    return log_;
  }

 private:
  void Note(const char* what) {
    std::lock_guard lock(mu_);
    log_.push_back(what);
    changed_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> log_;
  bool entered_ = false;
  bool released_ = false;
};

}  // namespace

std::unique_ptr<BusHarness> MakeBusHarness() { return std::make_unique<InProcessHarness>(); }

BOOST_AUTO_TEST_CASE(a_listener_past_its_queue_bound_loses_payloads_and_is_told) {
  std::shared_ptr<spi::InProcessBroker> broker = spi::MakeInProcessBroker();
  std::shared_ptr<spi::Bus> slow = spi::MakeInProcessBus(broker, {.max_queued = 3});
  std::shared_ptr<spi::Bus> publisher = spi::MakeInProcessBus(broker);
  BlockingListener listener;
  BOOST_REQUIRE(slow->Subscribe("c:1").ok());  // in force at once in process
  BOOST_REQUIRE(slow->Start(listener).ok());

  BOOST_REQUIRE(publisher->Publish("c:1", "0").ok());
  listener.WaitEntered();  // "0" is being handled: the queue is empty
  for (int i = 1; i <= 6; ++i) {
    // The publisher never waits and is never refused: the slow listener loses "4" to "6".
    BOOST_TEST((publisher->Publish("c:1", std::to_string(i)).code() == StatusCode::kOk));
  }
  listener.Release();
  BOOST_REQUIRE(listener.WaitFor(6));
  BOOST_TEST(listener.Log() ==
             (std::vector<std::string>{"0", "1", "2", "3", "lost", "restored"}));

  BOOST_REQUIRE(publisher->Publish("c:1", "7").ok());  // delivery resumes
  BOOST_REQUIRE(listener.WaitFor(7));
  BOOST_TEST(listener.Log().back() == "7");
  slow->Stop();
}

BOOST_AUTO_TEST_CASE(a_bus_delivers_nothing_before_start_and_nothing_after_stop) {
  std::shared_ptr<spi::InProcessBroker> broker = spi::MakeInProcessBroker();
  std::shared_ptr<spi::Bus> bus = spi::MakeInProcessBus(broker);
  std::shared_ptr<spi::Bus> publisher = spi::MakeInProcessBus(broker);
  RecordingListener listener;
  BOOST_REQUIRE(bus->Subscribe("c:1").ok());
  BOOST_REQUIRE(publisher->Publish("c:1", "early").ok());
  BOOST_REQUIRE(bus->Start(listener).ok());
  BOOST_REQUIRE(publisher->Publish("c:1", "on time").ok());
  BOOST_TEST(listener.Received("c:1", "on time"));
  bus->Stop();
  BOOST_REQUIRE(publisher->Publish("c:1", "late").ok());
  BOOST_TEST(listener.Payloads("c:1") == (std::vector<std::string>{"on time"}));
}

}  // namespace eventify::testing
