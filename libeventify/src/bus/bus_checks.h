// Argument checks every bus and presence directory shares (the error codes of spi/bus.h).
// Private, but exported from the core's shared library (EVENTIFY_EXPORT) for the Redis bus
// (eventify::redis), which is a library of its own.
#pragma once

#include <chrono>
#include <string_view>

#include "eventify/export.h"
#include "eventify/status.h"

namespace eventify::bus {

// kInvalidArgument invalid_topic, or OK.
EVENTIFY_EXPORT Status CheckTopic(std::string_view topic);
// CheckTopic, then kPayloadTooLarge bus_payload_too_large, or OK.
EVENTIFY_EXPORT Status CheckPublish(std::string_view topic, std::string_view payload);
// kInvalidArgument invalid_presence_count for a negative count, or OK.
EVENTIFY_EXPORT Status CheckCount(int connections);
// kInvalidArgument invalid_lease_ttl when not positive, or OK.
EVENTIFY_EXPORT Status CheckLeaseTtl(std::chrono::milliseconds lease_ttl);
EVENTIFY_EXPORT Status BusStopped();
EVENTIFY_EXPORT Status BusAlreadyStarted();

}  // namespace eventify::bus
