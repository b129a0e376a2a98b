#include "chat/chat_service.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "chat/chat_applier.h"
#include "chat/chat_rules.h"
#include "core/page_cursor.h"
#include "core/status_macros.h"
#include "crypto/sodium.h"
#include "eventify/spi/chat_store.h"
#include "eventify/spi/event_store.h"
#include "eventify/spi/media_store.h"
#include "media/uploaded_image.h"

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

// Fills the URL of an image message's image.
Message WithUrl(const spi::MediaStore& media, Message message) {
  if (message.image) message.image->url = media.UrlFor(message.image->key);
  return message;
}

std::vector<Message> WithUrls(const spi::MediaStore& media, std::vector<Message> messages) {
  for (Message& m : messages) m = WithUrl(media, std::move(m));
  return messages;
}

// The members of the public view of `record` that do not depend on the caller.
Conversation BaseView(const ConversationRecord& record) {
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
  out.last_activity_at = record.created_at;
  return out;
}

// The public view of `record` for `user_id`, with their marks, unread count and last message.
Result<Conversation> ViewOf(ChatStore& store, const spi::MediaStore& media,
                            const ConversationRecord& record, const std::string& user_id) {
  Conversation out = BaseView(record);
  const std::string ids[] = {record.id};
  EV_ASSIGN_OR_RETURN(auto last, store.ListLastMessages(ids));
  if (!last.empty()) {
    out.last_seq = last.front().seq;
    out.last_activity_at = last.front().created_at;
    out.last_message = WithUrl(media, std::move(last.front()));
  }
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
  return Receipt{mark.user_id, mark.read_seq, mark.delivered_seq, mark.updated_at, mark.pos};
}

Status InvalidPosition(std::string message) {
  return InvalidArgument("invalid_position", std::move(message), "after_pos");
}

// For each of `messages` (others' messages by pos, every one of the stream after a position),
// the unread count of its conversation right after it, against the read mark now: the count now
// less the messages of the same conversation that came after it, which are all in `messages`
// (0 when that goes below: the message is at or before the read mark).
std::vector<std::int64_t> UnreadAfterEach(
    const std::vector<Message>& messages,
    const std::vector<std::pair<std::string, std::int64_t>>& counts) {
  std::unordered_map<std::string, std::int64_t> remaining(counts.begin(), counts.end());
  std::vector<std::int64_t> out(messages.size(), 0);
  for (std::size_t i = messages.size(); i-- > 0;) {
    std::int64_t& left = remaining[messages[i].conversation_id];
    out[i] = std::max<std::int64_t>(left, 0);
    --left;
  }
  return out;
}

// The messages (with their unread counts) and marks as one list by pos.
std::vector<StreamEvent> MergeByPosition(std::vector<Message> messages,
                                         const std::vector<std::int64_t>& unread,
                                         std::vector<spi::ReadMark> marks) {
  std::vector<StreamEvent> out;
  out.reserve(messages.size() + marks.size());
  std::size_t m = 0, r = 0;
  while (m < messages.size() || r < marks.size()) {
    StreamEvent event;
    if (r == marks.size() || (m < messages.size() && messages[m].pos < marks[r].pos)) {
      event.kind = StreamEventKind::kMessage;
      event.pos = messages[m].pos;
      event.conversation_id = messages[m].conversation_id;
      event.unread = unread[m];
      event.message = std::move(messages[m++]);
    } else {
      event.kind = StreamEventKind::kMarks;
      event.pos = marks[r].pos;
      event.conversation_id = marks[r].conversation_id;
      event.receipt = ReceiptOf(marks[r++]);
    }
    out.push_back(std::move(event));
  }
  return out;
}

class ChatService final : public Chat {
 public:
  ChatService(std::shared_ptr<spi::Storage> storage, std::shared_ptr<spi::MediaStore> media,
              std::shared_ptr<spi::Clock> clock, storage::CommitPipeline& pipeline)
      : storage_(std::move(storage)),
        media_(std::move(media)),
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
        out = ViewOf(store, *media_, *existing, caller.user_id);
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
      out = ViewOf(store, *media_, record, caller.user_id);
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
      out = ViewOf(store, *media_, record, caller.user_id);
      return out.status();
    });
    if (status.code() == StatusCode::kAlreadyExists) return OpenEventRoom(caller, event_id);
    if (!status.ok()) return status;
    return out;
  }

  Result<ConversationPage> ListConversations(const Principal& caller, std::string_view cursor,
                                             int limit) override {
    EV_RETURN_IF_ERROR(CheckPageLimit(limit));
    EV_ASSIGN_OR_RETURN(const auto position, DecodePageCursor(cursor));
    std::optional<spi::ActivityPosition> after;
    if (position) after = spi::ActivityPosition{position->created_at, position->id};
    return Read<ConversationPage>([&](ChatStore& store) -> Result<ConversationPage> {
      EV_RETURN_IF_ERROR(CallerAccount(store, caller).status());
      EV_ASSIGN_OR_RETURN(auto rows, store.ListConversationsOf(caller.user_id, after, limit + 1));
      ConversationPage page;
      page.next_cursor = TrimPage(rows, limit, [](const spi::ConversationActivity& row) {
        return spi::Keyset{row.activity_at, row.conversation.id};
      });
      // Three statements per page, whatever its size: the rows, their last messages, and the
      // caller's unread counts (over all their conversations, one grouped count).
      std::vector<std::string> with_messages;
      for (const auto& row : rows) {
        if (row.last_seq > 0) with_messages.push_back(row.conversation.id);
      }
      std::unordered_map<std::string, Message> last;
      if (!with_messages.empty()) {
        EV_ASSIGN_OR_RETURN(auto messages, store.ListLastMessages(with_messages));
        for (Message& m : messages) {
          std::string id = m.conversation_id;
          last.emplace(std::move(id), WithUrl(*media_, std::move(m)));
        }
      }
      EV_ASSIGN_OR_RETURN(auto counts, store.CountUnreadByConversation(caller.user_id));
      const std::unordered_map<std::string, std::int64_t> unread(counts.begin(), counts.end());
      for (const spi::ConversationActivity& row : rows) {
        Conversation view = BaseView(row.conversation);
        view.last_seq = row.last_seq;
        view.last_activity_at = row.activity_at;
        view.read_seq = row.read_seq;
        view.delivered_seq = row.delivered_seq;
        if (auto it = unread.find(row.conversation.id); it != unread.end()) view.unread = it->second;
        if (auto it = last.find(row.conversation.id); it != last.end()) view.last_message = it->second;
        page.items.push_back(std::move(view));
      }
      return page;
    });
  }

  Result<Conversation> GetConversation(const Principal& caller,
                                       std::string_view conversation_id) override {
    return Read<Conversation>([&](ChatStore& store) -> Result<Conversation> {
      EV_ASSIGN_OR_RETURN(auto record, MemberConversation(store, caller, conversation_id));
      return ViewOf(store, *media_, record, caller.user_id);
    });
  }

  Result<Message> Send(const Principal& sender, std::string_view conversation_id,
                       const NewMessage& message) override {
    MessageOperation op;
    EV_RETURN_IF_ERROR(Prepare(sender, conversation_id, message, op));
    EV_RETURN_IF_ERROR(pipeline_.Execute(applier_, op));
    return WithUrl(*media_, std::move(op.result));
  }

  Result<Message> SendImage(const Principal& sender, std::string_view conversation_id,
                            const NewImageMessage& image) override {
    EV_ASSIGN_OR_RETURN(std::string caption, NormalizeCaption(image.caption));
    EV_RETURN_IF_ERROR(CheckIdempotencyKey(image.idempotency_key));
    EV_ASSIGN_OR_RETURN(const media::UploadedImage checked,
                        media::CheckUploadedImage(image.bytes, kMaxChatImageBytes, "image",
                                                  "image_too_large"));
    MessageOperation op;
    Fill(sender, conversation_id, MessageKind::kText, std::move(caption), image.reply_to_id,
         image.idempotency_key, op);
    op.image = MessageImage{};
    op.image->content_type = std::string(checked.content_type);
    op.image->size_bytes = static_cast<std::int64_t>(image.bytes.size());
    op.image->sha256 = crypto::Sha256Hex(image.bytes);
    // Nothing is stored for a resend whose message exists, nor for a caller who may not write
    // here: both are known before the bytes go anywhere.
    EV_ASSIGN_OR_RETURN(std::optional<Message> stored, FindUpload(sender, op));
    if (stored) {
      if (!SameRequest(op, *stored)) return KeyReused();
      return WithUrl(*media_, std::move(*stored));
    }
    op.image->key = fmt::format("chat/{}/{}.{}", op.conversation_id, op.new_id, checked.extension);
    // The URL travels with the operation so that the committed message the observers are told
    // of carries it too; the store keeps only the key.
    op.image->url = media_->UrlFor(op.image->key);
    EV_RETURN_IF_ERROR(media_->Put(
        op.image->key, spi::MediaObject{op.image->content_type, std::string(image.bytes)}));
    const Status written = pipeline_.Execute(applier_, op);
    // The object is kept only when the message written names it: a refusal, or a concurrent
    // resend that committed first, leaves nothing behind.
    if (!written.ok() || !op.result.image || op.result.image->key != op.image->key) {
      media_->Remove(op.image->key).IgnoreError();
    }
    EV_RETURN_IF_ERROR(written);
    return WithUrl(*media_, std::move(op.result));
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
      page.items = WithUrls(*media_, std::move(page.items));
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
      EV_ASSIGN_OR_RETURN(auto messages, store.ListMessagesAfter(conversation_id, after_seq, limit));
      return WithUrls(*media_, std::move(messages));
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
      commit.marks.clear();  // the body may run again: nothing of an aborted try carries over
      std::fill(out.begin(), out.end(), DeliveredOutcome{});
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
        spi::ReadMark after = before;
        if (highest > before.delivered_seq) {  // it moves: a stream position (chat.h)
          EV_ASSIGN_OR_RETURN(const std::int64_t pos, store.TakePositions(1));
          EV_ASSIGN_OR_RETURN(after, store.AdvanceMarks(first.conversation_id,
                                                        first.caller.user_id, 0, highest, now, pos));
        }
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

  Result<std::int64_t> StreamPosition(const Principal& caller) override {
    return Read<std::int64_t>([&](ChatStore& store) -> Result<std::int64_t> {
      EV_RETURN_IF_ERROR(CallerAccount(store, caller).status());
      return store.StreamPosition();
    });
  }

  Result<StreamPage> StreamAfter(const Principal& caller, std::int64_t after_pos,
                                 int limit) override {
    if (limit < 1 || limit > kMaxStreamLimit) {
      return InvalidArgument("invalid_limit", "the limit must be between 1 and 1000", "limit");
    }
    if (after_pos < 0) return InvalidPosition("the position cannot be negative");
    return Read<StreamPage>([&](ChatStore& store) -> Result<StreamPage> {
      EV_RETURN_IF_ERROR(CallerAccount(store, caller).status());
      StreamPage page;
      EV_ASSIGN_OR_RETURN(page.position, store.StreamPosition());
      if (after_pos > page.position) {
        return InvalidPosition("this position is newer than the stream: reload and start again");
      }
      if (after_pos == page.position) return page;
      EV_ASSIGN_OR_RETURN(auto messages,
                          store.ListStreamMessages(caller.user_id, after_pos, limit + 1));
      EV_ASSIGN_OR_RETURN(auto marks, store.ListStreamMarks(caller.user_id, after_pos, limit + 1));
      if (messages.size() + marks.size() > static_cast<std::size_t>(limit)) {
        page.resync = true;
        return page;
      }
      std::vector<std::int64_t> unread(messages.size(), 0);
      if (!messages.empty()) {
        EV_ASSIGN_OR_RETURN(auto counts, store.CountUnreadByConversation(caller.user_id));
        unread = UnreadAfterEach(messages, counts);
      }
      page.events = MergeByPosition(std::move(messages), unread, std::move(marks));
      return page;
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
  // Fills the operation of a send whose text is checked already.
  void Fill(const Principal& sender, std::string_view conversation_id, MessageKind kind,
            std::string text, const std::string& reply_to_id, const std::string& idempotency_key,
            MessageOperation& op) const {
    op.message.kind = kind;
    op.message.text = std::move(text);
    op.message.reply_to_id = reply_to_id;
    op.message.idempotency_key = idempotency_key;
    op.sender_id = sender.user_id;
    op.conversation_id = std::string(conversation_id);
    op.request_key = sender.user_id + ":" + idempotency_key;
    op.new_id = NewId(clock_->Now());
  }

  // The stored message of `op`'s request key, if any; otherwise checks that the sender may write
  // into the conversation now (the commit checks again). Errors: those of MemberConversation.
  Result<std::optional<Message>> FindUpload(const Principal& sender, const MessageOperation& op) {
    return Read<std::optional<Message>>(
        [&](ChatStore& store) -> Result<std::optional<Message>> {
          const std::string keys[] = {op.request_key};
          EV_ASSIGN_OR_RETURN(auto found, store.FindMessagesByRequestKey(keys));
          if (!found.empty()) return std::optional<Message>(std::move(found.front().message));
          EV_RETURN_IF_ERROR(MemberConversation(store, sender, op.conversation_id).status());
          return std::optional<Message>();
        });
  }

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
    EV_ASSIGN_OR_RETURN(std::string text, NormalizeMessageText(message.text));
    EV_RETURN_IF_ERROR(CheckIdempotencyKey(message.idempotency_key));
    if (message.kind != MessageKind::kText && message.kind != MessageKind::kAnnouncement) {
      return InvalidArgument("invalid_kind", "a message is text or an announcement", "kind");
    }
    Fill(sender, conversation_id, message.kind, std::move(text), message.reply_to_id,
         message.idempotency_key, op);
    return Status::Ok();
  }

  Result<Receipt> Mark(const Principal& caller, std::string_view conversation_id,
                       std::string_view message_id, bool read) {
    Result<Receipt> out = ConversationNotFound();
    MarkChange change;
    const Status status = storage_->Run(TransactionMode::kReadWrite, [&](Transaction& tx) {
      ChatStore& store = *tx.store<ChatStore>();
      change = MarkChange{};  // the body may run again
      EV_RETURN_IF_ERROR(MemberConversation(store, caller, conversation_id).status());
      const std::string ids[] = {std::string(message_id)};
      EV_ASSIGN_OR_RETURN(auto found, store.FindMessages(ids));
      if (found.empty() || found.front().message.conversation_id != conversation_id) {
        return MessageNotFound("message_id");
      }
      const std::int64_t seq = found.front().message.seq;
      const std::int64_t read_seq = read ? seq : 0;
      EV_ASSIGN_OR_RETURN(const spi::ReadMark now, store.FindMarks(conversation_id, caller.user_id));
      if (read_seq <= now.read_seq && seq <= now.delivered_seq) {
        out = ReceiptOf(now);  // nothing moves: no stream position taken
        return Status::Ok();
      }
      // The position as late as possible: the counter stays locked until the commit.
      EV_ASSIGN_OR_RETURN(const std::int64_t pos, store.TakePositions(1));
      EV_ASSIGN_OR_RETURN(const spi::ReadMark mark,
                          store.AdvanceMarks(conversation_id, caller.user_id, read_seq, seq,
                                             clock_->Now(), pos));
      out = ReceiptOf(mark);
      change.conversation_id = std::string(conversation_id);
      change.receipt = ReceiptOf(mark);
      change.read_moved = mark.read_seq > now.read_seq;
      change.delivered_moved = mark.delivered_seq > now.delivered_seq;
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
  const std::shared_ptr<spi::MediaStore> media_;
  const std::shared_ptr<spi::Clock> clock_;
  storage::CommitPipeline& pipeline_;
  ChatObservers observers_;
  ChatApplier applier_;  // after observers_, which it publishes to
};

}  // namespace

std::unique_ptr<Chat> MakeChatService(std::shared_ptr<spi::Storage> storage,
                                      std::shared_ptr<spi::MediaStore> media,
                                      std::shared_ptr<spi::Clock> clock,
                                      storage::CommitPipeline& pipeline) {
  return std::make_unique<ChatService>(std::move(storage), std::move(media), std::move(clock),
                                       pipeline);
}

}  // namespace eventify::chat
