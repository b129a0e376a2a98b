#include "chat_routes.h"

#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "authentication.h"
#include "eventify/chat.h"
#include "http_errors.h"
#include "idempotency_key.h"
#include "json.h"

namespace eventify::server {
namespace {

constexpr int kDefaultLimit = 20;
// Room for kMaxMessageChars characters of four bytes each; the library counts the characters.
constexpr std::size_t kMaxTextBytes = kMaxMessageChars * 4;

void WriteMessage(JsonWriter& json, const Message& m) {
  json.BeginObject();
  json.StringMember("id", m.id);
  json.StringMember("conversation_id", m.conversation_id);
  json.IntMember("seq", m.seq);
  json.StringMember("sender_id", m.sender_id);
  json.StringMember("kind", MessageKindName(m.kind));
  json.StringMember("text", m.text);
  json.StringOrNullMember("reply_to_id", m.reply_to_id);
  json.Key("image");
  if (m.image) {
    json.BeginObject();
    json.StringMember("key", m.image->key);
    json.StringMember("url", m.image->url);
    json.StringMember("content_type", m.image->content_type);
    json.IntMember("size_bytes", m.image->size_bytes);
    json.EndObject();
  } else {
    json.Null();
  }
  json.StringMember("idempotency_key", m.idempotency_key);
  json.StringMember("created_at", FormatTimestamp(m.created_at));
  json.EndObject();
}

void WriteConversation(JsonWriter& json, const Conversation& c) {
  json.BeginObject();
  json.StringMember("id", c.id);
  json.StringMember("kind", ConversationKindName(c.kind));
  json.Key("participants").BeginArray();
  for (const std::string& id : c.participants) json.String(id);
  json.EndArray();
  json.StringOrNullMember("event_id", c.event_id);
  json.StringOrNullMember("organizer_id", c.organizer_id);
  json.IntMember("last_seq", c.last_seq);
  json.IntMember("read_seq", c.read_seq);
  json.IntMember("delivered_seq", c.delivered_seq);
  json.IntMember("unread", c.unread);
  json.Key("last_message");
  if (c.last_message) {
    WriteMessage(json, *c.last_message);
  } else {
    json.Null();
  }
  json.StringMember("last_activity_at", FormatTimestamp(c.last_activity_at));
  json.StringMember("created_at", FormatTimestamp(c.created_at));
  json.EndObject();
}

void WriteReceipt(JsonWriter& json, const Receipt& r) {
  json.BeginObject();
  json.StringMember("user_id", r.user_id);
  json.IntMember("read_seq", r.read_seq);
  json.IntMember("delivered_seq", r.delivered_seq);
  json.StringMember("updated_at", FormatTimestamp(r.updated_at));
  json.EndObject();
}

ApiResponse ConversationResponse(const Result<Conversation>& c) {
  return ObjectResponse(200, "conversation", c, WriteConversation);
}
ApiResponse MessageResponse(const Result<Message>& m) {
  return ObjectResponse(201, "message", m, WriteMessage);
}
ApiResponse ReceiptResponse(const Result<Receipt>& r) {
  return ObjectResponse(200, "receipt", r, WriteReceipt);
}

// ?after_seq=: a non-negative integer is the library's to check; text that is no integer is
// refused here with the library's reason. Errors: kInvalidArgument invalid_position.
Result<std::int64_t> ReadAfterSeq(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return InvalidArgument("invalid_position", "'after_seq' must be an integer", "after_seq");
  }
  return value;
}

// "text" (the default) or "announcement". Errors: kInvalidArgument invalid_kind.
Result<MessageKind> ReadKind(const std::optional<std::string>& kind) {
  if (!kind || *kind == MessageKindName(MessageKind::kText)) return MessageKind::kText;
  if (*kind == MessageKindName(MessageKind::kAnnouncement)) return MessageKind::kAnnouncement;
  return InvalidArgument("invalid_kind", "'kind' must be \"text\" or \"announcement\"", "kind");
}

class ChatRoutes {
 public:
  explicit ChatRoutes(Engine& engine) : accounts_(engine.accounts()), chat_(engine.chat()) {}

  // GET /api/v1/conversations?cursor=&limit=
  ApiResponse List(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    int limit = kDefaultLimit;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    auto page =
        chat_.ListConversations(*principal, request.query("cursor").value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteConversation);
  }

  // POST /api/v1/conversations/direct {"user_id"}
  ApiResponse OpenDirect(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string user_id;
    if (Status read = body->Read({Required("user_id", user_id)}); !read.ok()) {
      return ErrorResponse(read);
    }
    return ConversationResponse(chat_.OpenDirect(*principal, user_id));
  }

  // POST /api/v1/events/{id}/room
  ApiResponse OpenEventRoom(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return ConversationResponse(chat_.OpenEventRoom(*principal, params.at(0)));
  }

  // GET /api/v1/conversations/{id}
  ApiResponse Get(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return ConversationResponse(chat_.GetConversation(*principal, params.at(0)));
  }

  // GET /api/v1/conversations/{id}/messages?cursor=&limit= (history, newest first), or
  // ?after_seq=&limit= (what a client missed, oldest first).
  ApiResponse Messages(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    int limit = kDefaultLimit;
    if (Status read = ReadLimit(request, limit); !read.ok()) return ErrorResponse(read);
    const auto after = request.query("after_seq");
    const auto cursor = request.query("cursor");
    if (after && cursor) {
      return ErrorResponse(InvalidArgument(
          "conflicting_parameters", "give either 'cursor' or 'after_seq', not both", "after_seq"));
    }
    if (after) {
      auto seq = ReadAfterSeq(*after);
      if (!seq.ok()) return ErrorResponse(seq.status());
      auto messages = chat_.MessagesAfter(*principal, params.at(0), *seq, limit);
      if (!messages.ok()) return ErrorResponse(messages.status());
      return PageResponse(*messages, "", WriteMessage);
    }
    auto page = chat_.History(*principal, params.at(0), cursor.value_or(""), limit);
    if (!page.ok()) return ErrorResponse(page.status());
    return PageResponse(page->items, page->next_cursor, WriteMessage);
  }

  // POST /api/v1/conversations/{id}/messages {"text", "kind"?, "reply_to_id"?} with an
  // Idempotency-Key header.
  ApiResponse Send(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto key = IdempotencyKey(request);
    if (!key.ok()) return ErrorResponse(key.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    NewMessage message;
    std::optional<std::string> kind;
    std::optional<std::string> reply_to;
    Status read = body->Read({RequiredText("text", message.text, kMaxTextBytes),
                              Optional("kind", kind), Optional("reply_to_id", reply_to)});
    if (!read.ok()) return ErrorResponse(read);
    auto parsed = ReadKind(kind);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    message.kind = *parsed;
    message.reply_to_id = reply_to.value_or("");
    message.idempotency_key = std::move(key).value();
    auto sent = chat_.Send(*principal, params.at(0), message);
    if (!sent.ok()) return ErrorResponse(NameKeyHeader(sent.status()));
    return MessageResponse(sent);
  }

  // POST /api/v1/conversations/{id}/images with an Idempotency-Key header: the image as the raw
  // body, or multipart/form-data with the part "image" and the optional parts "caption" and
  // "reply_to_id".
  ApiResponse SendImage(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto key = IdempotencyKey(request);
    if (!key.ok()) return ErrorResponse(key.status());
    NewImageMessage image;
    image.bytes = request.body();
    if (request.is_multipart()) {
      const auto part = request.form_part("image");
      if (!part) {
        return ErrorResponse(
            InvalidArgument("missing_field", "the form part 'image' is required", "image"));
      }
      image.bytes = *part;
      image.caption = std::string(request.form_part("caption").value_or(""));
      image.reply_to_id = std::string(request.form_part("reply_to_id").value_or(""));
    }
    image.idempotency_key = std::move(key).value();
    auto sent = chat_.SendImage(*principal, params.at(0), image);
    if (!sent.ok()) return ErrorResponse(NameKeyHeader(sent.status()));
    return MessageResponse(sent);
  }

  // POST /api/v1/conversations/{id}/read {"message_id"}
  ApiResponse MarkRead(const ApiRequest& request, const PathParams& params) {
    return Mark(request, params, /*read=*/true);
  }

  // POST /api/v1/conversations/{id}/delivered {"message_id"}
  ApiResponse MarkDelivered(const ApiRequest& request, const PathParams& params) {
    return Mark(request, params, /*read=*/false);
  }

  // GET /api/v1/conversations/{id}/receipts
  ApiResponse Receipts(const ApiRequest& request, const PathParams& params) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto receipts = chat_.ListReceipts(*principal, params.at(0));
    if (!receipts.ok()) return ErrorResponse(receipts.status());
    return PageResponse(*receipts, "", WriteReceipt);
  }

  // GET /api/v1/conversations/unread
  ApiResponse Unread(const ApiRequest& request) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto counts = chat_.GetUnreadCounts(*principal);
    if (!counts.ok()) return ErrorResponse(counts.status());
    JsonWriter json;
    json.BeginObject();
    json.IntMember("total", counts->total);
    json.Key("conversations").BeginArray();
    for (const ConversationUnread& c : counts->conversations) {
      json.BeginObject();
      json.StringMember("conversation_id", c.conversation_id);
      json.IntMember("unread", c.unread);
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
    return JsonResponse(200, json.Finish());
  }

 private:
  ApiResponse Mark(const ApiRequest& request, const PathParams& params, bool read) {
    auto principal = Authenticate(accounts_, request);
    if (!principal.ok()) return ErrorResponse(principal.status());
    auto body = ParseJsonBody(request);
    if (!body.ok()) return ErrorResponse(body.status());
    std::string message_id;
    if (Status status = body->Read({Required("message_id", message_id)}); !status.ok()) {
      return ErrorResponse(status);
    }
    return ReceiptResponse(read ? chat_.MarkRead(*principal, params.at(0), message_id)
                                : chat_.MarkDelivered(*principal, params.at(0), message_id));
  }

  Accounts& accounts_;
  Chat& chat_;
};

}  // namespace

void AddChatRoutes(Router& router, Engine& engine) {
  auto routes = std::make_shared<ChatRoutes>(engine);
  // The literal paths come before /conversations/{id}: the first match wins.
  router.Add("GET", "/api/v1/conversations", Handler(routes, &ChatRoutes::List));
  router.Add("GET", "/api/v1/conversations/unread", Handler(routes, &ChatRoutes::Unread));
  router.Add("POST", "/api/v1/conversations/direct", Handler(routes, &ChatRoutes::OpenDirect));
  router.Add("POST", "/api/v1/events/{}/room", Handler(routes, &ChatRoutes::OpenEventRoom));
  router.Add("GET", "/api/v1/conversations/{}", Handler(routes, &ChatRoutes::Get));
  router.Add("GET", "/api/v1/conversations/{}/messages", Handler(routes, &ChatRoutes::Messages));
  router.Add("POST", "/api/v1/conversations/{}/messages", Handler(routes, &ChatRoutes::Send));
  router.Add("POST", "/api/v1/conversations/{}/images", Handler(routes, &ChatRoutes::SendImage));
  router.Add("POST", "/api/v1/conversations/{}/read", Handler(routes, &ChatRoutes::MarkRead));
  router.Add("POST", "/api/v1/conversations/{}/delivered",
             Handler(routes, &ChatRoutes::MarkDelivered));
  router.Add("GET", "/api/v1/conversations/{}/receipts", Handler(routes, &ChatRoutes::Receipts));
}

}  // namespace eventify::server
