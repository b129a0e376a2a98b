#include "bus/bus_checks.h"

#include <string>

#include "eventify/spi/bus.h"

namespace eventify::bus {

Status CheckTopic(std::string_view topic) {
  if (topic.empty() || topic.size() > spi::kMaxTopicSize) {
    return Status(StatusCode::kInvalidArgument, "invalid_topic",
                  "a topic has 1 to " + std::to_string(spi::kMaxTopicSize) + " bytes", "topic");
  }
  return Status::Ok();
}

Status CheckPublish(std::string_view topic, std::string_view payload) {
  if (Status topic_ok = CheckTopic(topic); !topic_ok.ok()) return topic_ok;
  if (payload.size() > spi::kMaxPayloadSize) {
    return Status(StatusCode::kPayloadTooLarge, "bus_payload_too_large",
                  "a bus payload has at most " + std::to_string(spi::kMaxPayloadSize) + " bytes",
                  "payload");
  }
  return Status::Ok();
}

Status CheckCount(int connections) {
  if (connections < 0) {
    return Status(StatusCode::kInvalidArgument, "invalid_presence_count",
                  "a connection count is not negative", "connections");
  }
  return Status::Ok();
}

Status CheckLeaseTtl(std::chrono::milliseconds lease_ttl) {
  if (lease_ttl.count() <= 0) {
    return Status(StatusCode::kInvalidArgument, "invalid_lease_ttl",
                  "a lease lasts a positive time", "lease_ttl");
  }
  return Status::Ok();
}

Status BusStopped() {
  return Status(StatusCode::kFailedPrecondition, "bus_stopped", "the bus was stopped");
}

Status BusAlreadyStarted() {
  return Status(StatusCode::kFailedPrecondition, "bus_already_started",
                "a bus is started once");
}

}  // namespace eventify::bus

namespace eventify::spi {

Status CheckNodeId(std::string_view node_id) {
  bool ok = !node_id.empty() && node_id.size() <= 64;
  for (char c : node_id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    ok = ok && allowed;
  }
  if (!ok) {
    return Status(StatusCode::kInvalidArgument, "invalid_node_id",
                  "a node id has 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'",
                  "node_id");
  }
  return Status::Ok();
}

}  // namespace eventify::spi
