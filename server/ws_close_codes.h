// The close codes and reasons of the WebSocket binding (docs/protocol.md, "WebSocket binding").
// Stable: clients switch on the code; the reason is a word for people and logs.
#pragma once

#include <cstdint>

namespace eventify::server::ws_close {

inline constexpr std::uint16_t kGoingAway = 1001;        // the server stops
inline constexpr std::uint16_t kUnsupportedData = 1003;  // a binary frame
inline constexpr std::uint16_t kPolicy = 1008;           // any other close the hub asks for
inline constexpr std::uint16_t kAuthExpected = 4400;     // first frame not {"type":"auth",...}
inline constexpr std::uint16_t kUnauthenticated = 4401;  // the hub refused the token
inline constexpr std::uint16_t kJoinRefused = 4403;      // a chat socket's conversation refused
inline constexpr std::uint16_t kAuthTimeout = 4408;      // no auth frame in ws.auth_timeout
inline constexpr std::uint16_t kTooManyConnections = 4409;
inline constexpr std::uint16_t kPongTimeout = 4410;   // no pong within ws.pong_timeout
inline constexpr std::uint16_t kSendQueueFull = 4413;  // the peer does not read fast enough
inline constexpr std::uint16_t kRateLimited = 4429;    // over ws.max_messages_per_second

inline constexpr char kShuttingDown[] = "shutting_down";
inline constexpr char kTextOnly[] = "text_frames_only";
inline constexpr char kAuthExpectedReason[] = "auth_expected";
inline constexpr char kAuthTimeoutReason[] = "auth_timeout";
inline constexpr char kTooManyForUser[] = "too_many_connections_for_user";
inline constexpr char kTooManyForAddress[] = "too_many_connections_for_address";
inline constexpr char kPongTimeoutReason[] = "pong_timeout";
inline constexpr char kSendQueueFullReason[] = "send_queue_full";
inline constexpr char kRateLimitedReason[] = "rate_limited";

}  // namespace eventify::server::ws_close
