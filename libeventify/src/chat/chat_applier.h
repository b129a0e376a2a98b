// ChatApplier: the chat area's applier of the commit pipeline (storage/commit_pipeline.h). It
// writes messages many per commit: a batch locks each conversation it writes into once (in id
// order), reads each one's newest sequence number once, numbers the messages in memory in arrival
// order and inserts them all with one statement, so a message is acknowledged only once durable
// and a conversation's numbers have no gaps and no duplicates under any number of writers. Last,
// it takes one stream position per new message from the stream counter (one statement per
// batch), which orders the batches by commit (docs/chat.md, "Stream positions").
//
// Every rule is checked against rows read once per batch, whatever its size: the senders' and
// direct participants' accounts (blocked or not), the confirmed bookings that make senders
// members of event rooms, the messages replied to, and the idempotency keys already used. The
// rules, in the order they are checked for each message (eventify/chat.h): a replayed key
// (the stored message, or idempotency_key_reused); the conversation exists
// (conversation_not_found); the sender has an account (forbidden) and is a member
// (not_a_member); nobody involved is blocked (user_blocked); an announcement is the room
// organizer's (not_an_event_room, forbidden); a reply names a message of the conversation
// (message_not_found) that is not an announcement, unless the sender is the organizer
// (announcement_read_only).
//
// After each commit, the messages it wrote (not a resend's stored one) are published to the
// chat's observers (chat/chat_observers.h), once per batch, in commit order.
//
// Thread-safety: ApplyBatch runs on the pipeline's writer threads, one batch at a time per
// thread; the applier keeps no state between batches and may serve several writers at once.
#pragma once

#include <optional>
#include <string>

#include "eventify/chat.h"
#include "chat/chat_observers.h"
#include "eventify/spi/clock.h"
#include "storage/commit_pipeline.h"

namespace eventify::chat {

// One Send waiting in the pipeline.
struct MessageOperation final : storage::BatchOperation {
  std::string sender_id;
  std::string conversation_id;
  NewMessage message;       // its text normalized
  std::optional<MessageImage> image;  // an image message's image, stored already (no url)
  std::string request_key;  // "<sender id>:<idempotency key>"
  std::string new_id;       // the id the message gets if it is written

  Message result;  // when OK: the message written, or the stored one a resend names
  bool written = false;  // this operation wrote `result` (not a resend)
};

// Whether a resend asks for what the stored message is: the same conversation, kind, text, reply
// and image bytes (by digest).
bool SameRequest(const MessageOperation& op, const Message& stored);

// kAlreadyExists idempotency_key_reused (field "idempotency_key").
Status KeyReused();

class ChatApplier final : public storage::BatchApplier {
 public:
  // `clock` (the creation time of messages) and `observers` must outlive the applier.
  ChatApplier(const spi::Clock& clock, ChatObservers& observers)
      : clock_(clock), observers_(observers) {}

  Status ApplyBatch(spi::Transaction& tx, storage::BatchContext& context,
                    std::span<storage::BatchOperation* const> operations) override;
  void Committed(std::span<storage::BatchOperation* const> operations) override;
  // The hub routes a conversation's messages, and answers their senders, in sequence order.
  bool FinishesInOrder() const override { return true; }

 private:
  const spi::Clock& clock_;
  ChatObservers& observers_;
};

}  // namespace eventify::chat
