#include "hub/frames.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <charconv>
#include <optional>
#include <utility>

namespace eventify::hub {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

Status Invalid(std::string reason, std::string message, std::string field = {}) {
  return Status(StatusCode::kInvalidArgument, std::move(reason), std::move(message),
                std::move(field));
}

void Str(Writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void Int(Writer& w, std::string_view key, std::int64_t value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Int64(value);
}
void Bool(Writer& w, std::string_view key, bool value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.Bool(value);
}
void Ref(Writer& w, const std::string& ref) {
  if (!ref.empty()) Str(w, "ref", ref);
}

template <typename Body>
std::string Frame(std::string_view type, Body&& body) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Str(w, "type", type);
  body(w);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void WriteMessageObject(Writer& w, const Message& m) {
  w.StartObject();
  Str(w, "id", m.id);
  Str(w, "conversation_id", m.conversation_id);
  Int(w, "seq", m.seq);
  Str(w, "sender_id", m.sender_id);
  Str(w, "kind", MessageKindName(m.kind));
  Str(w, "text", m.text);
  Str(w, "reply_to_id", m.reply_to_id);
  w.Key("image");
  if (m.image) {
    w.StartObject();
    Str(w, "key", m.image->key);
    Str(w, "url", m.image->url);
    Str(w, "content_type", m.image->content_type);
    Int(w, "size_bytes", m.image->size_bytes);
    w.EndObject();
  } else {
    w.Null();
  }
  Str(w, "created_at", FormatTimestamp(m.created_at));
  Int(w, "pos", m.pos);
  w.EndObject();
}

void WriteMessage(Writer& w, const Message& m) {
  w.Key("message");
  WriteMessageObject(w, m);
}

void RawMessage(Writer& w, const std::string& object) {
  w.Key("message");
  w.RawValue(object.data(), object.size(), rapidjson::kObjectType);
}

// Reads the string member `name` into *out (left as it is when absent or null).
Status StringMember(const rapidjson::Value& object, const char* name, bool required,
                    std::string* out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) {
    if (required) return Invalid("missing_field", std::string("`") + name + "` is required", name);
    return Status::Ok();
  }
  if (!it->value.IsString()) {
    return Invalid("invalid_field", std::string("`") + name + "` must be a string", name);
  }
  out->assign(it->value.GetString(), it->value.GetStringLength());
  if (required && out->empty()) {
    return Invalid("missing_field", std::string("`") + name + "` is required", name);
  }
  return Status::Ok();
}

constexpr std::array<std::pair<std::string_view, ClientFrameType>, 8> kTypes = {{
    {"join", ClientFrameType::kJoin},
    {"leave", ClientFrameType::kLeave},
    {"message", ClientFrameType::kMessage},
    {"read", ClientFrameType::kRead},
    {"delivered", ClientFrameType::kDelivered},
    {"typing", ClientFrameType::kTyping},
    {"ping", ClientFrameType::kPing},
    {"resume", ClientFrameType::kResume},
}};

// What only the hub sends (the original let any client broadcast new_event to everyone).
constexpr std::array<std::string_view, 8> kServerOnlyTypes = {
    "new_event",          "new_message",        "message_read", "message_delivered",
    "user_status_update", "participant_status", "unread_count", "recover",
};

Status Fill(const rapidjson::Value& doc, ClientFrame& frame) {
  const bool needs_conversation =
      frame.type != ClientFrameType::kPing && frame.type != ClientFrameType::kResume;
  if (Status s = StringMember(doc, "conversation_id", needs_conversation, &frame.conversation_id);
      !s.ok()) {
    return s;
  }
  switch (frame.type) {
    case ClientFrameType::kRead:
    case ClientFrameType::kDelivered:
      return StringMember(doc, "message_id", true, &frame.message_id);
    case ClientFrameType::kResume: {
      // Its range is StreamAfter's (invalid_position); here only that it is an integer.
      auto it = doc.FindMember("after");
      if (it == doc.MemberEnd() || it->value.IsNull()) {
        return Invalid("missing_field", "`after` is required", "after");
      }
      if (!it->value.IsInt64()) return Invalid("invalid_field", "`after` must be an integer", "after");
      frame.after = it->value.GetInt64();
      return Status::Ok();
    }
    case ClientFrameType::kTyping: {
      auto it = doc.FindMember("is_typing");
      if (it == doc.MemberEnd() || it->value.IsNull()) return Status::Ok();
      if (!it->value.IsBool())
        return Invalid("invalid_field", "`is_typing` must be a boolean", "is_typing");
      frame.is_typing = it->value.GetBool();
      return Status::Ok();
    }
    case ClientFrameType::kMessage: {
      // The text's own rules (empty, too long) are Chat::Send's; here only its JSON type.
      if (Status s = StringMember(doc, "text", false, &frame.message.text); !s.ok()) return s;
      if (Status s = StringMember(doc, "idempotency_key", false, &frame.message.idempotency_key);
          !s.ok()) {
        return s;
      }
      if (Status s = StringMember(doc, "reply_to_id", false, &frame.message.reply_to_id); !s.ok()) {
        return s;
      }
      std::string kind;
      if (Status s = StringMember(doc, "kind", false, &kind); !s.ok()) return s;
      if (kind.empty() || kind == MessageKindName(MessageKind::kText)) {
        frame.message.kind = MessageKind::kText;
      } else if (kind == MessageKindName(MessageKind::kAnnouncement)) {
        frame.message.kind = MessageKind::kAnnouncement;
      } else {
        return Invalid("invalid_kind", "`kind` must be text or announcement", "kind");
      }
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
}

}  // namespace

Result<ClientFrame> ParseClientFrame(std::string_view text, std::string* ref) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Invalid("invalid_frame", "a frame is one JSON object");
  }
  if (Status s = StringMember(doc, "ref", false, ref); !s.ok()) return s;
  std::string type;
  if (Status s = StringMember(doc, "type", true, &type); !s.ok()) {
    return Invalid("invalid_frame", "a frame needs a string `type`", "type");
  }
  ClientFrame frame;
  frame.ref = *ref;
  bool known = false;
  for (const auto& [name, value] : kTypes) {
    if (name == type) {
      frame.type = value;
      known = true;
    }
  }
  if (!known) {
    for (std::string_view server_only : kServerOnlyTypes) {
      if (server_only == type) {
        return Status(StatusCode::kPermissionDenied, "server_only",
                      "only the server sends " + type + " frames", "type");
      }
    }
    return Invalid("unknown_type", "unknown frame type", "type");
  }
  if (Status s = Fill(doc, frame); !s.ok()) return s;
  return frame;
}

std::string ReadyFrame(const std::string& user_id, Role role, std::optional<std::int64_t> pos) {
  return Frame("ready", [&](Writer& w) {
    Str(w, "user_id", user_id);
    Str(w, "role", RoleName(role));
    if (pos) Int(w, "pos", *pos);
  });
}

std::string ErrorFrame(const Status& status, const std::string& ref) {
  return Frame("error", [&](Writer& w) {
    Str(w, "code", status.reason());
    if (!status.field().empty()) Str(w, "field", status.field());
    Str(w, "message", status.message());
    Ref(w, ref);
  });
}

std::string JoinedFrame(const Conversation& c, const std::string& ref) {
  return Frame("joined", [&](Writer& w) {
    Str(w, "conversation_id", c.id);
    Str(w, "kind", ConversationKindName(c.kind));
    Int(w, "last_seq", c.last_seq);
    Int(w, "read_seq", c.read_seq);
    Int(w, "unread", c.unread);
    Ref(w, ref);
  });
}

std::string LeftFrame(const std::string& conversation_id, const std::string& ref) {
  return Frame("left", [&](Writer& w) {
    Str(w, "conversation_id", conversation_id);
    Ref(w, ref);
  });
}

std::string SentFrame(const Message& message, const std::string& ref) {
  return Frame("sent", [&](Writer& w) {
    WriteMessage(w, message);
    Ref(w, ref);
  });
}

std::string MessageFrame(const Message& message) {
  return Frame("message", [&](Writer& w) { WriteMessage(w, message); });
}

std::string NewMessageFrame(const Message& message, std::int64_t unread) {
  return MessageFrames(message).For(unread);
}

MessageFrames::MessageFrames(const Message& message) : message_(message) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteMessageObject(w, message);
  object_.assign(buffer.GetString(), buffer.GetSize());
}

std::string MessageFrames::Room() const {
  return Frame("message", [&](Writer& w) { RawMessage(w, object_); });
}

std::string MessageFrames::For(std::int64_t unread) const {
  if (prefix_.empty()) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    Str(w, "type", "new_message");
    Str(w, "conversation_id", message_.conversation_id);
    RawMessage(w, object_);
    Int(w, "pos", message_.pos);
    w.Key("unread");
    w.Int64(0);
    w.EndObject();
    prefix_.assign(buffer.GetString(), buffer.GetSize() - 2);  // without "0}"
  }
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, unread);
  std::string out;
  out.reserve(prefix_.size() + static_cast<std::size_t>(end - digits) + 1);
  out.append(prefix_).append(digits, end).push_back('}');
  return out;
}

std::string ReadMarkedFrame(const std::string& conversation_id, const Receipt& receipt,
                            const std::string& ref) {
  return Frame("read_marked", [&](Writer& w) {
    Str(w, "conversation_id", conversation_id);
    Int(w, "read_seq", receipt.read_seq);
    Int(w, "delivered_seq", receipt.delivered_seq);
    Ref(w, ref);
  });
}

std::string MessageReadFrame(const std::string& conversation_id, const Receipt& receipt) {
  return Frame("message_read", [&](Writer& w) {
    Str(w, "conversation_id", conversation_id);
    Str(w, "user_id", receipt.user_id);
    Int(w, "read_seq", receipt.read_seq);
    Int(w, "delivered_seq", receipt.delivered_seq);
    Int(w, "pos", receipt.pos);
  });
}

std::string CaughtUpFrame(std::int64_t pos, const std::string& ref) {
  return Frame("caught_up", [&](Writer& w) {
    Int(w, "pos", pos);
    Ref(w, ref);
  });
}

std::string ResyncRequiredFrame(std::int64_t pos, const std::string& ref) {
  return Frame("resync_required", [&](Writer& w) {
    Int(w, "pos", pos);
    Ref(w, ref);
  });
}

std::string TypingFrame(const std::string& conversation_id, const std::string& user_id,
                        bool is_typing) {
  return Frame("typing", [&](Writer& w) {
    Str(w, "conversation_id", conversation_id);
    Str(w, "user_id", user_id);
    Bool(w, "is_typing", is_typing);
  });
}

std::string UserStatusFrame(const std::string& user_id, bool online, Timestamp last_seen) {
  return Frame("user_status_update", [&](Writer& w) {
    Str(w, "user_id", user_id);
    Bool(w, "is_online", online);
    Str(w, "last_seen", FormatTimestamp(last_seen));
  });
}

std::string PongFrame(Timestamp now, const std::string& ref) {
  return Frame("pong", [&](Writer& w) {
    Str(w, "timestamp", FormatTimestamp(now));
    Ref(w, ref);
  });
}

std::string ParticipantStatusFrame(const std::string& conversation_id, const std::string& user_id,
                                   bool online) {
  return Frame("participant_status", [&](Writer& w) {
    Str(w, "conversation_id", conversation_id);
    Str(w, "user_id", user_id);
    Bool(w, "is_online", online);
  });
}

std::string UnreadCountFrame(std::int64_t total) {
  return Frame("unread_count", [&](Writer& w) { Int(w, "total", total); });
}

std::string MessageDeliveredFrame(const std::string& conversation_id, const Receipt& receipt) {
  return Frame("message_delivered", [&](Writer& w) {
    Str(w, "conversation_id", conversation_id);
    Str(w, "user_id", receipt.user_id);
    Int(w, "delivered_seq", receipt.delivered_seq);
  });
}

std::string NewEventFrame(const Event& event) {
  return Frame("new_event", [&](Writer& w) {
    Str(w, "event_id", event.id);
    Str(w, "title", event.title);
    Str(w, "organizer_id", event.organizer_id);
    Str(w, "starts_at", FormatTimestamp(event.starts_at));
    Str(w, "venue", event.venue);
    Str(w, "image_url", event.cover_image_url.value_or(""));
  });
}

std::string RecoverFrame() {
  return Frame("recover", [&](Writer& w) { Str(w, "reason", "events_may_be_missing"); });
}

}  // namespace eventify::hub
