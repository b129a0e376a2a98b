// ChatStore: the chat area's store (eventify/chat.h) — conversations, messages and the members'
// read and delivered marks — handed out by Transaction::store<ChatStore>() of a storage that
// Supports(ChatStore::kArea).
//
// Every call runs inside the transaction whose body received the store and is bound by the
// guarantees of spi/storage.h. The rules (who may talk with whom, who is a member) are the
// engine's; the store keeps rows and finds them, and reads the accounts, events and bookings
// areas' rows where a rule needs them (users' role and blocked flag, an event's organizer, who
// holds a confirmed booking), always for a whole set of users or events in one statement.
// Timestamps to the microsecond.
//
// Messages are written many per commit by the engine's commit pipeline: it locks the
// conversations of a batch (LockConversations), reads their newest sequence numbers
// (LastSequences), numbers the new messages in memory and inserts them with InsertMessages. The
// lock is what makes the numbers gapless and unique under concurrent writers: two transactions
// writing into one conversation queue on its row.
//
// Thread-safety: as every store, it belongs to the thread running the transaction body.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/chat.h"
#include "eventify/spi/storage.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify::spi {

// What the rules need of an account.
struct ChatUser {
  std::string id;
  Role role = Role::kAttendee;
  bool blocked = false;
};

// A conversation as stored. `key` is unique: "direct:<smaller user id>:<larger user id>" or
// "event:<event id>". user_a and user_b are the two participants of a direct conversation
// (user_a < user_b); an event room has its organizer in user_a and "" in user_b.
struct ConversationRecord {
  std::string id;
  ConversationKind kind = ConversationKind::kDirect;
  std::string key;
  std::string event_id;  // "" for direct conversations
  std::string user_a;
  std::string user_b;
  Timestamp created_at;
};

// A message as stored; request_key is "<sender id>:<idempotency key>", unique.
struct MessageRecord {
  Message message;
  std::string request_key;
};

// A member's marks; a member without a row has both at 0.
struct ReadMark {
  std::string conversation_id;
  std::string user_id;
  std::int64_t read_seq = 0;
  std::int64_t delivered_seq = 0;
  Timestamp updated_at;
};

class ChatStore {
 public:
  static constexpr StoreArea kArea{"chat"};

  virtual ~ChatStore() = default;

  // ---- What the rules read of other areas ----

  // The accounts among `ids` that exist (the others are left out), in no particular order.
  virtual Result<std::vector<ChatUser>> FindChatUsers(std::span<const std::string> ids) = 0;
  // Whether `holder_id` holds a confirmed booking of an event organized by `organizer_id`.
  virtual Result<bool> HoldsBookingOfOrganizer(std::string_view holder_id,
                                               std::string_view organizer_id) = 0;
  // The (event id, user id) pairs, among `event_ids` x `user_ids`, where the user holds a
  // confirmed booking of the event; each pair once.
  virtual Result<std::vector<std::pair<std::string, std::string>>> FindConfirmedHolders(
      std::span<const std::string> event_ids, std::span<const std::string> user_ids) = 0;

  // ---- Conversations ----

  // Errors: kAlreadyExists (conversation_exists) for a taken id or key.
  virtual Status InsertConversation(const ConversationRecord& conversation) = 0;
  // Errors: kNotFound (conversation_not_found).
  virtual Result<ConversationRecord> FindConversation(std::string_view id) = 0;
  // Errors: kNotFound (conversation_not_found).
  virtual Result<ConversationRecord> FindConversationByKey(std::string_view key) = 0;
  // The conversations among `ids` that exist, locked until the transaction ends (in id order,
  // so that two transactions locking overlapping sets cannot deadlock). Read-write only.
  virtual Result<std::vector<ConversationRecord>> LockConversations(
      std::span<const std::string> ids) = 0;

  // ---- Messages ----

  // The highest sequence number of each conversation among `ids` that has messages.
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> LastSequences(
      std::span<const std::string> ids) = 0;
  // Inserts every message in as few statements as the database allows.
  // Errors: kAlreadyExists (message_exists) for a taken id, request key or (conversation, seq).
  virtual Status InsertMessages(std::span<const MessageRecord> messages) = 0;
  // The messages among `ids` that exist.
  virtual Result<std::vector<MessageRecord>> FindMessages(std::span<const std::string> ids) = 0;
  // The messages whose request_key is among `keys`.
  virtual Result<std::vector<MessageRecord>> FindMessagesByRequestKey(
      std::span<const std::string> keys) = 0;
  // Up to `limit` messages of the conversation, newest first (seq descending), only those below
  // `before_seq` when given. Read from the (conversation_id, seq) index, never with OFFSET.
  virtual Result<std::vector<Message>> ListMessagesBefore(std::string_view conversation_id,
                                                          std::optional<std::int64_t> before_seq,
                                                          int limit) = 0;
  // Up to `limit` messages of the conversation with seq above `after_seq`, oldest first.
  virtual Result<std::vector<Message>> ListMessagesAfter(std::string_view conversation_id,
                                                         std::int64_t after_seq, int limit) = 0;

  // ---- Marks and counts ----

  // Moves the user's marks forward to `read_seq` and `delivered_seq` where they are below, never
  // back (a missing row is created), stamping updated_at when either moved; returns the marks as
  // they are afterwards. Read-write only.
  virtual Result<ReadMark> AdvanceMarks(std::string_view conversation_id, std::string_view user_id,
                                        std::int64_t read_seq, std::int64_t delivered_seq,
                                        Timestamp at) = 0;
  // The user's marks (zeros, epoch updated_at, when there is no row).
  virtual Result<ReadMark> FindMarks(std::string_view conversation_id,
                                     std::string_view user_id) = 0;
  // Every row of marks of the conversation, by user id.
  virtual Result<std::vector<ReadMark>> ListMarks(std::string_view conversation_id) = 0;
  // Messages of the conversation above `after_seq` not sent by `user_id`.
  virtual Result<std::int64_t> CountUnread(std::string_view conversation_id,
                                           std::string_view user_id, std::int64_t after_seq) = 0;
  // The same, counting only up to and including `through_seq` (the unread count as it was right
  // after that message).
  virtual Result<std::int64_t> CountUnreadThrough(std::string_view conversation_id,
                                                  std::string_view user_id, std::int64_t after_seq,
                                                  std::int64_t through_seq) = 0;
  // For every conversation `user_id` is a member of (a participant of a direct conversation, the
  // organizer of a room's event, or the holder of a confirmed booking of it), the messages of
  // others after the user's read mark; conversations with none are left out. One statement.
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> CountUnreadByConversation(
      std::string_view user_id) = 0;

  // ---- Contacts (presence) ----

  // The users who share a conversation with `user_id` now, sorted, each once, without the user:
  // the other participant of each of their direct conversations, and, for each event room they
  // are a member of (as the event's organizer or the holder of a confirmed booking), the room's
  // organizer and the holders of a confirmed booking of its event. Only rooms that exist count.
  // One statement.
  virtual Result<std::vector<std::string>> ListContacts(std::string_view user_id) = 0;
};

}  // namespace eventify::spi
