// Bus and PresenceDirectory: what the chat hubs of several server processes ("nodes") share, so
// that a message sent through one node reaches a recipient connected to another, and presence is
// right on all of them. docs/bus.md describes both with the hub's use of them; the conformance
// suite (tests/bus/) says what an implementation must do.
//
// Two implementations are bundled: the in-process one below (the default: one process, or several
// "nodes" inside one test program, no external service) and Redis pub/sub in its own target
// (eventify::redis, eventify/backends/redis_bus.h).
//
// ---- Bus: publish and subscribe on topics -------------------------------------------------------
//
// A topic is an opaque name (1 to kMaxTopicSize bytes); a payload is opaque bytes (at most
// kMaxPayloadSize). A bus instance is one node's view: it publishes, and it delivers to its one
// listener the payloads published (by any node, this one included) on the topics it subscribes.
//
// Guarantees:
//  1. At most once. A payload Publish accepted is delivered at most once to each subscribed node,
//     and may be lost: while the link to the broker is down (a Redis restart, a network cut), and
//     when a subscriber falls behind. Nothing is stored or replayed: what must survive is written
//     to storage first, and the bus only says that something happened.
//  2. Losses a subscriber can see are reported: when its link to the broker is lost the listener
//     gets OnLinkLost, and OnLinkRestored once it is back with every subscription in force again.
//     Anything published between the two may be missing. A subscriber that fell behind and had
//     payloads dropped gets the same pair. (A payload lost on the *publisher's* side, in flight
//     when its own link broke, cannot be seen by the subscribers; the publisher's listener gets
//     the pair instead. The hub is to catch this case by numbering its payloads per topic,
//     docs/bus.md.)
//  3. Order per publisher: payloads one bus instance published reach a subscriber in the order of
//     the Publish calls (across topics too), with gaps only where payloads were lost.
//  4. A subscription is in force some time after Subscribe returns (Redis confirms it
//     asynchronously); payloads published before that may be missed without a report. Callers
//     that need a known start read the durable state after subscribing (the hub's clients recover
//     from their positions). After Unsubscribe a few payloads already on their way may still
//     arrive.
//
// Threads:
//  - Publish, Subscribe and Unsubscribe may be called from any thread and never wait on the
//    network: Publish copies the payload into a bounded queue (BusQueueOptions::max_queued) that
//    the implementation's own thread drains (the in-process bus hands it straight to the
//    subscribers' delivery queues instead). When the queue is full, Publish refuses the payload
//    (kResourceExhausted bus_queue_full) rather than block: the caller treats it as a loss.
//  - The listener's callbacks run on the bus's own delivery thread, one at a time, never on the
//    caller of Publish. They must not block (the hub only queues the work for its worker): a slow
//    listener delays every later delivery, and past the queue bound loses payloads (guarantee 2).
//
// ---- PresenceDirectory: connection counts shared by the nodes -----------------------------------
//
// "Online while at least one connection of the user is alive" must hold across nodes. Each node
// writes, per user, how many connections it holds (SetConnections, absolute numbers, so a rewrite
// after a broker restart is harmless), and reads the total over the live nodes (CountConnections).
// A node's numbers live under a lease that expires one lease period (the factory's lease_ttl)
// after its last write or Renew: a node that dies without Leave stops counting once its lease runs
// out. Calls go to the broker and wait for its answer (a round trip on Redis, bounded by the
// backend's timeout), so call them from the hub's worker, never from a transport or bus thread.
// Thread-safe.
//
// ---- How the hub uses them (the wiring, docs/bus.md has the details) ----------------------------
//
//   Topics: "c:<conversation_id>" (message committed, read mark moved, typing), "p:<user_id>"
//   (presence delta of that user) and "u:<user_id>" (what concerns that user alone: a new
//   membership, new_event). A node subscribes to u:<id> of each connected user, c:<id> of every
//   conversation one of them belongs to, and p:<id> of every contact of one, and unsubscribes when
//   the last local user needing the topic leaves. Each event is published once, however
//   many members and nodes there are; the broker sends it only to the nodes that subscribed (at
//   most one copy per node), and each node works out its own recipients (its joined connections,
//   its online members and their unread counts). The hub also receives its own payloads through
//   the bus, so routing has one path.
//
//   Presence: on a user's first local connection and after the last one closes, the hub first
//   SetConnections (its new local count), then CountConnections; a total that equals the local
//   count when opening (nobody else had one) or is zero when closing is a transition to publish on
//   p:<id>. Setting before counting means no transition is missed when two nodes change at once;
//   at worst it is published twice, and deltas are idempotent.
//
//   OnLinkLost / OnLinkRestored: once restored (and on a gap in a node's numbering), the hub
//   tells its clients to recover from their last positions (docs/protocol.md, recovery) and
//   re-reads its connected users' contacts with CountConnections, announcing online those whose
//   note it missed; a missed "offline" is found by the periodic recount of the users it holds
//   online. Nothing durable was lost, since the bus never carried it alone.
//
//   Renew every lease_ttl / 3 from the hub's timer; Leave when the hub stops.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/export.h"
#include "eventify/spi/clock.h"
#include "eventify/status.h"

namespace eventify::spi {

inline constexpr std::size_t kMaxTopicSize = 256;
inline constexpr std::size_t kMaxPayloadSize = 1 << 20;  // 1 MiB

// Implemented by the bus's user (the hub). Every call runs on the bus's delivery thread, one at a
// time, and must not block.
class EVENTIFY_EXPORT BusListener {
 public:
  virtual ~BusListener() = default;
  // One payload published on `topic`, a topic this node subscribes. Valid for the call only.
  virtual void OnMessage(std::string_view topic, std::string_view payload) = 0;
  // The link to the broker is gone (or payloads for this node were dropped): anything published
  // from now until OnLinkRestored may be missing. Called once per outage.
  virtual void OnLinkLost() = 0;
  // The link is back and every subscription is in force again. Always follows an OnLinkLost.
  virtual void OnLinkRestored() = 0;
};

struct BusQueueOptions {
  // Payloads waiting to go out (Publish) or, in process, to be delivered to one listener.
  std::size_t max_queued = 65536;
};

class EVENTIFY_EXPORT Bus {
 public:
  virtual ~Bus() = default;

  // Starts delivering to `listener`, which must stay valid until Stop returns. Subscriptions made
  // before Start take effect with it. Does not wait for the broker: an unreachable broker is
  // reported to the listener with OnLinkLost, and the bus keeps trying.
  // Errors: kFailedPrecondition bus_already_started (Start was called before, or after Stop).
  virtual Status Start(BusListener& listener) = 0;

  // Stops delivering: when it returns no callback is running and none will run again. Payloads
  // still queued for publishing are handed to the broker when the link is up (bounded by the
  // backend's timeout), else dropped. Idempotent; the destructor calls it. Never call it from a
  // listener callback.
  virtual void Stop() = 0;

  // Queues `payload` for every node subscribing `topic` (this one included) and returns at once.
  // Errors: kInvalidArgument invalid_topic (empty or longer than kMaxTopicSize, field "topic");
  // kPayloadTooLarge bus_payload_too_large (field "payload"); kResourceExhausted bus_queue_full
  // (not queued: the broker is slow or unreachable); kFailedPrecondition bus_stopped.
  virtual Status Publish(std::string_view topic, std::string_view payload) = 0;

  // Adds or removes `topic` for this node (see guarantee 4). Subscribing a topic already
  // subscribed, or unsubscribing one that is not, changes nothing. Errors: kInvalidArgument
  // invalid_topic; kFailedPrecondition bus_stopped.
  virtual Status Subscribe(std::string_view topic) = 0;
  virtual Status Unsubscribe(std::string_view topic) = 0;
};

struct UserConnections {
  std::string user_id;
  int connections = 0;  // >= 0; 0 removes the user from this node's numbers
};

class EVENTIFY_EXPORT PresenceDirectory {
 public:
  virtual ~PresenceDirectory() = default;

  // This node's name in the directory (unique among live nodes; the factory's node_id).
  virtual std::string_view node_id() const = 0;

  // Sets this node's connection count of each user (absolute, not a difference) and renews the
  // lease. Errors: kInvalidArgument invalid_presence_count (a negative count, field
  // "connections"); kUnavailable presence_unavailable (the broker cannot be reached: nothing may
  // have been written; call again with the same numbers).
  virtual Status SetConnections(std::span<const UserConnections> counts) = 0;

  // The total connections of each user over the nodes whose lease is alive, in the order of
  // `user_ids`. Errors: kUnavailable presence_unavailable.
  virtual Result<std::vector<int>> CountConnections(std::span<const std::string> user_ids) = 0;

  // Renews this node's lease for another lease period; when the broker forgot it (a restart
  // without persistence), writes this node's numbers again. Errors: kUnavailable
  // presence_unavailable.
  virtual Status Renew() = 0;

  // Removes this node's numbers at once (an orderly shutdown). The directory is usable again
  // afterwards (SetConnections starts over). Errors: kUnavailable presence_unavailable (the
  // numbers then disappear when the lease runs out).
  virtual Status Leave() = 0;
};

// Checks a node id for the directories: 1 to 64 characters of [A-Za-z0-9._-].
// Errors: kInvalidArgument invalid_node_id (field "node_id").
EVENTIFY_EXPORT Status CheckNodeId(std::string_view node_id);

// ---- The in-process implementation --------------------------------------------------------------

// The broker of in-process buses and directories: everything inside one process that should see
// each other shares one broker (one per hub normally; two in a test that plays two nodes). Leases
// are read from `clock` (the system clock when null), so tests move them with ManualClock.
// Thread-safe; the buses and directories made from it keep it alive.
class InProcessBroker;
EVENTIFY_EXPORT std::shared_ptr<InProcessBroker> MakeInProcessBroker(
    std::shared_ptr<const Clock> clock = nullptr);

// A bus on `broker`. Publish hands the payload to the delivery queue of each subscribed bus at
// once (under the broker's lock, so order per publisher holds); each bus delivers from its own
// thread. A listener whose queue is full (options.max_queued) loses the payload and gets
// OnLinkLost, then OnLinkRestored once its queue has drained. Publish never returns
// bus_queue_full here: the publisher has nothing to wait for.
EVENTIFY_EXPORT std::shared_ptr<Bus> MakeInProcessBus(std::shared_ptr<InProcessBroker> broker,
                                                      BusQueueOptions options = {});

// A directory on `broker` for node `node_id` with leases of `lease_ttl`. Never kUnavailable.
// Errors: invalid_node_id; kInvalidArgument invalid_lease_ttl (not positive, field "lease_ttl").
EVENTIFY_EXPORT Result<std::shared_ptr<PresenceDirectory>> MakeInProcessPresenceDirectory(
    std::shared_ptr<InProcessBroker> broker, std::string node_id,
    std::chrono::milliseconds lease_ttl = std::chrono::seconds(15));

}  // namespace eventify::spi
