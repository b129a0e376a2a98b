// Argument checks every bus and presence directory shares (the error codes of spi/bus.h).
#pragma once

#include <chrono>
#include <string_view>

#include "eventify/status.h"

namespace eventify::bus {

// kInvalidArgument invalid_topic, or OK.
Status CheckTopic(std::string_view topic);
// CheckTopic, then kPayloadTooLarge bus_payload_too_large, or OK.
Status CheckPublish(std::string_view topic, std::string_view payload);
// kInvalidArgument invalid_presence_count for a negative count, or OK.
Status CheckCount(int connections);
// kInvalidArgument invalid_lease_ttl when not positive, or OK.
Status CheckLeaseTtl(std::chrono::milliseconds lease_ttl);
Status BusStopped();
Status BusAlreadyStarted();

}  // namespace eventify::bus
