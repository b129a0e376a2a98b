#include "bus_harness.h"

#include <boost/test/unit_test.hpp>

namespace eventify::testing {
namespace {
constexpr std::string_view kProbe = "probe:";
}

void RecordingListener::OnMessage(std::string_view topic, std::string_view payload) {
  {
    std::lock_guard lock(mu_);
    events_.push_back({Event::kMessage, std::string(topic), std::string(payload)});
  }
  changed_.notify_all();
}

void RecordingListener::OnLinkLost() {
  {
    std::lock_guard lock(mu_);
    events_.push_back({Event::kLost, {}, {}});
  }
  changed_.notify_all();
}

void RecordingListener::OnLinkRestored() {
  {
    std::lock_guard lock(mu_);
    events_.push_back({Event::kRestored, {}, {}});
  }
  changed_.notify_all();
}

bool RecordingListener::WaitUntil(const std::function<bool(const std::vector<Event>&)>& done,
                                  std::chrono::milliseconds deadline) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, deadline, [&] { return done(events_); });
}

std::vector<std::string> RecordingListener::Payloads(const std::string& topic) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const Event& event : events_) {
    if (event.kind == Event::kMessage && event.topic == topic &&
        !event.payload.starts_with(kProbe)) {
      out.push_back(event.payload);
    }
  }
  return out;
}

std::vector<RecordingListener::Event> RecordingListener::Events() {
  std::lock_guard lock(mu_);
  return events_;
}

int RecordingListener::Count(Event::Kind kind) {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const Event& event : events_) n += event.kind == kind ? 1 : 0;
  return n;
}

bool RecordingListener::Received(const std::string& topic, const std::string& payload) {
  return WaitUntil([&](const std::vector<Event>& events) {
    for (const Event& event : events) {
      if (event.kind == Event::kMessage && event.topic == topic && event.payload == payload) {
        return true;
      }
    }
    return false;
  });
}

BusNode::BusNode(std::shared_ptr<spi::Bus> made) : bus(std::move(made)) {
  BOOST_REQUIRE(bus != nullptr);
  const Status started = bus->Start(*listener);
  BOOST_REQUIRE_MESSAGE(started.ok(), started.ToString());
}

BusNode::~BusNode() { bus->Stop(); }

void BusNode::SubscribeAndWait(spi::Bus& publisher, const std::vector<std::string>& topics) {
  for (const std::string& topic : topics) BOOST_REQUIRE(bus->Subscribe(topic).ok());
  for (const std::string& topic : topics) {
    BOOST_REQUIRE_MESSAGE(WaitSubscribed(publisher, *listener, topic), "never subscribed " + topic);
  }
}

bool WaitSubscribed(spi::Bus& publisher, RecordingListener& subscriber, const std::string& topic) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int n = 0; std::chrono::steady_clock::now() < deadline; ++n) {
    if (!publisher.Publish(topic, std::string(kProbe) + std::to_string(n)).ok()) return false;
    const bool seen = subscriber.WaitUntil(
        [&](const std::vector<RecordingListener::Event>& events) {
          for (const auto& event : events) {
            if (event.topic == topic && event.payload.starts_with(kProbe)) return true;
          }
          return false;
        },
        std::chrono::milliseconds(50));
    if (seen) return true;
  }
  return false;
}

}  // namespace eventify::testing
