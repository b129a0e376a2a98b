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
  if (config_.node_timeout <= config_.renew_interval) {
    return Status(StatusCode::kInvalidArgument, "invalid_node_timeout",
                  "HubCluster::node_timeout must be longer than renew_interval", "node_timeout");
  }
  // A node restarted under the same id starts from nothing, not from its previous life's numbers
  // (on failure they disappear when that lease runs out).
  if (config_.directory) (void)config_.directory->Leave();
  if (Status subscribed = config_.bus->Subscribe(kClusterTopic); !subscribed.ok()) return subscribed;
  if (Status started = config_.bus->Start(*this); !started.ok()) return started;
  started_ = true;
  return Status::Ok();
}

void ClusterLink::Stop() {
  if (stopped_.exchange(true)) return;
  if (started_) config_.bus->Stop();
  // On failure the numbers disappear when the lease runs out.
  if (config_.directory) (void)config_.directory->Leave();
}

void ClusterLink::Publish(ClusterEvent event) {
  if (!started_ || stopped_) return;
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
  // While this node's link is down, or when it did not look for half a node_timeout (a stall of
  // its own, or the clock jumped), the silence is its own: every node gets a fresh node_timeout.
  const bool own_silence =
      checked_at_ != Timestamp{} && now - checked_at_ > config_.node_timeout / 2;
  checked_at_ = now;
  if (link_down_ || own_silence) {
    for (auto& [origin, heard] : heard_) heard = now;
    return;
  }
  std::vector<std::string> silent;
  for (const auto& [origin, heard] : heard_) {
    if (now - heard >= config_.node_timeout) silent.push_back(origin);
  }
  for (const std::string& origin : silent) {
    Forget(origin);
    gone_[origin] = now;
    receiver_.OnNodeGone(origin);
  }
  // A node gone this long is forgotten: heard again, it is met as a node already running.
  std::erase_if(gone_,
                [&](const auto& entry) { return now - entry.second > 10 * config_.node_timeout; });
}

void ClusterLink::Farewell() {
  ClusterEvent farewell;
  farewell.kind = ClusterKind::kFarewell;
  Publish(std::move(farewell));
}

void ClusterLink::Forget(const std::string& origin) {
  heard_.erase(origin);
  last_seen_.erase(origin);
}

void ClusterLink::OnMessage(std::string_view topic, std::string_view payload) {
  if (topic != kClusterTopic) return;
  Result<ClusterEvent> event = DecodeClusterEvent(payload);
  if (!event.ok()) return;  // another version or a stray publisher: not ours to route
  if (event->origin == node_id_) return;  // routed here already, from the commit
  post_([this, e = *std::move(event)] { Receive(e); });
}

void ClusterLink::Receive(const ClusterEvent& event) {
  if (event.kind == ClusterKind::kFarewell) {
    // An orderly stop: what it held is gone now, and a next life numbers from 1 again.
    Forget(event.origin);
    gone_.erase(event.origin);
    receiver_.OnNodeGone(event.origin);
    return;
  }
  heard_[event.origin] = clock_.Now();
  const bool was_gone = gone_.erase(event.origin) > 0;
  auto [last, first] = last_seen_.try_emplace(event.origin, event.seq);
  if (first) {
    // Gone and heard again, or met in the middle of its numbering (it ran before this node heard
    // it, or was forgotten): what it holds must be asked. A new node starts at 1 and holds nothing.
    if (was_gone || event.seq > 1) receiver_.OnNodeBack(event.origin);
  } else if (event.seq <= last->second) {
    // A node's numbering restarts with the node: a number not above the last is a new life, not
    // a gap, and what the previous life held is gone with it.
    last->second = event.seq;
    receiver_.OnNodeGone(event.origin);
  } else {
    const bool gap = event.seq > last->second + 1;
    last->second = event.seq;
    if (gap) receiver_.OnMissed();
  }
  receiver_.OnRemote(event);
}

void ClusterLink::OnLinkLost() {
  post_([this] { link_down_ = true; });
}

void ClusterLink::OnLinkRestored() {
  post_([this] {
    link_down_ = false;
    const Timestamp now = clock_.Now();
    for (auto& [origin, heard] : heard_) heard = now;
    receiver_.OnMissed();
  });
}

}  // namespace eventify::hub
