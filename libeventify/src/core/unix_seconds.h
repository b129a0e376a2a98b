// Whole Unix seconds read from outside input (token claims, callback signature headers) turned
// into Timestamps.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "eventify/types.h"

namespace eventify {

// 9999-12-31T23:59:59Z, the last second RFC 3339 can write.
inline constexpr std::int64_t kMaxUnixSeconds = 253'402'300'799;

// The instant `seconds` after the epoch, for 0 to kMaxUnixSeconds; nullopt otherwise. Anything
// outside is nonsense from outside, and far outside would overflow a Timestamp's microseconds.
inline std::optional<Timestamp> FromUnixSeconds(std::int64_t seconds) {
  if (seconds < 0 || seconds > kMaxUnixSeconds) return std::nullopt;
  return Timestamp(std::chrono::seconds(seconds));
}

}  // namespace eventify
