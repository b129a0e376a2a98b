// SociChatStore: spi::ChatStore over the chat_conversations, chat_messages and chat_read_marks
// tables of migration 17 ("chat", with the image columns of migration 18) and chat_stream of migration 19, reading the users of migration 1, the events of migration 8
//
// Valid only inside the transaction body that received it. Thread-safety: none (see
// TransactionContext).
#pragma once

#include "eventify/spi/chat_store.h"
#include "storage/soci/transaction_context.h"

namespace eventify::storage {

class SociChatStore final : public spi::ChatStore {
 public:
  explicit SociChatStore(TransactionContext& context) : context_(context) {}

  Result<std::vector<spi::ChatUser>> FindChatUsers(std::span<const std::string> ids) override;
  Result<bool> HoldsBookingOfOrganizer(std::string_view holder_id,
                                       std::string_view organizer_id) override;
  Result<std::vector<std::pair<std::string, std::string>>> FindConfirmedHolders(
      std::span<const std::string> event_ids, std::span<const std::string> user_ids) override;

  Status InsertConversation(const spi::ConversationRecord& conversation) override;
  Result<spi::ConversationRecord> FindConversation(std::string_view id) override;
  Result<spi::ConversationRecord> FindConversationByKey(std::string_view key) override;
  Result<std::vector<spi::ConversationRecord>> LockConversations(
      std::span<const std::string> ids) override;

  Result<std::vector<std::pair<std::string, std::int64_t>>> LastSequences(
      std::span<const std::string> ids) override;
  Status InsertMessages(std::span<const spi::MessageRecord> messages) override;
  Result<std::vector<spi::MessageRecord>> FindMessages(std::span<const std::string> ids) override;
  Result<std::vector<spi::MessageRecord>> FindMessagesByRequestKey(
      std::span<const std::string> keys) override;
  Result<std::vector<Message>> ListMessagesBefore(std::string_view conversation_id,
                                                  std::optional<std::int64_t> before_seq,
                                                  int limit) override;
  Result<std::vector<Message>> ListMessagesAfter(std::string_view conversation_id,
                                                 std::int64_t after_seq, int limit) override;

  Result<std::vector<Message>> ListLastMessages(std::span<const std::string> ids) override;

  Result<spi::ReadMark> AdvanceMarks(std::string_view conversation_id, std::string_view user_id,
                                     std::int64_t read_seq, std::int64_t delivered_seq,
                                     Timestamp at, std::int64_t pos) override;
  Result<spi::ReadMark> FindMarks(std::string_view conversation_id,
                                  std::string_view user_id) override;
  Result<std::vector<spi::ReadMark>> ListMarks(std::string_view conversation_id) override;
  Result<std::int64_t> CountUnread(std::string_view conversation_id, std::string_view user_id,
                                   std::int64_t after_seq) override;
  Result<std::int64_t> CountUnreadThrough(std::string_view conversation_id,
                                          std::string_view user_id, std::int64_t after_seq,
                                          std::int64_t through_seq) override;
  Result<std::vector<std::pair<std::string, std::int64_t>>> CountUnreadByConversation(
      std::string_view user_id) override;
  Result<std::vector<std::int64_t>> CountUnreadTotals(
      std::span<const std::string> user_ids) override;
  Result<std::int64_t> TakePositions(std::int64_t count) override;
  Result<std::int64_t> StreamPosition() override;
  Result<std::vector<Message>> ListStreamMessages(std::string_view user_id, std::int64_t after_pos,
                                                  int limit) override;
  Result<std::vector<spi::ReadMark>> ListStreamMarks(std::string_view user_id,
                                                     std::int64_t after_pos, int limit) override;
  Result<std::vector<spi::ConversationActivity>> ListConversationsOf(
      std::string_view user_id, const std::optional<spi::ActivityPosition>& after,
      int limit) override;
  Result<std::vector<std::string>> ListContacts(std::string_view user_id) override;

 private:
  // FindConfirmedHolders on SQLite (chat_store.cc says how).
  Result<std::vector<std::pair<std::string, std::string>>> SqliteConfirmedHolders(
      std::span<const std::string> event_ids, std::span<const std::string> user_ids);

  TransactionContext& context_;
};

}  // namespace eventify::storage
