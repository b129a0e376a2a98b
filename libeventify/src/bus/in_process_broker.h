// The in-process broker (spi::MakeInProcessBroker): topic subscriptions of the in-process buses,
// and the node leases and connection counts of the in-process presence directories.
//
// Thread-safety: every member may be called from any thread. Publish calls Endpoint::Deliver under
// the broker's lock (that is what keeps the order per publisher), so Deliver must only queue.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "eventify/spi/bus.h"

namespace eventify::spi {

class InProcessBroker {
 public:
  // One subscribing bus.
  class Endpoint {
   public:
    virtual ~Endpoint() = default;
    virtual void Deliver(std::string_view topic, std::string_view payload) = 0;
  };

  // A node's lease and numbers.
  struct NodeEntry {
    Timestamp expires;
    std::map<std::string, int> connections;  // users with a count above zero
  };

  explicit InProcessBroker(std::shared_ptr<const Clock> clock);

  void Subscribe(Endpoint& endpoint, std::string_view topic);
  void Unsubscribe(Endpoint& endpoint, std::string_view topic);
  // Removes every subscription of `endpoint`; no Deliver to it starts after this returns.
  void Remove(Endpoint& endpoint);
  void Publish(std::string_view topic, std::string_view payload);

  // Runs `body` on the node table under the presence lock, with the current time.
  template <class Body>
  auto WithNodes(Body&& body) {
    std::lock_guard lock(presence_mu_);
    return body(nodes_, clock_->Now());
  }

 private:
  std::shared_ptr<const Clock> clock_;

  std::mutex topics_mu_;
  std::unordered_map<std::string, std::set<Endpoint*>> topics_;

  std::mutex presence_mu_;
  std::map<std::string, NodeEntry, std::less<>> nodes_;
};

}  // namespace eventify::spi
