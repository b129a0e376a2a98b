#include "chat/chat_service.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "chat/chat_applier.h"
#include "chat/chat_rules.h"
#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "eventify/spi/chat_store.h"
#include "eventify/spi/event_store.h"

namespace eventify::chat {
namespace {

using spi::ChatStore;
using spi::ConversationRecord;
using spi::Transaction;
using spi::TransactionMode;

Status UserNotFound() {
  return NotFound("user_not_found", "there is no such user", "user_id");
}

// The caller's account; forbidden when there is none.
Result<spi::ChatUser> CallerAccount(ChatStore& store, const Principal& caller) {
  if (caller.user_id.empty()) return Forbidden();
  const std::string ids[] = {caller.user_id};
  EV_ASSIGN_OR_RETURN(auto users, store.FindChatUsers(ids));
  if (users.empty()) return Forbidden();
  return users.front();
}

// Whether `user_id` is a member of `conversation` now.
Result<bool> IsMemberNow(ChatStore& store, const ConversationRecord& conversation,
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

// The conversation `id` if the caller (who has an account) is a member of it now.
Result<ConversationRecord> MemberConversation(ChatStore& store, const Principal& caller,
                                              std::string_view id) {
  EV_RETURN_IF_ERROR(CallerAccount(store, caller).status());
  auto found = store.FindConversation(id);
  if (!found.ok()) {
    return found.status().code() == StatusCode::kNotFound ? ConversationNotFound()
                                                          : found.status();
  }
  EV_ASSIGN_OR_RETURN(const bool member, IsMemberNow(store, *found, caller.user_id));
  if (!member) return NotAMember();
  return found;
}

// The public view of `record` for `user_id`, with their marks and unread count.
Result<Conversation> ViewOf(ChatStore& store, const ConversationRecord& record,
                            const std::string& user_id) {
  Conversation out;
  out.id = record.id;
  out.kind = record.kind;
  if (record.kind == ConversationKind::kDirect) {
    out.participants = {record.user_a, record.user_b};
  } else {
    out.event_id = record.event_id;
    out.organizer_id = record.user_a;
  }
  out.created_at = record.created_at;
  const std::string ids[] = {record.id};
  EV_ASSIGN_OR_RETURN(auto last, store.LastSequences(ids));
  if (!last.empty()) out.last_seq = last.front().second;
  EV_ASSIGN_OR_RETURN(const spi::ReadMark marks, store.FindMarks(record.id, user_id));
  out.read_seq = marks.read_seq;
  out.delivered_seq = marks.delivered_seq;
  EV_ASSIGN_OR_RETURN(out.unread, store.CountUnread(record.id, user_id, marks.read_seq));
  return out;
}

// A failure of the storage itself, as opposed to a rule's refusal of one request.
bool IsStorageFailure(const Status& status) {
  return !status.ok() && status.code() != StatusCode::kNotFound &&
         status.code() != StatusCode::kPermissionDenied;
}

Receipt ReceiptOf(const spi::ReadMark& mark) {
  return Receipt{mark.user_id, mark.read_seq, mark.delivered_seq, mark.updated_at};
}

class ChatService final : public Chat {
 public:
  ChatService(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::Clock> clock,
              storage::CommitPipeline& pipeline)
      : storage_(std::move(storage)),
        clock_(std::move(clock)),
        pipeline_(pipeline),
        applier_(*clock_, observers_) {}

  Result<Conversation> OpenDirect(const Principal& caller,
                                  std::string_view other_user_id) override {
    if (other_user_id == caller.user_id) {
      return InvalidArgument("self_conversation", "you cannot start a conversation with yourself",
                             "user_id");
    }
    const std::string key = DirectKey(caller.user_id, other_user_id);
    Result<Conversation> out = UserNotFound();
    const Status status = storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      ChatStore& store = *tx.store<ChatStore>();
      EV_ASSIGN_OR_RETURN(const spi::ChatUser me, CallerAccount(store, caller));
      const std::string ids[] = {std::string(other_user_id)};
      EV_ASSIGN_OR_RETURN(auto others, store.FindChatUsers(ids));
      if (others.empty()) return UserNotFound();
      const spi::ChatUser& other = others.front();
      auto existing = store.FindConversationByKey(key);
      if (existing.ok()) {
        if (me.blocked || other.blocked) return UserBlocked();
        out = ViewOf(store, *existing, caller.user_id);
        return out.status();
      }
      if (existing.status().code() != StatusCode::kNotFound) return existing.status();
      EV_RETURN_IF_ERROR(MayStartDirect(me, other, [&]() -> Result<bool> {
        EV_ASSIGN_OR_RETURN(const bool mine, store.HoldsBookingOfOrganizer(me.id, other.id));
        if (mine) return true;
        return store.HoldsBookingOfOrganizer(other.id, me.id);
      }));
      ConversationRecord record;
      record.id = NewId(clock_->Now());
      record.kind = ConversationKind::kDirect;
      record.key = key;
      record.user_a = std::min(me.id, other.id);
      record.user_b = std::max(me.id, other.id);
      record.created_at = clock_->Now();
      EV_RETURN_IF_ERROR(store.InsertConversation(record));
      out = ViewOf(store, record, caller.user_id);
      return out.status();
    });
    // Two first openings at once: the loser's insert hit the unique key; the winner's is there.
    if (status.code() == StatusCode::kAlreadyExists) return OpenDirect(caller, other_user_id);
    if (!status.ok()) return status;
    return out;
  }

  Result<Conversation> OpenEventRoom(const Principal& caller, std::string_view event_id) override {
    const std::string key = EventRoomKey(event_id);
    Result<Conversation> out = ConversationNotFound();
    const Status status = storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      ChatStore& store = *tx.store<ChatStore>();
      EV_RETURN_IF_ERROR(CallerAccount(store, caller).status());
      auto existing = store.FindConversationByKey(key);
      if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) {
        return existing.status();
      }
      ConversationRecord record;
      if (existing.ok()) {
        record = std::move(existing).value();
      } else {
        auto event = tx.store<spi::EventStore>()->FindEvent(event_id, spi::LockMode::kNone);
        if (!event.ok()) {
          return event.status().code() == StatusCode::kNotFound
                     ? NotFound("event_not_found", "there is no such event")
                     : event.status();
        }
        if (event->status != EventStatus::kApproved && event->status != EventStatus::kCompleted) {
          return FailedPrecondition("event_room_unavailable",
                                    "only an approved or completed event has a room");
        }
        record.id = NewId(clock_->Now());
        record.kind = ConversationKind::kEventRoom;
        record.key = key;
        record.event_id = event->id;
        record.user_a = event->organizer_id;
        record.created_at = clock_->Now();
      }
      EV_ASSIGN_OR_RETURN(const bool member, IsMemberNow(store, record, caller.user_id));
      if (!member) return NotAMember();
      if (!existing.ok()) EV_RETURN_IF_ERROR(store.InsertConversation(record));
      out = ViewOf(store, record, caller.user_id);
      return out.status();
    });
    if (status.code() == StatusCode::kAlreadyExists) return OpenEventRoom(caller, event_id);
    if (!status.ok()) return status;
    return out;
  }

  Result<Conversation> GetConversation(const Principal& caller,
                                       std::string_view conversation_id) override {
    return Read<Conversation>([&](ChatStore& store) -> Result<Conversation> {
      EV_ASSIGN_OR_RETURN(auto record, MemberConversation(store, caller, conversation_id));
      return ViewOf(store, record, caller.user_id);
    });
  }

  Result<Message> Send(const Principal& sender, std::string_view conversation_id,
                       const NewMessage& message) override {
    MessageOperation op;
    EV_RETURN_IF_ERROR(Prepare(sender, conversation_id, message, op));
    EV_RETURN_IF_ERROR(pipeline_.Execute(applier_, op));
    return op.result;
  }

  void SendAsync(const Principal& sender, std::string_view conversation_id,
                 const NewMessage& message, SendDone done) override {
    auto op = std::make_unique<MessageOperation>();
    if (Status prepared = Prepare(sender, conversation_id, message, *op); !prepared.ok()) {
      return done(prepared);
    }
    Status queued = pipeline_.Submit(applier_, std::move(op), [done](storage::BatchOperation& base) {
      auto& finished = static_cast<MessageOperation&>(base);
      if (!finished.outcome.ok()) return done(finished.outcome);
      done(std::move(finished.result));
    });
    if (!queued.ok()) done(queued);
  }

  Result<MessagePage> History(const Principal& caller, std::string_view conversation_id,
                              std::string_view cursor, int limit) override {
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    EV_ASSIGN_OR_RETURN(const auto position, DecodePageCursor(cursor));
    std::optional<std::int64_t> before;
    if (position) {
      const std::int64_t seq = ToMicros(position->created_at);
      if (position->id != conversation_id || seq < 1) {
        return InvalidArgument("invalid_cursor", "the cursor is not one this server issued",
                               "cursor");
      }
      before = seq;
    }
    return Read<MessagePage>([&](ChatStore& store) -> Result<MessagePage> {
      EV_RETURN_IF_ERROR(MemberConversation(store, caller, conversation_id).status());
      MessagePage page;
      EV_ASSIGN_OR_RETURN(page.items, store.ListMessagesBefore(conversation_id, before, limit + 1));
      page.next_cursor = TrimPage(page.items, limit, [&](const Message& m) {
        return spi::Keyset{FromMicros(m.seq), std::string(conversation_id)};
      });
      return page;
    });
  }

  Result<std::vector<Message>> MessagesAfter(const Principal& caller,
                                             std::string_view conversation_id,
                                             std::int64_t after_seq, int limit) override {
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    if (after_seq < 0) {
      return InvalidArgument("invalid_position", "the position cannot be negative", "after_seq");
    }
    return Read<std::vector<Message>>([&](ChatStore& store) -> Result<std::vector<Message>> {
      EV_RETURN_IF_ERROR(MemberConversation(store, caller, conversation_id).status());
      return store.ListMessagesAfter(conversation_id, after_seq, limit);
    });
  }

  Result<Receipt> MarkRead(const Principal& caller, std::string_view conversation_id,
                           std::string_view message_id) override {
    return Mark(caller, conversation_id, message_id, /*read=*/true);
  }

  Result<Receipt> MarkDelivered(const Principal& caller, std::string_view conversation_id,
                                std::string_view message_id) override {
    return Mark(caller, conversation_id, message_id, /*read=*/false);
  }

  Result<std::vector<DeliveredOutcome>> MarkDeliveredBatch(
      std::span<const DeliveredAck> acks) override {
    std::vector<DeliveredOutcome> out(acks.size());
    ChatCommit commit;
    const Status status = storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      commit.marks.clear();
      ChatStore& store = *tx.store<ChatStore>();
      std::vector<std::string> ids;
      for (const DeliveredAck& ack : acks) ids.push_back(ack.message_id);
      EV_ASSIGN_OR_RETURN(auto found, store.FindMessages(ids));  // one statement for all
      std::map<std::string, const Message*> messages;
      for (const spi::MessageRecord& record : found) messages[record.message.id] = &record.message;
      // The acknowledgements per caller and conversation: one membership check and one mark
      // each, however many messages they acknowledge.
      std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> groups;
      for (std::size_t i = 0; i < acks.size(); ++i) {
        groups[{acks[i].caller.user_id, acks[i].conversation_id}].push_back(i);
      }
      const Timestamp now = clock_->Now();
      for (const auto& [key, members] : groups) {
        const DeliveredAck& first = acks[members.front()];
        const Status member =
            MemberConversation(store, first.caller, first.conversation_id).status();
        if (IsStorageFailure(member)) return member;
        std::int64_t highest = 0;
        for (std::size_t i : members) {
          auto message = messages.find(acks[i].message_id);
          if (!member.ok()) {
            out[i].status = member;
          } else if (message == messages.end() ||
                     message->second->conversation_id != acks[i].conversation_id) {
            out[i].status = MessageNotFound("message_id");
          } else {
            out[i].sender_id = message->second->sender_id;
            highest = std::max(highest, message->second->seq);
          }
        }
        if (highest == 0) continue;
        EV_ASSIGN_OR_RETURN(const spi::ReadMark before,
                            store.FindMarks(first.conversation_id, first.caller.user_id));
        EV_ASSIGN_OR_RETURN(const spi::ReadMark after,
                            store.AdvanceMarks(first.conversation_id, first.caller.user_id, 0,
                                               highest, now));
        if (after.delivered_seq > before.delivered_seq) {
          commit.marks.push_back(MarkChange{first.conversation_id, ReceiptOf(after),
                                            /*read_moved=*/false, /*delivered_moved=*/true});
        }
        for (std::size_t i : members) {
          if (!out[i].status.ok()) continue;
          out[i].receipt = ReceiptOf(after);
          out[i].moved = messages[acks[i].message_id]->seq > before.delivered_seq;
        }
      }
      return Status::Ok();
    });
    if (!status.ok()) return status;
    if (!commit.marks.empty()) observers_.Publish(commit);
    return out;
  }

  Result<std::vector<Receipt>> ListReceipts(const Principal& caller,
                                            std::string_view conversation_id) override {
    return Read<std::vector<Receipt>>([&](ChatStore& store) -> Result<std::vector<Receipt>> {
      EV_RETURN_IF_ERROR(MemberConversation(store, caller, conversation_id).status());
      EV_ASSIGN_OR_RETURN(auto marks, store.ListMarks(conversation_id));
      std::vector<Receipt> out;
      for (const spi::ReadMark& mark : marks) out.push_back(ReceiptOf(mark));
      return out;
    });
  }

  Result<UnreadCounts> GetUnreadCounts(const Principal& caller) override {
    return Read<UnreadCounts>([&](ChatStore& store) -> Result<UnreadCounts> {
      EV_RETURN_IF_ERROR(CallerAccount(store, caller).status());
      EV_ASSIGN_OR_RETURN(auto counts, store.CountUnreadByConversation(caller.user_id));
      UnreadCounts out;
      for (auto& [id, count] : counts) {
        out.total += count;
        out.conversations.push_back(ConversationUnread{std::move(id), count});
      }
      return out;
    });
  }

 private:
  // Runs `body` in a read-only transaction and returns what it produced.
  template <typename T, typename Body>
  Result<T> Read(Body&& body) {
    Result<T> out = Internal("the transaction body did not run");
    const Status status = storage_->Run(TransactionMode::kReadOnly, [&](Transaction& tx) {
      out = body(*tx.store<ChatStore>());
      return out.status();
    });
    if (!status.ok()) return status;
    return out;
  }

  // The checks made before anything is read, and the operation Send hands the pipeline.
  Status Prepare(const Principal& sender, std::string_view conversation_id,
                 const NewMessage& message, MessageOperation& op) const {
    EV_ASSIGN_OR_RETURN(op.message.text, NormalizeMessageText(message.text));
    EV_RETURN_IF_ERROR(CheckIdempotencyKey(message.idempotency_key));
    if (message.kind != MessageKind::kText && message.kind != MessageKind::kAnnouncement) {
      return InvalidArgument("invalid_kind", "a message is text or an announcement", "kind");
    }
    op.message.kind = message.kind;
    op.message.reply_to_id = message.reply_to_id;
    op.message.idempotency_key = message.idempotency_key;
    op.sender_id = sender.user_id;
    op.conversation_id = std::string(conversation_id);
    op.request_key = sender.user_id + ":" + message.idempotency_key;
    op.new_id = NewId(clock_->Now());
    return Status::Ok();
  }

  Result<Receipt> Mark(const Principal& caller, std::string_view conversation_id,
                       std::string_view message_id, bool read) {
    Result<Receipt> out = ConversationNotFound();
    MarkChange change;
    const Status status = storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      ChatStore& store = *tx.store<ChatStore>();
      EV_RETURN_IF_ERROR(MemberConversation(store, caller, conversation_id).status());
      const std::string ids[] = {std::string(message_id)};
      EV_ASSIGN_OR_RETURN(auto found, store.FindMessages(ids));
      if (found.empty() || found.front().message.conversation_id != conversation_id) {
        return MessageNotFound("message_id");
      }
      const std::int64_t seq = found.front().message.seq;
      EV_ASSIGN_OR_RETURN(const spi::ReadMark before, store.FindMarks(conversation_id, caller.user_id));
      EV_ASSIGN_OR_RETURN(const spi::ReadMark mark,
                          store.AdvanceMarks(conversation_id, caller.user_id, read ? seq : 0, seq,
                                             clock_->Now()));
      out = ReceiptOf(mark);
      change.conversation_id = std::string(conversation_id);
      change.receipt = ReceiptOf(mark);
      change.read_moved = mark.read_seq > before.read_seq;
      change.delivered_moved = mark.delivered_seq > before.delivered_seq;
      return Status::Ok();
    });
    if (!status.ok()) return status;
    if (change.read_moved || change.delivered_moved) {
      ChatCommit commit;
      commit.marks.push_back(std::move(change));
      observers_.Publish(commit);
    }
    return out;
  }

  std::uint64_t AddObserver(ChatObserver* observer) override { return observers_.Add(observer); }
  void RemoveObserver(std::uint64_t handle) override { observers_.Remove(handle); }

  const std::shared_ptr<spi::Storage> storage_;
  const std::shared_ptr<spi::Clock> clock_;
  storage::CommitPipeline& pipeline_;
  ChatObservers observers_;
  ChatApplier applier_;  // after observers_, which it publishes to
};

}  // namespace

std::unique_ptr<Chat> MakeChatService(std::shared_ptr<spi::Storage> storage,
                                      std::shared_ptr<spi::Clock> clock,
                                      storage::CommitPipeline& pipeline) {
  return std::make_unique<ChatService>(std::move(storage), std::move(clock), pipeline);
}

}  // namespace eventify::chat
