// Chat (conversations, messages) and the hub over the host's transport (eventify_c.h, "Chat" and
// "The real-time hub").
#include <utility>

#include "handles.h"

namespace eventify::capi {
namespace {

void ClearMessage(eventify_message* message) {
  std::free(message->id);
  std::free(message->conversation_id);
  std::free(message->sender_id);
  std::free(message->kind);
  std::free(message->text);
}

void FillMessage(eventify_message* out, const Message& message) {
  out->id = Dup(message.id);
  out->conversation_id = Dup(message.conversation_id);
  out->sender_id = Dup(message.sender_id);
  out->kind = Dup(MessageKindName(message.kind));
  out->text = Dup(message.text);
  out->seq = message.seq;
  out->created_at = ToMicros(message.created_at);
}

void FillConversation(eventify_conversation* out, const Conversation& conversation) {
  out->id = Dup(conversation.id);
  out->kind = Dup(ConversationKindName(conversation.kind));
  out->event_id = Dup(conversation.event_id);
  out->last_seq = conversation.last_seq;
  out->read_seq = conversation.read_seq;
  out->unread = conversation.unread;
}

eventify_status GiveConversation(const Result<Conversation>& conversation,
                                 eventify_conversation** out) {
  return Give<eventify_conversation, eventify_conversation_free>(conversation, FillConversation,
                                                                 out);
}

// The host's callbacks as a spi::Transport. The hub calls both from its worker thread only.
class CallbackTransport final : public spi::Transport {
 public:
  explicit CallbackTransport(const eventify_transport& callbacks) : callbacks_(callbacks) {}

  void Send(spi::ConnectionId connection, std::string frame) override {
    callbacks_.send(callbacks_.user_data, connection, frame.c_str(), frame.size());
  }
  void Close(spi::ConnectionId connection, std::string_view reason) override {
    const std::string text(reason);
    callbacks_.close(callbacks_.user_data, connection, text.c_str());
  }

 private:
  eventify_transport callbacks_;
};

}  // namespace

extern "C" {

void eventify_conversation_free(eventify_conversation* conversation) {
  if (conversation == nullptr) return;
  std::free(conversation->id);
  std::free(conversation->kind);
  std::free(conversation->event_id);
  std::free(conversation);
}

void eventify_message_free(eventify_message* message) {
  if (message == nullptr) return;
  ClearMessage(message);
  std::free(message);
}

void eventify_message_list_free(eventify_message_list* list) { FreeList(list, ClearMessage); }

eventify_status eventify_open_direct(eventify_engine* engine, const eventify_session* caller,
                                     const char* other_user_id, eventify_conversation** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (caller == nullptr) return NullArgument("caller");
    return GiveConversation(
        engine->engine->chat().OpenDirect(caller->principal, Arg(other_user_id)), out);
  });
}

eventify_status eventify_open_event_room(eventify_engine* engine, const eventify_session* caller,
                                         const char* event_id, eventify_conversation** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (caller == nullptr) return NullArgument("caller");
    return GiveConversation(
        engine->engine->chat().OpenEventRoom(caller->principal, Arg(event_id)), out);
  });
}

eventify_status eventify_send_message(eventify_engine* engine, const eventify_session* sender,
                                      const char* conversation_id, const char* text,
                                      const char* idempotency_key, eventify_message** out) {
  return Guard([&] {
    if (out != nullptr) *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (sender == nullptr) return NullArgument("sender");
    NewMessage message;
    message.text = Arg(text);
    message.idempotency_key = Arg(idempotency_key);
    return Give<eventify_message, eventify_message_free>(
        engine->engine->chat().Send(sender->principal, Arg(conversation_id), message),
        FillMessage, out);
  });
}

eventify_status eventify_chat_history(eventify_engine* engine, const eventify_session* caller,
                                      const char* conversation_id, const char* cursor, int limit,
                                      eventify_message_list** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (caller == nullptr) return NullArgument("caller");
    return GiveList<eventify_message_list, eventify_message_list_free>(
        engine->engine->chat().History(caller->principal, Arg(conversation_id), Arg(cursor),
                                       limit),
        FillMessage, out);
  });
}

eventify_status eventify_mark_read(eventify_engine* engine, const eventify_session* caller,
                                   const char* conversation_id, const char* message_id) {
  return Guard([&] {
    if (engine == nullptr) return NullArgument("engine");
    if (caller == nullptr) return NullArgument("caller");
    auto receipt = engine->engine->chat().MarkRead(caller->principal, Arg(conversation_id),
                                                   Arg(message_id));
    return Record(receipt.status());
  });
}

eventify_status eventify_hub_create(eventify_engine* engine, const eventify_transport* transport,
                                    eventify_hub** out) {
  return Guard([&] {
    if (out == nullptr) return NullArgument("out");
    *out = nullptr;
    if (engine == nullptr) return NullArgument("engine");
    if (transport == nullptr || transport->send == nullptr || transport->close == nullptr) {
      return Record(InvalidArgument(
          "missing_transport", "the transport needs a send and a close callback", "transport"));
    }
    auto hub = std::make_unique<eventify_hub>();
    hub->hub = Hub::Create(
        *engine->engine, std::make_shared<CallbackTransport>(*transport));
    *out = hub.release();
    return RecordOk();
  });
}

void eventify_hub_free(eventify_hub* hub) {
  Guard([&] {
    delete hub;
    return EVENTIFY_OK;
  });
}

eventify_status eventify_hub_opened(eventify_hub* hub, uint64_t connection,
                                    const char* access_token) {
  return Guard([&] {
    if (hub == nullptr) return NullArgument("hub");
    hub->hub->OnOpened(connection, std::string(Arg(access_token)));
    return RecordOk();
  });
}

eventify_status eventify_hub_frame(eventify_hub* hub, uint64_t connection, const char* frame,
                                   size_t length) {
  return Guard([&] {
    if (hub == nullptr) return NullArgument("hub");
    if (frame == nullptr && length != 0) return NullArgument("frame");
    hub->hub->OnFrame(connection, frame ? std::string(frame, length) : std::string());
    return RecordOk();
  });
}

eventify_status eventify_hub_keep_alive(eventify_hub* hub, uint64_t connection) {
  return Guard([&] {
    if (hub == nullptr) return NullArgument("hub");
    hub->hub->OnKeepAlive(connection);
    return RecordOk();
  });
}

eventify_status eventify_hub_closed(eventify_hub* hub, uint64_t connection) {
  return Guard([&] {
    if (hub == nullptr) return NullArgument("hub");
    hub->hub->OnClosed(connection);
    return RecordOk();
  });
}

eventify_status eventify_hub_flush(eventify_hub* hub) {
  return Guard([&] {
    if (hub == nullptr) return NullArgument("hub");
    hub->hub->Flush();
    return RecordOk();
  });
}

}  // extern "C"

}  // namespace eventify::capi
