// Chat: durable messaging between users — one-on-one conversations and event rooms, text
// messages ordered per conversation, history by cursor, read and delivered receipts, and unread
// counts. This is the library's messaging model only: no network stack, no presence, no typing.
// What a transport delivers to connected clients is built on it later (docs/chat.md).
//
// One-on-one ("direct") conversations. A pair of users has at most one: OpenDirect returns the
// same conversation to either of them, however often and concurrently it is called. Who may
// START one with whom (the caller is the starter; the rule reads both accounts as they are now):
//   1. nobody with themselves (self_conversation), and nobody while either account is blocked
//      (user_blocked) — blocked users talk with no one;
//   2. an admin with anyone;
//   3. an organizer and an attendee, in either direction, when the attendee holds a CONFIRMED
//      booking (paid or free, not cancelled, not an unpaid hold) of an event that organizer
//      organizes, whatever the event's state now (an ended event counts);
//   anything else is refused (conversation_not_allowed). "Attendee" here means the holder of the
//   booking, whatever their role (an organizer may book another's event).
// Once a conversation exists, either participant may open it again and write in it without the
// start rule being checked again (an admin's attendee may answer; a refunded buyer keeps the
// thread), except that nothing is written while either of the two is blocked (user_blocked).
//
// Event rooms. Each approved event has one room, made the first time a member opens it
// (OpenEventRoom) while the event is approved or completed. Its members are the event's organizer
// and the users who hold a confirmed booking of it NOW: membership is read from the bookings at
// every call, so a cancellation or refund takes the room away in the very commit that cancels,
// and a new confirmed booking grants it in the commit that confirms (docs/chat.md says why it is
// not a copy kept beside the bookings). Admins are not members. The organizer may post
// announcements (MessageKind::kAnnouncement); members cannot reply to one (a message whose
// reply_to_id names an announcement is refused for anyone but the organizer:
// announcement_read_only), though they talk among themselves with ordinary messages.
//
// Messages: text of 1-kMaxMessageChars characters (after trimming surrounding whitespace; valid
// UTF-8, line breaks and tabs allowed, no other control characters). Send returns only once the
// message is durably committed, written through the engine's commit pipeline many per commit.
// Every message gets the next sequence number of its conversation (1, 2, 3 ... without gaps, in
// commit order), which orders the conversation and is the position a client resumes from
// (MessagesAfter). The sender's idempotency key makes a resend after a lost answer harmless: the
// same key with the same conversation, kind, text and reply returns the message first stored,
// never a second one; the same key with anything else is refused (idempotency_key_reused). Keys
// are per sender.
//
// Image messages (SendImage): a PNG, JPEG or WebP image of at most kMaxChatImageBytes, checked by
// its bytes (never by what the client declares), with an optional caption (the text rules above,
// except that it may be empty). The engine stores the bytes in its MediaStore under a key it
// chooses ("chat/<conversation id>/<message id>.<png|jpg|webp>") before the message is committed;
// the message row keeps only the key, the sniffed content type, the size and the SHA-256 of the
// bytes. The idempotency key rules hold: a resend whose key is already stored stores nothing (the
// same conversation, caption, reply and image bytes return the stored message; anything else is
// idempotency_key_reused), and an upload whose message is not written (refused, or a concurrent
// resend won) has its object removed before the call returns. Only a process that dies between
// storing the bytes and the commit can leave an object no message names. Image messages are of
// kind kText: announcements are text only.
//
// Receipts and unread counts. Each member has a read mark and a delivered mark per conversation:
// sequence numbers that only ever move forward (read implies delivered). A message is unread for
// a member when it was sent by someone else after the member's read mark. Counts are computed
// from the committed messages and marks when asked, so they are exact whatever the concurrency.
//
// The stream (recovery, docs/chat.md "Stream positions"). Every message and every move of a
// member's marks takes a position in one stream for the whole database: strictly increasing in
// commit order (with gaps), also across engines on one PostgreSQL database and across restarts.
// A user's stream is what happened, after a position, in the conversations they are a member of
// NOW: messages of others and mark moves of others. StreamAfter reads it back so that a client
// that saw everything up to a position can catch up, or learns that it must reload through
// History (resync) when it missed more than it may be sent.
//
// Visibility: a conversation is visible to its members only; anyone else gets not_a_member (an
// unknown id conversation_not_found).
//
// Obtained from Engine::chat(); owned by the Engine and valid while it lives.
// Thread-safety: every member function may be called concurrently from any number of threads.
// Calls block on storage (Send until its commit is durable), so never call them on a network I/O
// thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eventify/accounts.h"
#include "eventify/export.h"
#include "eventify/status.h"
#include "eventify/types.h"

namespace eventify {

inline constexpr std::size_t kMaxMessageChars = 4000;
// The largest image a message may carry, in bytes (5 MiB).
inline constexpr std::size_t kMaxChatImageBytes = 5 * 1024 * 1024;

enum class ConversationKind : int { kDirect, kEventRoom };
// "direct", "event_room"
EVENTIFY_EXPORT std::string_view ConversationKindName(ConversationKind kind);

enum class MessageKind : int { kText, kAnnouncement };
EVENTIFY_EXPORT std::string_view MessageKindName(MessageKind kind);  // "text", "announcement"

// The image of an image message.
struct MessageImage {
  std::string key;           // the object's key in the engine's MediaStore
  std::string url;           // MediaStore::UrlFor(key): where clients fetch it
  std::string content_type;  // "image/png", "image/jpeg" or "image/webp", read from the bytes
  std::int64_t size_bytes = 0;
  std::string sha256;  // hex SHA-256 of the bytes: what a resend is compared by
};

struct Message {
  std::string id;
  std::string conversation_id;
  std::int64_t seq = 0;  // 1, 2, 3 ... within the conversation
  std::string sender_id;
  MessageKind kind = MessageKind::kText;
  std::string text;  // trimmed; an image message's caption ("" when none)
  std::string reply_to_id;
  std::string idempotency_key;  // the sender's key, as given
  std::optional<MessageImage> image;  // set for image messages only
  Timestamp created_at;
  std::int64_t pos = 0;  // its stream position (0 for messages written before schema version 19)
};

struct Conversation {
  std::string id;
  ConversationKind kind = ConversationKind::kDirect;
  std::vector<std::string> participants;  // kDirect: the two user ids, sorted; kEventRoom: empty
  std::string event_id;                   // kEventRoom: the event; empty otherwise
  std::string organizer_id;               // kEventRoom: the event's organizer; empty otherwise
  std::int64_t last_seq = 0;              // the newest message's sequence number; 0 when none
  // The caller's view.
  std::int64_t read_seq = 0;       // their read mark
  std::int64_t delivered_seq = 0;  // their delivered mark
  std::int64_t unread = 0;         // messages of others after their read mark
  std::optional<Message> last_message;  // the newest message; none when there is none
  Timestamp last_activity_at;  // the newest message's created_at, else the conversation's
  Timestamp created_at;
};

struct ConversationPage {
  std::vector<Conversation> items;  // newest activity first (last_activity_at, then id, descending)
  std::string next_cursor;          // empty when there is nothing older
};

// What a sender writes.
struct NewMessage {
  MessageKind kind = MessageKind::kText;
  std::string text;
  std::string reply_to_id;      // a message of the same conversation; empty when none
  std::string idempotency_key;  // 1-200 printable ASCII characters, chosen by the client
};


// What a sender of an image writes.
struct NewImageMessage {
  std::string_view bytes;       // the image, borrowed for the call
  std::string caption;          // optional text, as NewMessage::text but may be empty
  std::string reply_to_id;      // as NewMessage
  std::string idempotency_key;  // as NewMessage
};

struct MessagePage {
  std::vector<Message> items;  // newest first (seq descending)
  std::string next_cursor;     // empty when there is nothing older
};

// A member's marks in one conversation.
struct Receipt {
  std::string user_id;
  std::int64_t read_seq = 0;
  std::int64_t delivered_seq = 0;
  Timestamp updated_at;
  std::int64_t pos = 0;  // the stream position of the last move; 0 when the marks never moved
};

// One acknowledgement for MarkDeliveredBatch: `caller` received `message_id`.
struct DeliveredAck {
  Principal caller;
  std::string conversation_id;
  std::string message_id;
};

// What MarkDeliveredBatch did with one acknowledgement.
struct DeliveredOutcome {
  Status status;       // what MarkDelivered would have returned for it alone
  Receipt receipt;     // when ok: the caller's marks in the conversation after the whole batch
  bool moved = false;  // when ok: the message was beyond the caller's delivered mark before
  std::string sender_id;  // when ok: who sent the acknowledged message
};

struct ConversationUnread {
  std::string conversation_id;
  std::int64_t unread = 0;
};

struct UnreadCounts {
  std::int64_t total = 0;                        // the sum over every conversation of the user
  std::vector<ConversationUnread> conversations;  // those with unread messages, by id
};

// A read or delivered mark that moved forward, as a commit published it.
struct MarkChange {
  std::string conversation_id;
  Receipt receipt;  // the member's marks after the change (receipt.user_id: the member)
  bool read_moved = false;       // the read mark moved forward
  bool delivered_moved = false;  // the delivered mark moved forward
};

// What one commit of this engine's chat changed: the messages it wrote (in sequence order within
// each conversation; a resend answered with the stored message is not repeated) and the marks
// it moved.
struct ChatCommit {
  std::vector<Message> messages;
  std::vector<MarkChange> marks;
};

// Told of every commit of the engine's chat (Chat::AddObserver): how the hub routes messages
// sent over HTTP as well as over its own connections. Commits of other processes on the same
// database are not seen (between server processes they travel on the bus).
class EVENTIFY_EXPORT ChatObserver {
 public:
  virtual ~ChatObserver() = default;
  // Called once per commit that wrote a message or moved a mark, after the commit is durable,
  // on the committing thread (the commit pipeline's writer for messages, the caller of MarkRead
  // MarkDelivered or MarkDeliveredBatch for marks): it must be quick (hand the commit to another thread) and must
  // never call back into Chat. Message commits are reported in commit order; marks may be
  // reported concurrently from several threads.
  virtual void OnCommitted(const ChatCommit& commit) = 0;
};

// The most events one StreamAfter call returns.
inline constexpr int kMaxStreamLimit = 1000;

enum class StreamEventKind : int { kMessage, kMarks };

// One event of a user's stream.
struct StreamEvent {
  StreamEventKind kind = StreamEventKind::kMessage;
  std::int64_t pos = 0;
  std::string conversation_id;
  // kMessage: a message of someone else, and the user's unread count in its conversation as it
  // stood right after it (counted against the user's read mark now, so the last message of a
  // conversation in a page carries the conversation's unread count now).
  Message message;
  std::int64_t unread = 0;
  // kMarks: another member's marks as they are now (a member whose marks moved several times
  // since the position appears once, at the position of the last move).
  Receipt receipt;
};

struct StreamPage {
  std::vector<StreamEvent> events;  // by pos, oldest first; empty when resync
  std::int64_t position = 0;        // the stream's newest position when it was read
  // More than the limit happened after the position: nothing is returned, the client reloads
  // the conversations it shows through GetConversation/History and resumes from `position`.
  bool resync = false;
};

class EVENTIFY_EXPORT Chat {
 public:
  virtual ~Chat() = default;

  // Errors every call below may return besides its own: kPermissionDenied forbidden (the caller
  // has no account: the operator's principal, a deleted user).

  // The direct conversation of the caller and `other_user_id`, made if there is none (the rule
  // above decides whether the caller may start it).
  // Errors: kInvalidArgument self_conversation (field "user_id"); kNotFound user_not_found (field
  // "user_id"); kPermissionDenied user_blocked, conversation_not_allowed.
  virtual Result<Conversation> OpenDirect(const Principal& caller,
                                          std::string_view other_user_id) = 0;

  // The room of `event_id`, made if there is none yet.
  // Errors: kNotFound event_not_found; kFailedPrecondition event_room_unavailable (the event is
  // not approved or completed: a draft, pending, rejected or cancelled event has no room to
  // open); kPermissionDenied not_a_member.
  virtual Result<Conversation> OpenEventRoom(const Principal& caller, std::string_view event_id) = 0;

  // The caller's conversations (direct ones and the rooms they are a member of now), with their
  // marks, unread counts and last messages, newest activity first: `limit` of them after
  // `cursor` (empty: from the newest; otherwise a next_cursor this call returned). A conversation
  // whose activity changes between two pages may be seen twice or not at all on the later page.
  // Errors: kInvalidArgument invalid_limit (1-100), invalid_cursor.
  virtual Result<ConversationPage> ListConversations(const Principal& caller,
                                                     std::string_view cursor, int limit) = 0;

  // A conversation of the caller's, with their marks and unread count.
  // Errors: kNotFound conversation_not_found; kPermissionDenied not_a_member.
  virtual Result<Conversation> GetConversation(const Principal& caller,
                                               std::string_view conversation_id) = 0;

  // Writes a message and returns it once durable (a resend with the same key: the stored one).
  // Errors: checked before anything is read: kInvalidArgument empty_message (field "text"),
  // message_too_long (field "text"), invalid_text (field "text": not UTF-8, or control
  // characters), invalid_idempotency_key (field "idempotency_key"), invalid_kind (field "kind");
  // then, in the commit: kAlreadyExists idempotency_key_reused; kNotFound conversation_not_found;
  // kPermissionDenied not_a_member, user_blocked (the sender or, in a direct conversation, the
  // other participant), forbidden (an announcement by anyone but the room's organizer);
  // kFailedPrecondition not_an_event_room (an announcement in a direct conversation); kNotFound
  // message_not_found (field "reply_to_id": no such message in this conversation);
  // kPermissionDenied announcement_read_only; kUnavailable pipeline_full.
  virtual Result<Message> Send(const Principal& sender, std::string_view conversation_id,
                               const NewMessage& message) = 0;

  // Writes an image message (the rules above) and returns it once durable.
  // Errors: checked before anything is read or stored: kInvalidArgument message_too_long,
  // invalid_text (field "caption"), invalid_idempotency_key, empty_image (field "image");
  // kPayloadTooLarge image_too_large (field "image": above kMaxChatImageBytes);
  // kUnsupportedMediaType unsupported_image (field "image": not a PNG, JPEG or WebP); then those
  // of Send (kind is kText); kUnavailable when the media store fails.
  virtual Result<Message> SendImage(const Principal& sender, std::string_view conversation_id,
                                    const NewImageMessage& image) = 0;

  // Send without waiting: returns at once and calls `done` exactly once with what Send would
  // have returned. `done` runs on the calling thread when the message is refused before it is
  // queued (the checks done before anything is read, pipeline_full), otherwise on the commit
  // pipeline's writer thread after the commit: it must be quick and must never call back into
  // Chat. A caller with many messages to write submits them all and lets them share commits.
  using SendDone = std::function<void(Result<Message>)>;
  virtual void SendAsync(const Principal& sender, std::string_view conversation_id,
                         const NewMessage& message, SendDone done) = 0;

  // History, newest first: `limit` messages older than `cursor` (empty: from the newest; otherwise
  // a next_cursor this call returned for this conversation).
  // Errors: kInvalidArgument invalid_limit (1-100), invalid_cursor; kNotFound
  // conversation_not_found; kPermissionDenied not_a_member.
  virtual Result<MessagePage> History(const Principal& caller, std::string_view conversation_id,
                                      std::string_view cursor, int limit) = 0;

  // Up to `limit` messages with a sequence number above `after_seq`, oldest first: what a client
  // that saw everything up to `after_seq` missed.
  // Errors: kInvalidArgument invalid_limit (1-100), invalid_position (field "after_seq": negative);
  // kNotFound conversation_not_found; kPermissionDenied not_a_member.
  virtual Result<std::vector<Message>> MessagesAfter(const Principal& caller,
                                                     std::string_view conversation_id,
                                                     std::int64_t after_seq, int limit) = 0;

  // The caller has read everything up to and including `message_id` (their read mark moves there
  // unless it is already further; so does their delivered mark). Returns their marks.
  // Errors: kNotFound conversation_not_found, message_not_found (field "message_id": not a
  // message of this conversation); kPermissionDenied not_a_member.
  virtual Result<Receipt> MarkRead(const Principal& caller, std::string_view conversation_id,
                                   std::string_view message_id) = 0;

  // A connection of the caller received everything up to `message_id` (their delivered mark
  // moves there unless it is already further). Returns their marks. Errors: as MarkRead.
  virtual Result<Receipt> MarkDelivered(const Principal& caller, std::string_view conversation_id,
                                        std::string_view message_id) = 0;

  // Many MarkDelivered at once, for any number of callers, in one read-write transaction (the
  // hub batches its clients' `delivered` acknowledgements so that a busy room does not cost one
  // transaction per frame): each caller's delivered mark in each conversation moves to the
  // highest of their acknowledged messages there. Returns one outcome per acknowledgement, in
  // order; an acknowledgement MarkDelivered would refuse (its codes: forbidden,
  // conversation_not_found, not_a_member, message_not_found) gets that status and changes
  // nothing, the others apply. Errors of the whole batch (nothing applied): the storage's.
  virtual Result<std::vector<DeliveredOutcome>> MarkDeliveredBatch(
      std::span<const DeliveredAck> acks) = 0;

  // The marks of the conversation's members that have any, by user id (what "read" and
  // "delivered" ticks are drawn from). Errors: kNotFound conversation_not_found;
  // kPermissionDenied not_a_member.
  virtual Result<std::vector<Receipt>> ListReceipts(const Principal& caller,
                                                    std::string_view conversation_id) = 0;

  // The caller's unread messages per conversation and in total, over every conversation they
  // are a member of now.
  virtual Result<UnreadCounts> GetUnreadCounts(const Principal& caller) = 0;

  // Registers `observer` for every commit from now on until RemoveObserver; the chat does not own
  // it. Returns the handle RemoveObserver takes.
  virtual std::uint64_t AddObserver(ChatObserver* observer) = 0;
  // Unregisters; returns once no call to that observer is running. Never call it from
  // OnCommitted. An unknown handle is ignored.
  virtual void RemoveObserver(std::uint64_t handle) = 0;

  // The stream's newest position: where a client that has just loaded what it shows resumes
  // from.
  virtual Result<std::int64_t> StreamPosition(const Principal& caller) = 0;

  // The events of the caller's stream with a position above `after_pos`, oldest first, when
  // there are at most `limit` of them; otherwise none and resync. Read in one snapshot, in a
  // bounded number of statements (docs/chat.md). Errors: kInvalidArgument invalid_limit
  // (1-kMaxStreamLimit, field "limit"), invalid_position (field "after_pos": negative, or above
  // the stream's newest position: a position this database never gave, for instance one from a
  // database restored from an older backup; the client reloads and starts from StreamPosition).
  virtual Result<StreamPage> StreamAfter(const Principal& caller, std::int64_t after_pos,
                                         int limit) = 0;
};

}  // namespace eventify
