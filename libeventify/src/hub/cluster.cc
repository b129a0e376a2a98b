#include "hub/cluster.h"

#include <utility>
#include <vector>

#include "eventify/types.h"

namespace eventify::hub {

ClusterLink::ClusterLink(HubCluster config, const spi::Clock& clock, Post post,
                         Receiver& receiver)
    : config_(std::move(config)), clock_(clock), post_(std::move(post)), receiver_(receiver) {
  if (!config_.node_id.empty()) {
    node_id_ = config_.node_id;
  } else if (config_.directory) {
    node_id_ = std::string(config_.directory->node_id());
  } else {
    node_id_ = NewId(Timestamp(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch())));
  }
}

ClusterLink::~ClusterLink() { Stop(); }

Status ClusterLink::Start() {
  if (!active()) return Status::Ok();
  // A node restarted under the same id starts from nothing, not from its previous life's numbers
  // (on failure they disappear when that lease runs out).
  if (config_.directory) (void)config_.directory->Leave();
  if (Status subscribed = config_.bus->Subscribe(kClusterTopic); !subscribed.ok()) return subscribed;
  if (Status started = config_.bus->Start(*this); !started.ok()) return started;
  started_ = true;
  return Status::Ok();
}

void ClusterLink::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (started_) config_.bus->Stop();
  // On failure the numbers disappear when the lease runs out.
  if (config_.directory) (void)config_.directory->Leave();
}

void ClusterLink::Publish(ClusterEvent event) {
  if (!active() || stopped_) return;
  event.origin = node_id_;
  event.seq = ++next_seq_;
  (void)config_.bus->Publish(kClusterTopic, EncodeClusterEvent(event));
}

bool ClusterLink::RenewIfDue() {
  if (!config_.directory) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now - renewed_at_ < config_.renew_interval) return false;
  renewed_at_ = now;
  (void)config_.directory->Renew();  // on failure, the next tick tries again
  return true;
}

void ClusterLink::Heartbeat() {
  if (!active() || stopped_) return;
  const Timestamp now = clock_.Now();
  if (now - beat_at_ >= config_.renew_interval) {
    beat_at_ = now;
    ClusterEvent beat;
    beat.kind = ClusterKind::kHeartbeat;
    Publish(std::move(beat));
  }
  std::vector<std::string> silent;
  for (const auto& [origin, heard] : heard_) {
    if (now - heard >= config_.node_timeout && !gone_.contains(origin)) silent.push_back(origin);
  }
  for (const std::string& origin : silent) {
    gone_.insert(origin);
    receiver_.OnNodeGone(origin);
  }
}

void ClusterLink::OnMessage(std::string_view topic, std::string_view payload) {
  if (topic != kClusterTopic) return;
  Result<ClusterEvent> event = DecodeClusterEvent(payload);
  if (!event.ok()) return;  // another version or a stray publisher: not ours to route
  if (event->origin == node_id_) return;  // routed here already, from the commit
  post_([this, e = *std::move(event)] { Receive(e); });
}

void ClusterLink::Receive(const ClusterEvent& event) {
  heard_[event.origin] = clock_.Now();
  const bool was_gone = gone_.erase(event.origin) > 0;
  auto [last, first] = last_seen_.try_emplace(event.origin, event.seq);
  if (!first) {
    if (event.seq <= last->second) {
      // A node's numbering restarts with the node: a number not above the last is a new life,
      // not a gap, and what the previous life held is gone with it.
      last->second = event.seq;
      if (!was_gone) receiver_.OnNodeGone(event.origin);
    } else {
      const bool gap = event.seq > last->second + 1;
      last->second = event.seq;
      if (gap) receiver_.OnMissed();
      if (was_gone) receiver_.OnNodeBack(event.origin);
    }
  }
  receiver_.OnRemote(event);
}

void ClusterLink::OnLinkLost() {}

void ClusterLink::OnLinkRestored() {
  post_([this] { receiver_.OnMissed(); });
}

}  // namespace eventify::hub
