// The bundled Redis bus: spi::Bus over Redis pub/sub and spi::PresenceDirectory over Redis keys
// with expiry, through hiredis. It is its own library, eventify::redis, so that a program that
// runs one node (the in-process bus of spi/bus.h) never links hiredis; a host makes one bus and one
// directory per process and hands them to its hub:
//
//   auto bus = eventify::spi::MakeRedisBus({.host = "10.0.0.5", .port = 6379});
//   auto presence = eventify::spi::MakeRedisPresenceDirectory({.host = "10.0.0.5"}, "node-1");
//
// What it does (docs/bus.md): the bus keeps two connections, one publishing and one subscribing,
// each with its own thread. Publish only queues (at most max_queued payloads); the publishing
// thread sends what has queued up, up to max_batch PUBLISH commands per round trip, so throughput
// does not wait on latency. The subscribing thread reads deliveries and calls the listener, and
// applies Subscribe/Unsubscribe. A lost connection is re-opened with exponential backoff between
// reconnect_min and reconnect_max; the listener hears OnLinkLost when the subscribing connection
// breaks (or a batch in flight on the publishing one was lost) and OnLinkRestored when it is back
// with every topic subscribed again. Redis channels and keys are named key_prefix + "bus:" +
// topic and key_prefix + "presence:...", so several installations may share one Redis.
//
// Redis keeps nothing of pub/sub: payloads published while a node's subscribing connection is down
// are lost for it (the contract of spi::Bus allows that). Presence keys need no persistence
// either: after a Redis restart every node writes its numbers again on its next write or Renew.
//
// Ownership: the factories return shared objects; Stop (or the destructor) joins the threads.
// Thread-safety: as spi::Bus and spi::PresenceDirectory say (any thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "eventify/export.h"
#include "eventify/spi/bus.h"
#include "eventify/status.h"

namespace eventify::spi {

struct RedisBusOptions {
  std::string host = "127.0.0.1";  // a host name or IP address (TCP; no TLS in hiredis 0.14)
  int port = 6379;
  std::string password;            // sent with AUTH when not empty
  std::string key_prefix = "eventify:";
  // Time allowed to connect, and for one round trip (a batch of PUBLISH, a presence call).
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{5000};
  // Backoff between reconnect attempts: doubles from reconnect_min up to reconnect_max.
  std::chrono::milliseconds reconnect_min{50};
  std::chrono::milliseconds reconnect_max{2000};
  std::size_t max_queued = 65536;  // payloads waiting to be published (then bus_queue_full)
  std::size_t max_batch = 512;     // PUBLISH commands per round trip
};

// Checks the options and starts nothing: the bus connects on Start (payloads published before
// Start wait in the queue).
// Errors: kInvalidArgument invalid_redis_address (empty host, port outside 1-65535, field "host"
// or "port"), invalid_redis_timeout (a timeout or backoff not positive, or reconnect_min above
// reconnect_max, field "timeout"), invalid_bus_queue (max_queued or max_batch zero, field
// "max_queued").
EVENTIFY_EXPORT Result<std::shared_ptr<Bus>> MakeRedisBus(RedisBusOptions options);

// A directory for node `node_id` (spi::CheckNodeId), with leases of `lease_ttl`. Connects on first
// use and again after a failure; each call is one round trip (one Lua script, so a node's numbers
// and its lease change together). Errors: those of MakeRedisBus's options; invalid_node_id;
// kInvalidArgument invalid_lease_ttl (not positive, field "lease_ttl"). Its calls fail, besides
// the errors of spi::PresenceDirectory, with kInternal presence_failed when Redis answers
// something unexpected (a script refused, e.g. by an ACL).
EVENTIFY_EXPORT Result<std::shared_ptr<PresenceDirectory>> MakeRedisPresenceDirectory(
    RedisBusOptions options, std::string node_id,
    std::chrono::milliseconds lease_ttl = std::chrono::seconds(15));

}  // namespace eventify::spi
