// The hub's JSON frames (docs/protocol.md): parsing what a client sends, writing what it receives.
// Pure functions over strings; no state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eventify/chat.h"
#include "eventify/events.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::hub {

enum class ClientFrameType { kJoin, kLeave, kMessage, kRead, kDelivered, kTyping, kPing, kResume };

// A client's frame, its fields as the type needs them. Any other member (a `user_id`, say) is
// ignored.
struct ClientFrame {
  ClientFrameType type = ClientFrameType::kPing;
  std::string ref;  // the client's correlation string, echoed in the answer; may be empty
  std::string conversation_id;
  std::string message_id;  // kRead, kDelivered
  NewMessage message;      // kMessage
  bool is_typing = true;   // kTyping
  std::int64_t after = 0;  // kResume: the last stream position the client saw
};

// Errors (kInvalidArgument): invalid_frame (not a JSON object, or no string `type`: field "type"
// when the type is missing), unknown_type (field "type"); kPermissionDenied server_only (field
// "type": a type only the hub sends, such as new_event); kInvalidArgument missing_field (field: the name; a
// required string member absent, empty or not a string), invalid_field (field: the name; a
// member of the wrong JSON type). `ref` is filled in whenever the frame had one, even on error,
// so that the error can echo it.
Result<ClientFrame> ParseClientFrame(std::string_view text, std::string* ref);

// Server frames. Each returns one JSON object as text.
// `pos`: the stream's newest position; left out when it could not be read.
std::string ReadyFrame(const std::string& user_id, Role role, std::optional<std::int64_t> pos);
std::string ErrorFrame(const Status& status, const std::string& ref);
std::string JoinedFrame(const Conversation& conversation, const std::string& ref);
std::string LeftFrame(const std::string& conversation_id, const std::string& ref);
std::string SentFrame(const Message& message, const std::string& ref);
std::string MessageFrame(const Message& message);
std::string NewMessageFrame(const Message& message, std::int64_t unread);
// The frames one message makes when it is routed: the room channel's `message` and the
// `new_message` of each member's connections that did not join, which differ only in `unread`.
// The message's JSON is written once; each member's frame is a copy of the prefix with their
// count. Keeps a reference to `message`, which must outlive it. Not thread-safe (For fills the
// prefix the first time).
class MessageFrames {
 public:
  explicit MessageFrames(const Message& message);
  MessageFrames(Message&&) = delete;  // it would outlive a temporary
  // As MessageFrame(message).
  std::string Room() const;
  // As NewMessageFrame(message, unread).
  std::string For(std::int64_t unread) const;

 private:
  const Message& message_;
  std::string object_;          // the message's JSON object
  mutable std::string prefix_;  // the new_message frame up to the value of "unread": made by the
                                // first For (a room whose members all joined needs none)
};
std::string ReadMarkedFrame(const std::string& conversation_id, const Receipt& receipt,
                            const std::string& ref);
std::string MessageReadFrame(const std::string& conversation_id, const Receipt& receipt);
std::string TypingFrame(const std::string& conversation_id, const std::string& user_id,
                        bool is_typing);
std::string UserStatusFrame(const std::string& user_id, bool online, Timestamp last_seen);
std::string PongFrame(Timestamp now, const std::string& ref);
// The answers to `resume` after the replayed frames (hub/recovery.h).
std::string CaughtUpFrame(std::int64_t pos, const std::string& ref);
std::string ResyncRequiredFrame(std::int64_t pos, const std::string& ref);
std::string ParticipantStatusFrame(const std::string& conversation_id, const std::string& user_id,
                                   bool online);
std::string UnreadCountFrame(std::int64_t total);
std::string MessageDeliveredFrame(const std::string& conversation_id, const Receipt& receipt);
std::string NewEventFrame(const Event& event);
// Events may have been missed (another node's notes were lost): the client sends `resume`.
std::string RecoverFrame();

}  // namespace eventify::hub
