// The operational pieces main() puts around the library and the hub: counters for the hub's
// traffic (as decorators of its transport and its inbound side, so that neither needs to know of
// metrics), the announcement of approved events to chat, the rate limiter chosen by the
// configuration, and the metrics families read from the engine and these counters.
//
// Thread-safety: the decorators are as the interfaces they wrap say; the counters are relaxed
// atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "config.h"
#include "eventify/engine.h"
#include "eventify/hub.h"
#include "eventify/spi/rate_limiter.h"
#include "eventify/spi/transport.h"
#include "metrics.h"
#include "rate_limits.h"

namespace eventify::server {

// Counts the frames the hub hands to the transport (messages routed, receipts, presence...) and
// the connections it closes, then passes each call on.
class CountingTransport final : public spi::Transport {
 public:
  explicit CountingTransport(std::shared_ptr<spi::Transport> inner) : inner_(std::move(inner)) {}
  void Send(spi::ConnectionId connection, std::string frame) override;
  void Close(spi::ConnectionId connection, std::string_view reason) override;

  std::uint64_t frames_sent() const { return frames_sent_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<spi::Transport> inner_;
  std::atomic<std::uint64_t> frames_sent_{0};
};

// Counts the sockets the transport reports to the hub (opened minus closed: the open ones) and
// the frames clients sent, then passes each call on to the hub. Set the hub before Start.
class CountingInbound final : public spi::HubInbound {
 public:
  void set_hub(spi::HubInbound& hub) { hub_ = &hub; }
  void OnOpened(spi::ConnectionId connection, std::string access_token) override;
  void OnFrame(spi::ConnectionId connection, std::string frame) override;
  void OnKeepAlive(spi::ConnectionId connection) override;
  void OnClosed(spi::ConnectionId connection) override;

  std::int64_t open() const {
    return static_cast<std::int64_t>(opened_.load(std::memory_order_relaxed) -
                                     closed_.load(std::memory_order_relaxed));
  }
  std::uint64_t frames_received() const {
    return frames_received_.load(std::memory_order_relaxed);
  }

 private:
  spi::HubInbound* hub_ = nullptr;
  std::atomic<std::uint64_t> opened_{0};
  std::atomic<std::uint64_t> closed_{0};
  std::atomic<std::uint64_t> frames_received_{0};
};

// Tells the hub of each event approved through the engine (Hub::AnnounceEvent: `new_event` to
// every open connection). Registers itself on construction, unregisters on destruction; destroy
// it before the hub.
class EventAnnouncer final : public EventsObserver {
 public:
  EventAnnouncer(Events& events, Hub& hub);
  ~EventAnnouncer() override;
  EventAnnouncer(const EventAnnouncer&) = delete;
  EventAnnouncer& operator=(const EventAnnouncer&) = delete;
  void OnEventApproved(const Event& event) override;

 private:
  Events& events_;
  Hub& hub_;
  std::uint64_t handle_;
};

// The buckets of the HTTP rate limits: in Redis when redis.host is set, else in this process.
// Errors: those of MakeRedisRateLimiter (a bad redis.* setting).
Result<std::shared_ptr<spi::RateLimiter>> MakeRateLimiter(const ServerConfig& config);

// The chat hub over `transport`. With redis.host set, one node of several: its notes go over a
// Redis bus and presence is counted in Redis (docs/bus.md), under the name node.id (default
// "<host name>-<process id>"); the other nodes must share the database and the secret key.
// Else a hub alone in this process.
// Errors: those of spi::MakeRedisBus, spi::MakeRedisPresenceDirectory and Hub::CreateNode.
Result<std::unique_ptr<Hub>> MakeHub(Engine& engine, std::shared_ptr<spi::Transport> transport,
                                     const ServerConfig& config);

// Registers the families read from the engine, the hub's counters and the rate limits
// (docs/operations.md lists them). All must outlive `metrics`' last Render.
void AddServerMetrics(Metrics& metrics, const Engine& engine, const CountingTransport& transport,
                      const CountingInbound& inbound, const RateLimits& limits);

}  // namespace eventify::server
