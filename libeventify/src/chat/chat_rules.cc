#include "chat/chat_rules.h"

#include "accounts/validation.h"
#include "core/status_macros.h"
#include "events/validation.h"

namespace eventify {

std::string_view ConversationKindName(ConversationKind kind) {
  return kind == ConversationKind::kDirect ? "direct" : "event_room";
}

std::string_view MessageKindName(MessageKind kind) {
  return kind == MessageKind::kText ? "text" : "announcement";
}

namespace chat {

Result<std::string> NormalizeMessageText(std::string_view text) {
  const std::string_view trimmed = accounts::Trim(text);
  if (trimmed.empty()) {
    return InvalidArgument("empty_message", "a message needs some text", "text");
  }
  std::size_t chars = 0;
  bool has_control = false;
  if (accounts::ScanUtf8(trimmed, chars, has_control) && chars > kMaxMessageChars) {
    return InvalidArgument("message_too_long", "a message has at most 4000 characters", "text");
  }
  // What is left to check (UTF-8, control characters) is the events area's rule for texts.
  return events::NormalizeText(trimmed, kMaxMessageChars, /*multiline=*/true, "invalid_text",
                               "the text must be valid UTF-8 without control characters other "
                               "than line breaks and tabs",
                               "text");
}

Result<std::string> NormalizeCaption(std::string_view caption) {
  if (accounts::Trim(caption).empty()) return std::string();
  auto text = NormalizeMessageText(caption);
  if (text.ok()) return text;
  const Status& s = text.status();
  return Status(s.code(), std::string(s.reason()), s.message(), "caption");
}

Status CheckIdempotencyKey(std::string_view key) {
  bool printable = !key.empty() && key.size() <= 200;
  for (const char c : key) printable = printable && c >= 0x21 && c <= 0x7e;
  if (printable) return Status::Ok();
  return InvalidArgument("invalid_idempotency_key",
                         "the idempotency key must be 1-200 printable ASCII characters",
                         "idempotency_key");
}

std::string DirectKey(std::string_view a, std::string_view b) {
  if (b < a) std::swap(a, b);
  return "direct:" + std::string(a) + ":" + std::string(b);
}

std::string EventRoomKey(std::string_view event_id) { return "event:" + std::string(event_id); }

Status MayStartDirect(const spi::ChatUser& starter, const spi::ChatUser& other,
                      const std::function<Result<bool>()>& booking_relation) {
  if (starter.blocked || other.blocked) return UserBlocked();
  if (starter.role == Role::kAdmin) return Status::Ok();
  const Result<bool> related = booking_relation();
  if (!related.ok()) return related.status();
  if (*related) return Status::Ok();
  return PermissionDenied("conversation_not_allowed",
                          "you may start a conversation with an organizer whose event you hold a "
                          "confirmed booking of, or with the holder of one of your events");
}

bool IsMember(const spi::ConversationRecord& conversation, std::string_view user_id,
              bool holds_confirmed_booking) {
  if (user_id.empty()) return false;
  if (conversation.kind == ConversationKind::kDirect) {
    return conversation.user_a == user_id || conversation.user_b == user_id;
  }
  return conversation.user_a == user_id || holds_confirmed_booking;
}

Result<bool> IsMemberNow(spi::ChatStore& store, const spi::ConversationRecord& conversation,
                         const std::string& user_id) {
  bool holder = false;
  if (conversation.kind == ConversationKind::kEventRoom && conversation.user_a != user_id) {
    const std::string events[] = {conversation.event_id};
    const std::string users[] = {user_id};
    EV_ASSIGN_OR_RETURN(auto pairs, store.FindConfirmedHolders(events, users));
    holder = !pairs.empty();
  }
  return IsMember(conversation, user_id, holder);
}

const std::string& OtherParticipant(const spi::ConversationRecord& conversation,
                                    std::string_view user_id) {
  return conversation.user_a == user_id ? conversation.user_b : conversation.user_a;
}

Status NotAMember() {
  return PermissionDenied("not_a_member", "you are not a member of this conversation");
}
Status ConversationNotFound() {
  return NotFound("conversation_not_found", "there is no such conversation");
}
Status MessageNotFound(const char* field) {
  return NotFound("message_not_found", "there is no such message in this conversation", field);
}
Status UserBlocked() {
  return PermissionDenied("user_blocked", "a blocked account takes part in no conversation");
}
Status Forbidden() { return PermissionDenied("forbidden", "your role does not allow this"); }

}  // namespace chat
}  // namespace eventify
