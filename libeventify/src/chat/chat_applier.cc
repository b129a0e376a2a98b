#include "chat/chat_applier.h"

#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chat/chat_rules.h"
#include "core/status_macros.h"
#include "eventify/spi/chat_store.h"

namespace eventify::chat {
namespace {

MessageOperation& Op(storage::BatchOperation* base) {
  return *static_cast<MessageOperation*>(base);
}

}  // namespace

bool SameRequest(const MessageOperation& op, const Message& stored) {
  const bool same_image = stored.image.has_value() == op.image.has_value() &&
                          (!op.image || stored.image->sha256 == op.image->sha256);
  return stored.conversation_id == op.conversation_id && stored.kind == op.message.kind &&
         stored.text == op.message.text && stored.reply_to_id == op.message.reply_to_id &&
         same_image;
}

Status KeyReused() {
  return AlreadyExists("idempotency_key_reused",
                       "this idempotency key was used for another message", "idempotency_key");
}

namespace {

// Everything one run of ApplyBatch reads and writes.
class BatchRun {
 public:
  BatchRun(spi::ChatStore& store, Timestamp now) : store_(store), now_(now) {}

  Status Run(std::span<storage::BatchOperation* const> operations) {
    EV_RETURN_IF_ERROR(LoadConversations(operations));
    // The look-ups by key last: on PostgreSQL the SOCI store runs them as native statements,
    // which price sequential scans and hash joins out for the rest of the transaction
    // (NativeStatements::PinPlanner), and the holders' join of many users with many bookings
    // is 10 times slower without a hash join.
    EV_RETURN_IF_ERROR(LoadUsers(operations));
    EV_RETURN_IF_ERROR(LoadHolders(operations));
    EV_RETURN_IF_ERROR(LoadRequests(operations));
    EV_RETURN_IF_ERROR(LoadReplies(operations));
    for (storage::BatchOperation* base : operations) Apply(Op(base));
    if (inserts_.empty()) return Status::Ok();
    EV_RETURN_IF_ERROR(NumberPositions(operations));
    return store_.InsertMessages(inserts_);
  }

 private:
  // Takes the batch's stream positions once everything was read and checked: the counter stays
  // locked until the commit (spi/chat_store.h), so the other writers wait on it as briefly as
  // possible. The messages get them in the order they were numbered, and so do the results (a
  // resend later in the batch included).
  Status NumberPositions(std::span<storage::BatchOperation* const> operations) {
    EV_ASSIGN_OR_RETURN(const std::int64_t first,
                        store_.TakePositions(static_cast<std::int64_t>(inserts_.size())));
    std::unordered_map<std::string_view, std::int64_t> pos_of;  // views of the ids in inserts_
    for (std::size_t i = 0; i < inserts_.size(); ++i) {
      Message& m = inserts_[i].message;
      m.pos = first + static_cast<std::int64_t>(i);
      pos_of.emplace(m.id, m.pos);
    }
    for (storage::BatchOperation* base : operations) {
      Message& result = Op(base).result;
      if (auto found = pos_of.find(result.id); found != pos_of.end()) result.pos = found->second;
    }
    return Status::Ok();
  }

  // Locks the conversations first, so that everything read after sees what the batches before
  // this one committed into them (a resend racing its original on another writer included).
  Status LoadConversations(std::span<storage::BatchOperation* const> operations) {
    std::vector<std::string> ids;
    for (storage::BatchOperation* base : operations) ids.push_back(Op(base).conversation_id);
    EV_ASSIGN_OR_RETURN(auto locked, store_.LockConversations(ids));
    std::vector<std::string> found;
    for (spi::ConversationRecord& record : locked) {
      found.push_back(record.id);
      conversations_.emplace(record.id, std::move(record));
    }
    EV_ASSIGN_OR_RETURN(auto sequences, store_.LastSequences(found));
    for (const auto& [id, seq] : sequences) last_seq_[id] = seq;
    return Status::Ok();
  }

  Status LoadRequests(std::span<storage::BatchOperation* const> operations) {
    std::vector<std::string> keys;
    for (storage::BatchOperation* base : operations) keys.push_back(Op(base).request_key);
    EV_ASSIGN_OR_RETURN(stored_, store_.FindMessagesByRequestKey(keys));
    for (const spi::MessageRecord& record : stored_) {
      by_key_.emplace(record.request_key, &record.message);
    }
    return Status::Ok();
  }

  // The senders, and the other participant of each direct conversation written into.
  Status LoadUsers(std::span<storage::BatchOperation* const> operations) {
    std::set<std::string> ids;
    for (storage::BatchOperation* base : operations) {
      const MessageOperation& op = Op(base);
      ids.insert(op.sender_id);
      auto conversation = conversations_.find(op.conversation_id);
      if (conversation != conversations_.end() &&
          conversation->second.kind == ConversationKind::kDirect) {
        ids.insert(conversation->second.user_a);
        ids.insert(conversation->second.user_b);
      }
    }
    const std::vector<std::string> list(ids.begin(), ids.end());
    EV_ASSIGN_OR_RETURN(auto users, store_.FindChatUsers(list));
    for (spi::ChatUser& user : users) users_.emplace(user.id, std::move(user));
    return Status::Ok();
  }

  // Which senders into event rooms (other than the organizers) hold confirmed bookings.
  Status LoadHolders(std::span<storage::BatchOperation* const> operations) {
    std::set<std::string> events, senders;
    for (storage::BatchOperation* base : operations) {
      const MessageOperation& op = Op(base);
      auto conversation = conversations_.find(op.conversation_id);
      if (conversation == conversations_.end()) continue;
      const spi::ConversationRecord& room = conversation->second;
      if (room.kind != ConversationKind::kEventRoom || room.user_a == op.sender_id) continue;
      events.insert(room.event_id);
      senders.insert(op.sender_id);
    }
    if (events.empty()) return Status::Ok();
    const std::vector<std::string> event_list(events.begin(), events.end());
    const std::vector<std::string> sender_list(senders.begin(), senders.end());
    EV_ASSIGN_OR_RETURN(auto pairs, store_.FindConfirmedHolders(event_list, sender_list));
    holders_.insert(pairs.begin(), pairs.end());
    return Status::Ok();
  }

  Status LoadReplies(std::span<storage::BatchOperation* const> operations) {
    std::vector<std::string> ids;
    for (storage::BatchOperation* base : operations) {
      if (!Op(base).message.reply_to_id.empty()) ids.push_back(Op(base).message.reply_to_id);
    }
    if (ids.empty()) return Status::Ok();
    with_replies_ = true;
    EV_ASSIGN_OR_RETURN(replied_, store_.FindMessages(ids));
    for (const spi::MessageRecord& record : replied_) {
      by_id_.emplace(record.message.id, &record.message);
    }
    return Status::Ok();
  }

  void Apply(MessageOperation& op) {
    op.written = false;  // the body may run again after a retry
    if (auto stored = by_key_.find(op.request_key); stored != by_key_.end()) {
      if (!SameRequest(op, *stored->second)) {
        op.outcome = KeyReused();
        return;
      }
      op.result = *stored->second;
      op.outcome = Status::Ok();
      return;
    }
    op.outcome = Check(op);
    if (!op.outcome.ok()) return;
    Message& m = op.result;
    m.id = op.new_id;
    m.conversation_id = op.conversation_id;
    m.seq = ++last_seq_[op.conversation_id];
    m.sender_id = op.sender_id;
    m.kind = op.message.kind;
    m.text = op.message.text;
    m.reply_to_id = op.message.reply_to_id;
    m.idempotency_key = op.message.idempotency_key;
    m.image = op.image;
    m.created_at = now_;
    inserts_.push_back(spi::MessageRecord{m, op.request_key});
    op.written = true;
    by_key_.emplace(op.request_key, &m);  // a resend later in this batch gets this message
    if (with_replies_) by_id_.emplace(m.id, &m);  // and a reply later in this batch finds it
  }

  Status Check(const MessageOperation& op) const {
    auto found = conversations_.find(op.conversation_id);
    if (found == conversations_.end()) return ConversationNotFound();
    const spi::ConversationRecord& conversation = found->second;
    auto sender = users_.find(op.sender_id);
    if (sender == users_.end()) return Forbidden();
    const bool holder = holders_.count({conversation.event_id, op.sender_id}) > 0;
    if (!IsMember(conversation, op.sender_id, holder)) return NotAMember();
    if (sender->second.blocked) return UserBlocked();
    const bool is_room = conversation.kind == ConversationKind::kEventRoom;
    if (!is_room) {
      auto other = users_.find(OtherParticipant(conversation, op.sender_id));
      if (other != users_.end() && other->second.blocked) return UserBlocked();
    }
    const bool organizer = is_room && conversation.user_a == op.sender_id;
    if (op.message.kind == MessageKind::kAnnouncement) {
      if (!is_room) {
        return FailedPrecondition("not_an_event_room",
                                  "announcements are posted in event rooms only", "kind");
      }
      if (!organizer) return Forbidden();
    }
    if (!op.message.reply_to_id.empty()) {
      auto replied = by_id_.find(op.message.reply_to_id);
      if (replied == by_id_.end() || replied->second->conversation_id != op.conversation_id) {
        return MessageNotFound("reply_to_id");
      }
      if (replied->second->kind == MessageKind::kAnnouncement && !organizer) {
        return PermissionDenied("announcement_read_only", "announcements cannot be replied to");
      }
    }
    return Status::Ok();
  }

  spi::ChatStore& store_;
  const Timestamp now_;
  std::unordered_map<std::string, spi::ConversationRecord> conversations_;
  std::unordered_map<std::string, std::int64_t> last_seq_;
  // The messages a request key or an id names, in this batch or stored before: views into the
  // operations (their request keys and results, which outlive the run) and into the look-ups'
  // answers below. Ids only when a message of the batch replies to one.
  std::vector<spi::MessageRecord> stored_;   // stored messages named by request keys of the batch
  std::vector<spi::MessageRecord> replied_;  // stored messages replied to
  bool with_replies_ = false;
  std::unordered_map<std::string_view, const Message*> by_key_;
  std::unordered_map<std::string_view, const Message*> by_id_;
  std::unordered_map<std::string, spi::ChatUser> users_;
  std::set<std::pair<std::string, std::string>> holders_;  // (event id, user id)
  std::vector<spi::MessageRecord> inserts_;
};

}  // namespace

Status ChatApplier::ApplyBatch(spi::Transaction& tx, storage::BatchContext& /*context*/,
                               std::span<storage::BatchOperation* const> operations) {
  spi::ChatStore* store = tx.store<spi::ChatStore>();
  if (store == nullptr) return Internal("the storage has no chat store");
  BatchRun run(*store, clock_.Now());
  return run.Run(operations);
}

void ChatApplier::Committed(std::span<storage::BatchOperation* const> operations) {
  ChatCommit commit;
  for (storage::BatchOperation* base : operations) {
    const MessageOperation& op = Op(base);
    if (op.outcome.ok() && op.written) commit.messages.push_back(op.result);
  }
  observers_.Publish(commit);
}

}  // namespace eventify::chat
