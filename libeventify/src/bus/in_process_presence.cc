// The in-process presence directory (spi::MakeInProcessPresenceDirectory): node entries in the
// broker, with leases read from the broker's clock. It mirrors what the Redis one does with key
// expiry: an expired node counts for nothing, and its own next write or Renew brings its numbers
// back from the directory's local copy.
#include <map>
#include <mutex>
#include <utility>

#include "bus/bus_checks.h"
#include "bus/in_process_broker.h"

namespace eventify::spi {
namespace {

class InProcessPresenceDirectory final : public PresenceDirectory {
 public:
  InProcessPresenceDirectory(std::shared_ptr<InProcessBroker> broker, std::string node_id,
                             std::chrono::milliseconds lease_ttl)
      : broker_(std::move(broker)), node_id_(std::move(node_id)), lease_ttl_(lease_ttl) {}

  std::string_view node_id() const override { return node_id_; }

  Status SetConnections(std::span<const UserConnections> counts) override {
    for (const UserConnections& count : counts) {
      if (Status checked = bus::CheckCount(count.connections); !checked.ok()) return checked;
    }
    std::lock_guard lock(mu_);
    for (const UserConnections& count : counts) {
      if (count.connections == 0) {
        mine_.erase(count.user_id);
      } else {
        mine_[count.user_id] = count.connections;
      }
    }
    WriteLease();
    return Status::Ok();
  }

  Result<std::vector<int>> CountConnections(std::span<const std::string> user_ids) override {
    return broker_->WithNodes([&](auto& nodes, Timestamp now) {
      std::vector<int> totals(user_ids.size(), 0);
      for (const auto& [node, entry] : nodes) {
        if (entry.expires <= now) continue;
        for (std::size_t i = 0; i < user_ids.size(); ++i) {
          auto found = entry.connections.find(user_ids[i]);
          if (found != entry.connections.end()) totals[i] += found->second;
        }
      }
      return totals;
    });
  }

  Status Renew() override {
    std::lock_guard lock(mu_);
    WriteLease();
    return Status::Ok();
  }

  Status Leave() override {
    std::lock_guard lock(mu_);
    mine_.clear();
    broker_->WithNodes([&](auto& nodes, Timestamp) { return nodes.erase(node_id_); });
    return Status::Ok();
  }

 private:
  // Writes this node's whole numbers with a fresh lease: what Redis does after it forgot the
  // node, done every time here since it costs nothing in memory.
  void WriteLease() {
    broker_->WithNodes([&](auto& nodes, Timestamp now) {
      InProcessBroker::NodeEntry& entry = nodes[node_id_];
      entry.expires = now + std::chrono::duration_cast<Duration>(lease_ttl_);
      entry.connections = mine_;
      return 0;
    });
  }

  const std::shared_ptr<InProcessBroker> broker_;
  const std::string node_id_;
  const std::chrono::milliseconds lease_ttl_;

  std::mutex mu_;  // orders this node's writes; held while writing to the broker
  std::map<std::string, int> mine_;  // this node's numbers, users above zero
};

}  // namespace

Result<std::shared_ptr<PresenceDirectory>> MakeInProcessPresenceDirectory(
    std::shared_ptr<InProcessBroker> broker, std::string node_id,
    std::chrono::milliseconds lease_ttl) {
  if (Status checked = CheckNodeId(node_id); !checked.ok()) return checked;
  if (Status checked = bus::CheckLeaseTtl(lease_ttl); !checked.ok()) return checked;
  return std::shared_ptr<PresenceDirectory>(
      std::make_shared<InProcessPresenceDirectory>(std::move(broker), std::move(node_id),
                                                   lease_ttl));
}

}  // namespace eventify::spi
