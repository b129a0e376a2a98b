// The chat area's tables (migration 17, "chat"; spi/chat_store.h), kept out of migrations.cc
// to keep that file readable. Portable between SQLite and PostgreSQL.
//
// A conversation's key is unique ("direct:<a>:<b>" with a < b, or "event:<event id>"), so one pair
// of users or one event never gets two. Messages are numbered per conversation: (conversation_id,
// seq) is unique and is also the index every history page, resume and unread count reads; the
// request key ("<sender>:<idempotency key>") is unique, so a resend finds the stored message. A
// member's marks are one row per (conversation, user), created on the first receipt (from version
// 24 also by the member's first message). Event-room
// membership is not stored: it is read from bookings (by user_id: bookings_user_idx of version 9,
// the unique (user_id, request_key) from version 26) and the room's organizer (user_a). No foreign
// keys, as on the other commit-path tables (version 3): messages are written many per commit.
// Depends only on version 9 (bookings); versions 10-16 belong to other areas.
#pragma once

#include <string_view>

namespace eventify::storage {

constexpr std::string_view kV17ChatConversations =
    "CREATE TABLE chat_conversations ("
    " id TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('direct', 'event_room')),"
    " conversation_key TEXT NOT NULL,"
    " event_id TEXT NOT NULL,"
    " user_a TEXT NOT NULL,"
    " user_b TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " CONSTRAINT chat_conversations_key_key UNIQUE (conversation_key))";
constexpr std::string_view kV17ChatConversationsUserA =
    "CREATE INDEX chat_conversations_user_a_idx ON chat_conversations (user_a)";
constexpr std::string_view kV17ChatConversationsUserB =
    "CREATE INDEX chat_conversations_user_b_idx ON chat_conversations (user_b)";
constexpr std::string_view kV17ChatConversationsEvent =
    "CREATE INDEX chat_conversations_event_idx ON chat_conversations (event_id)"
    " WHERE kind = 'event_room'";
constexpr std::string_view kV17ChatMessages =
    "CREATE TABLE chat_messages ("
    " id TEXT PRIMARY KEY,"
    " conversation_id TEXT NOT NULL,"
    " seq BIGINT NOT NULL CHECK (seq > 0),"
    " sender_id TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('text', 'announcement')),"
    " body TEXT NOT NULL,"
    " reply_to TEXT NOT NULL,"
    " client_key TEXT NOT NULL,"
    " request_key TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " CONSTRAINT chat_messages_seq_key UNIQUE (conversation_id, seq),"
    " CONSTRAINT chat_messages_request_key_key UNIQUE (request_key))";
constexpr std::string_view kV17ChatReadMarks =
    "CREATE TABLE chat_read_marks ("
    " conversation_id TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " read_seq BIGINT NOT NULL CHECK (read_seq >= 0),"
    " delivered_seq BIGINT NOT NULL CHECK (delivered_seq >= read_seq),"
    " updated_at BIGINT NOT NULL,"
    " PRIMARY KEY (conversation_id, user_id))";

// ---- Version 18: chat images ------------------------------------------------------------------
// An image message keeps the media key of its image (the bytes live in the engine's MediaStore),
// the content type read from the bytes, their size and their SHA-256 (what a resend is compared
// by); '' and 0 for the other messages. Depends only on version 17.
constexpr std::string_view kV18ChatImageKey =
    "ALTER TABLE chat_messages ADD COLUMN image_key TEXT NOT NULL DEFAULT ''";
constexpr std::string_view kV18ChatImageType =
    "ALTER TABLE chat_messages ADD COLUMN image_type TEXT NOT NULL DEFAULT ''";
constexpr std::string_view kV18ChatImageSize =
    "ALTER TABLE chat_messages ADD COLUMN image_size BIGINT NOT NULL DEFAULT 0";
constexpr std::string_view kV18ChatImageSha256 =
    "ALTER TABLE chat_messages ADD COLUMN image_sha256 TEXT NOT NULL DEFAULT ''";

// Version 19, "chat stream positions" (docs/chat.md, "Stream positions"). One counter row that
// every transaction writing messages or moving marks advances once, as its last step: its row
// lock orders those transactions, so positions follow commit order on both databases, with any
// number of writers and engines (a sequence would not: PostgreSQL hands sequence values out in
// the order transactions ask, not the order they commit). Messages and marks written before this
// version keep position 0, before every position a client can hold. Each table gets a
// (conversation_id, pos) index: a user's stream is read per conversation of theirs, each a range
// scan above the position, so the cost grows with the user's conversations and what they missed,
// never with the traffic of the whole database.
constexpr std::string_view kV19ChatStream =
    "CREATE TABLE chat_stream ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " pos BIGINT NOT NULL CHECK (pos >= 0))";
constexpr std::string_view kV19ChatStreamRow = "INSERT INTO chat_stream (id, pos) VALUES (1, 0)";
constexpr std::string_view kV19ChatMessagesPos =
    "ALTER TABLE chat_messages ADD COLUMN pos BIGINT NOT NULL DEFAULT 0";
constexpr std::string_view kV19ChatMessagesPosIndex =
    "CREATE INDEX chat_messages_pos_idx ON chat_messages (conversation_id, pos)";
constexpr std::string_view kV19ChatReadMarksPos =
    "ALTER TABLE chat_read_marks ADD COLUMN pos BIGINT NOT NULL DEFAULT 0";
constexpr std::string_view kV19ChatReadMarksPosIndex =
    "CREATE INDEX chat_read_marks_pos_idx ON chat_read_marks (conversation_id, pos)";

// Version 22: a member's own messages of a conversation in order, so that an unread count reads
// the messages the member sent since their read mark, not everyone's (SociChatStore::CountUnread).
// Dropped by version 24.
constexpr std::string_view kV22ChatMessagesSenderIndex =
    "CREATE INDEX chat_messages_sender_idx ON chat_messages (conversation_id, sender_id, seq)";

// Version 24: unread counts without the sender index. Each member's marks row counts their own
// messages after their read mark (own_after_read), kept in the transactions that write messages
// or move the mark (SociChatStore::InsertMessages, AdvanceMarks), so a count is the newest number
// less the mark less this column: no index per sender. The (conversation_id, sender_id, seq)
// index of version 22 cost a B-tree leaf page per sender in every commit of a busy room (40% of
// the pages a SQLite chat commit wrote, docs/performance.md) and goes. A sender gets a marks row
// (marks at 0) with their first message. The existing rows are counted, then the senders without
// a row get one, both through the index of version 22 before it is dropped.
constexpr std::string_view kV24ChatOwnAfterRead =
    "ALTER TABLE chat_read_marks ADD COLUMN own_after_read BIGINT NOT NULL DEFAULT 0"
    " CHECK (own_after_read >= 0)";
constexpr std::string_view kV24CountOwnAfterRead =
    "UPDATE chat_read_marks SET own_after_read = (SELECT COUNT(*) FROM chat_messages m"
    " WHERE m.conversation_id = chat_read_marks.conversation_id"
    " AND m.sender_id = chat_read_marks.user_id AND m.seq > chat_read_marks.read_seq)";
constexpr std::string_view kV24AddSenderMarks =
    "INSERT INTO chat_read_marks (conversation_id, user_id, read_seq, delivered_seq, updated_at,"
    " pos, own_after_read) SELECT m.conversation_id, m.sender_id, 0, 0, 0, 0, COUNT(*)"
    " FROM chat_messages m WHERE NOT EXISTS (SELECT 1 FROM chat_read_marks r"
    " WHERE r.conversation_id = m.conversation_id AND r.user_id = m.sender_id)"
    " GROUP BY m.conversation_id, m.sender_id";
constexpr std::string_view kV24DropSenderIndex = "DROP INDEX chat_messages_sender_idx";

// Version 25: the stream reads positions through one message in 32 of each conversation. Within a
// conversation a message's pos grows with its seq (the chat applier locks the conversation, numbers
// its messages after the newest committed one and takes their positions last, in that order;
// spi/chat_store.h, InsertMessages), so the messages above a position P are the ones after the
// newest indexed message at or below P, filtered by pos: at most 31 more than the page itself.
// The full (conversation_id, pos) index of version 19 cost a B-tree leaf per conversation in every
// commit (a fifth of the pages a SQLite chat commit wrote, docs/performance.md); this one is 32
// times smaller, its entries carry the seq the read starts after (an index-only look-up), and its
// predicate is repeated verbatim by the read (kChatPosMarkPredicate), which both databases need to
// use a partial index.
constexpr std::string_view kChatPosMarkPredicate = "seq % 32 = 0";
constexpr std::string_view kV25DropMessagesPosIndex = "DROP INDEX chat_messages_pos_idx";
constexpr std::string_view kV25MessagesPosMarks =
    "CREATE INDEX chat_messages_pos_marks_idx ON chat_messages (conversation_id, pos, seq)"
    " WHERE seq % 32 = 0";
static_assert(kV25MessagesPosMarks.ends_with(kChatPosMarkPredicate));

}  // namespace eventify::storage
