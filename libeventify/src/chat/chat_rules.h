// The chat area's rules that do not touch storage: message text and idempotency keys, the keys
// that make a pair of users or an event map to one conversation, who may start a direct
// conversation, and who is a member of a conversation. The single place each rule lives
// (eventify/chat.h states them; docs/chat.md explains them).
//
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "eventify/chat.h"
#include "eventify/spi/chat_store.h"
#include "eventify/status.h"

namespace eventify::chat {

// Trims surrounding whitespace; 1..kMaxMessageChars characters of valid UTF-8, line breaks and
// tabs allowed, no other control characters. Errors (field "text"): kInvalidArgument
// empty_message, message_too_long, invalid_text.
Result<std::string> NormalizeMessageText(std::string_view text);

// An image message's caption: "" when empty or only whitespace, otherwise as
// NormalizeMessageText. Errors (field "caption"): kInvalidArgument message_too_long, invalid_text.
Result<std::string> NormalizeCaption(std::string_view caption);

// 1-200 printable ASCII characters. Errors: kInvalidArgument invalid_idempotency_key (field
// "idempotency_key").
Status CheckIdempotencyKey(std::string_view key);

// "direct:<smaller id>:<larger id>": the same for both orders of the pair.
std::string DirectKey(std::string_view a, std::string_view b);
// "event:<event id>".
std::string EventRoomKey(std::string_view event_id);

// Whether `starter` may start a direct conversation with `other` (eventify/chat.h, the rule in
// its order). `booking_relation` answers whether one of the two holds a confirmed booking of an
// event the other organizes; it is asked only when the roles alone do not decide.
// Errors: kPermissionDenied user_blocked, conversation_not_allowed; those of booking_relation.
Status MayStartDirect(const spi::ChatUser& starter, const spi::ChatUser& other,
                      const std::function<Result<bool>()>& booking_relation);

// Whether `user_id` is a member of `conversation`: a participant of a direct one; the organizer of
// a room's event, or (`holds_confirmed_booking`) the holder of a confirmed booking of it.
bool IsMember(const spi::ConversationRecord& conversation, std::string_view user_id,
              bool holds_confirmed_booking);

// IsMember now: for an event room other than its organizer's, one read of whether `user_id`
// holds a confirmed booking of its event; nothing read for a direct conversation, whose
// participants never change. Errors: storage failures.
Result<bool> IsMemberNow(spi::ChatStore& store, const spi::ConversationRecord& conversation,
                         const std::string& user_id);

// The participant of a direct conversation who is not `user_id`.
const std::string& OtherParticipant(const spi::ConversationRecord& conversation,
                                    std::string_view user_id);

Status NotAMember();
Status ConversationNotFound();
Status MessageNotFound(const char* field);
Status UserBlocked();
Status Forbidden();

}  // namespace eventify::chat
