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
// The stream position (docs/chat.md, "Stream positions"): one counter for the whole database that
// every transaction writing messages or moving marks advances once (TakePositions), as late as
// it can: after its reads and checks, just before its writes. The counter's row stays locked
// until the commit, so the next
// transaction gets its positions only once this one is committed: positions are strictly
// increasing in commit order, whatever the number of writers or engines on the database.
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
#include "eventify/export.h"
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

// A message as stored; request_key is "<sender id>:<idempotency key>", unique. An image message
// keeps its image's key, content type, size and digest; the store never fills image->url (the
// engine does, from its MediaStore).
struct MessageRecord {
  Message message;
  std::string request_key;
};

// A member's marks; a member without a row has both at 0. `pos` is the stream position of the
// last move (0: never moved, or moved before schema version 19).
struct ReadMark {
  std::string conversation_id;
  std::string user_id;
  std::int64_t read_seq = 0;
  std::int64_t delivered_seq = 0;
  Timestamp updated_at;
  std::int64_t pos = 0;
};

// One of a user's conversations with what a list of them shows (ListConversationsOf).
struct ConversationActivity {
  ConversationRecord conversation;
  std::int64_t last_seq = 0;  // 0 when it has no message
  Timestamp activity_at;      // the newest message's created_at, else the conversation's
  std::int64_t read_seq = 0;  // the user's marks (0 without a row)
  std::int64_t delivered_seq = 0;
};

// Where a page of ListConversationsOf starts: strictly after this (activity_at, id).
struct ActivityPosition {
  Timestamp activity_at;
  std::string id;
};

class EVENTIFY_EXPORT ChatStore {
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
  // Inserts every message (with its Message::pos) in as few statements as the database allows.
  // Within a conversation a message's pos grows with its seq (the engine locks the conversation,
  // numbers after its newest message and takes positions last): ListStreamMessages may rely on it.
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

  // The newest message of each conversation among `ids` that has messages.
  virtual Result<std::vector<Message>> ListLastMessages(std::span<const std::string> ids) = 0;

  // ---- Marks and counts ----

  // Moves the user's marks forward to `read_seq` and `delivered_seq` where they are below, never
  // back (a missing row is created), stamping updated_at and pos when either moved; returns the
  // marks as they are afterwards. Read-write only.
  virtual Result<ReadMark> AdvanceMarks(std::string_view conversation_id, std::string_view user_id,
                                        std::int64_t read_seq, std::int64_t delivered_seq,
                                        Timestamp at, std::int64_t pos) = 0;
  // The user's marks (zeros, epoch updated_at, when there is no row).
  virtual Result<ReadMark> FindMarks(std::string_view conversation_id,
                                     std::string_view user_id) = 0;
  // The marks of the conversation's members that have any (a read or delivered mark above 0), by
  // user id.
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
  // Each user's total over CountUnreadByConversation, in the order of `user_ids` (0 for a user
  // with none, or unknown). What the hub sends as `unread_count` to many users at once. The
  // default asks CountUnreadByConversation once per user; the bundled storage answers a few
  // hundred users per statement.
  virtual Result<std::vector<std::int64_t>> CountUnreadTotals(
      std::span<const std::string> user_ids) {
    std::vector<std::int64_t> totals;
    totals.reserve(user_ids.size());
    for (const std::string& user : user_ids) {
      Result<std::vector<std::pair<std::string, std::int64_t>>> counts =
          CountUnreadByConversation(user);
      if (!counts.ok()) return counts.status();
      std::int64_t total = 0;
      for (const auto& entry : *counts) total += entry.second;
      totals.push_back(total);
    }
    return totals;
  }

  // ---- The stream (recovery) ----

  // Advances the stream counter by `count` (>= 1) and returns the first of the `count` positions
  // taken (the others follow it). Locks the counter until the transaction ends, so call it as
  // late as possible: a concurrent transaction waits here until this one has committed.
  // Read-write only.
  virtual Result<std::int64_t> TakePositions(std::int64_t count) = 0;
  // The newest position taken by a committed transaction (0 when none); never locks.
  virtual Result<std::int64_t> StreamPosition() = 0;
  // Up to `limit` messages with pos above `after_pos`, sent by others than `user_id`, in the
  // conversations `user_id` is a member of now (as CountUnreadByConversation), by pos. One
  // statement; the SOCI store finds in each of the user's conversations the newest of its
  // messages at or below `after_pos` among one in 32 (a partial index) and reads on from there
  // through the (conversation_id, seq) index, so a read costs the page plus at most 31 rows a
  // conversation.
  virtual Result<std::vector<Message>> ListStreamMessages(std::string_view user_id,
                                                          std::int64_t after_pos, int limit) = 0;
  // Up to `limit` marks with pos above `after_pos`, of others than `user_id`, in the same
  // conversations, by pos. One statement, through the (conversation_id, pos) index of the marks.
  virtual Result<std::vector<ReadMark>> ListStreamMarks(std::string_view user_id,
                                                        std::int64_t after_pos, int limit) = 0;

  // Up to `limit` of the conversations `user_id` is a member of (as CountUnreadByConversation
  // finds them), ordered by activity_at then id, both descending, only those strictly after
  // `after` in that order when given. One statement; a conversation's newest message is read
  // from the (conversation_id, seq) index, never by scanning its messages.
  virtual Result<std::vector<ConversationActivity>> ListConversationsOf(
      std::string_view user_id, const std::optional<ActivityPosition>& after, int limit) = 0;

  // ---- Contacts (presence) ----

  // The users who share a conversation with `user_id` now, sorted, each once, without the user:
  // the other participant of each of their direct conversations, and, for each event room they
  // are a member of (as the event's organizer or the holder of a confirmed booking), the room's
  // organizer and the holders of a confirmed booking of its event. Only rooms that exist count.
  // One statement.
  virtual Result<std::vector<std::string>> ListContacts(std::string_view user_id) = 0;
};

}  // namespace eventify::spi
