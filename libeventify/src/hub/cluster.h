// The hub's link to the other nodes (docs/bus.md, "How the hub uses them"): it publishes what
// this node routed that users on other nodes may need, hands what the other nodes published to
// the hub's worker, and notices what may have been lost (an outage of the bus, or a gap in a
// node's numbering), which the hub answers by asking its clients to recover. It also keeps
// which nodes are heard from: each publishes a heartbeat note every renew_interval and a farewell
// when it stops; a node silent for node_timeout, restarted, or saying farewell is reported gone.
// Silence is not held against the others while this node's own link is down, nor after this
// node itself did not look for a while (a stall, or the clock jumped).
//
// Threads: Publish, the counters and the Receiver calls belong to the hub's worker. The bus's
// delivery thread only decodes and posts. Start before the first Publish; Stop (idempotent)
// before the worker stops: when it returns no bus callback runs. Stop may run on another thread
// than the worker; Publish after it does nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "eventify/hub.h"
#include "eventify/spi/bus.h"
#include "eventify/spi/clock.h"
#include "hub/cluster_codec.h"

namespace eventify::hub {

class ClusterLink final : private spi::BusListener {
 public:
  class Receiver {
   public:
    virtual ~Receiver() = default;
    // An event another node published (never this node's own), in that node's order.
    virtual void OnRemote(const ClusterEvent& event) = 0;
    // Events of other nodes may have been lost (the link was down, or a node's numbering
    // skipped): what they said must be recovered from storage.
    virtual void OnMissed() = 0;
    // Node `origin` is gone: silent for HubCluster::node_timeout, or started again (its
    // numbering began anew). What it said of its connections no longer holds.
    virtual void OnNodeGone(const std::string& origin) = 0;
    // A node reported gone for its silence is heard again, or a node is first heard in the
    // middle of its numbering: what it holds must be asked.
    virtual void OnNodeBack(const std::string& origin) = 0;
  };
  using Post = std::function<void(std::function<void()>)>;

  // With no bus in `config` the link is inactive: Publish does nothing. `clock` (the engine's)
  // measures the heartbeats and the silences; it outlives the link.
  ClusterLink(HubCluster config, const spi::Clock& clock, Post post, Receiver& receiver);
  ~ClusterLink() override;

  // Subscribes the hub topic and starts the bus. Errors: kInvalidArgument invalid_node_timeout
  // (node_timeout not above renew_interval, field "node_timeout"); those of
  // spi::Bus::Start/Subscribe.
  Status Start();
  // Stops the bus and removes this node from the presence directory. Idempotent.
  void Stop();

  bool active() const { return config_.bus != nullptr; }
  // The directory, or null when presence is per node.
  spi::PresenceDirectory* directory() const { return config_.directory.get(); }
  const std::string& node_id() const { return node_id_; }

  // Numbers and publishes `event` (its origin and seq are set here). A payload the bus refuses
  // (its queue full) is lost for the other nodes, which see the gap in the numbering.
  void Publish(ClusterEvent event);
  // Renews the directory's lease when HubCluster::renew_interval has passed since the last one;
  // true when it tried (the moment for Presence::Recount as well).
  bool RenewIfDue();
  // From the hub's timers: publishes the heartbeat when renew_interval has passed since the last
  // one, and reports gone (Receiver::OnNodeGone) each node heard from that has been silent for
  // node_timeout since.
  void Heartbeat();
  // Worker, before Stop: tells the other nodes this one stops (what it held is gone at once).
  void Farewell();

 private:
  void OnMessage(std::string_view topic, std::string_view payload) override;
  void OnLinkLost() override;
  void OnLinkRestored() override;
  void Receive(const ClusterEvent& event);  // worker
  void Forget(const std::string& origin);    // worker: its numbering and when it was heard

  HubCluster config_;
  const spi::Clock& clock_;
  Post post_;
  Receiver& receiver_;
  std::string node_id_;
  bool started_ = false;
  std::atomic<bool> stopped_{false};
  // Worker only.
  std::uint64_t next_seq_ = 0;
  std::unordered_map<std::string, std::uint64_t> last_seen_;  // origin -> last seq received
  // Origins heard from and not gone: when last heard.
  std::unordered_map<std::string, Timestamp> heard_;
  // Origins reported gone for their silence, not heard since: when (forgotten after a while).
  std::unordered_map<std::string, Timestamp> gone_;
  Timestamp beat_at_;     // the last heartbeat published
  Timestamp checked_at_;  // the last look for silent nodes
  bool link_down_ = false;
  std::chrono::steady_clock::time_point renewed_at_ = std::chrono::steady_clock::now();
};

}  // namespace eventify::hub
