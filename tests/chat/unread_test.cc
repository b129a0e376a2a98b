// Unread counts, read and delivered receipts, and sequence numbers that stay exact while many
// threads send into one conversation at once.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "chat/chat_fixture.h"

namespace eventify::testing {
namespace {

using Code = StatusCode;

BOOST_FIXTURE_TEST_SUITE(unread, ChatFixture)

BOOST_AUTO_TEST_CASE(read_receipts_lower_unread_counts_and_only_move_forward) {
  const Event event = BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const Conversation room = ValueOrFail(chat().OpenEventRoom(organizer, event.id));
  std::vector<Message> sent;
  for (int i = 1; i <= 5; ++i) sent.push_back(Send(ann, direct, "q" + std::to_string(i), "q" + std::to_string(i)));
  Send(organizer, direct, "answer", "o1");
  Send(ann, room, "room one", "r1");
  Send(ann, room, "room two", "r2");

  BOOST_TEST(Unread(organizer, direct) == 5);
  BOOST_TEST(Unread(ann, direct) == 1);
  UnreadCounts counts = ValueOrFail(chat().GetUnreadCounts(organizer));
  BOOST_TEST(counts.total == 7);
  BOOST_REQUIRE(counts.conversations.size() == 2u);
  std::map<std::string, std::int64_t> by_id;
  for (const ConversationUnread& c : counts.conversations) by_id[c.conversation_id] = c.unread;
  BOOST_TEST(by_id[direct.id] == 5);
  BOOST_TEST(by_id[room.id] == 2);

  // Delivered first: the unread count stays.
  Receipt receipt = ValueOrFail(chat().MarkDelivered(organizer, direct.id, sent[4].id));
  BOOST_TEST(receipt.user_id == organizer.user_id);
  BOOST_TEST(receipt.delivered_seq == 5);
  BOOST_TEST(receipt.read_seq == 0);
  BOOST_TEST(Unread(organizer, direct) == 5);

  clock->Advance(std::chrono::seconds(1));
  receipt = ValueOrFail(chat().MarkRead(organizer, direct.id, sent[2].id));
  BOOST_TEST(receipt.read_seq == 3);
  BOOST_TEST(receipt.delivered_seq == 5);
  BOOST_TEST((receipt.updated_at == clock->Now()));
  BOOST_TEST(Unread(organizer, direct) == 2);
  BOOST_TEST(TotalUnread(organizer) == 4);

  // An older message does not move the marks back.
  receipt = ValueOrFail(chat().MarkRead(organizer, direct.id, sent[0].id));
  BOOST_TEST(receipt.read_seq == 3);
  BOOST_TEST(Unread(organizer, direct) == 2);

  // Reading up to one's own message covers everything before it.
  const Conversation seen = ValueOrFail(chat().GetConversation(organizer, direct.id));
  BOOST_TEST(seen.read_seq == 3);
  BOOST_TEST(seen.delivered_seq == 5);
  BOOST_TEST(seen.last_seq == 6);
  const std::vector<Message> last = ValueOrFail(chat().MessagesAfter(organizer, direct.id, 5, 1));
  ValueOrFail(chat().MarkRead(organizer, direct.id, last.front().id));
  BOOST_TEST(Unread(organizer, direct) == 0);
  BOOST_TEST(TotalUnread(organizer) == 2);

  const std::vector<Receipt> receipts = ValueOrFail(chat().ListReceipts(ann, direct.id));
  BOOST_REQUIRE(receipts.size() == 1u);
  BOOST_TEST(receipts[0].user_id == organizer.user_id);
  BOOST_TEST(receipts[0].read_seq == 6);
  BOOST_TEST(receipts[0].delivered_seq == 6);

  // A message of another conversation is no mark here.
  const Message in_room = ValueOrFail(chat().MessagesAfter(ann, room.id, 0, 1)).front();
  ExpectError(chat().MarkRead(organizer, direct.id, in_room.id), Code::kNotFound,
              "message_not_found", "message_id");
  ExpectError(chat().MarkDelivered(organizer, direct.id, "no-such-id"), Code::kNotFound,
              "message_not_found", "message_id");
}

// Eight members each send kPerSender messages into one room at the same time, while the
// organizer reads along; the numbers and counts afterwards are exact.
BOOST_AUTO_TEST_CASE(counts_and_sequence_numbers_are_exact_under_concurrent_senders) {
  constexpr int kSenders = 8;
  constexpr int kPerSender = 25;
  std::vector<Principal> members;
  for (int i = 0; i < kSenders; ++i) {
    const Principal p{"sender-" + std::to_string(i), Role::kAttendee, "s-" + std::to_string(i)};
    AddAccount(p);
    members.push_back(p);
  }
  const Event event = BookedEvent(members);
  const Conversation room = ValueOrFail(chat().OpenEventRoom(organizer, event.id));

  std::atomic<int> failures{0};
  std::atomic<bool> stop_reading{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kSenders; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < kPerSender; ++n) {
        const std::string key = "m-" + std::to_string(n);
        auto sent = chat().Send(members[i], room.id, Text("message " + key, key));
        if (!sent.ok()) ++failures;
        // Every few messages, a resend of the one before: it must not count twice.
        if (n % 5 == 4 && !chat().Send(members[i], room.id, Text("message " + key, key)).ok()) {
          ++failures;
        }
      }
    });
  }
  std::thread reader([&] {
    std::int64_t previous = 0;
    while (!stop_reading) {
      auto counts = chat().GetUnreadCounts(organizer);
      if (!counts.ok() || counts->total < previous) ++failures;  // never goes back while unread
      if (counts.ok()) previous = counts->total;
    }
  });
  for (std::thread& t : threads) t.join();
  stop_reading = true;
  reader.join();
  BOOST_TEST(failures == 0);

  constexpr std::int64_t kTotal = kSenders * kPerSender;
  const Conversation after = ValueOrFail(chat().GetConversation(organizer, room.id));
  BOOST_TEST(after.last_seq == kTotal);
  BOOST_TEST(after.unread == kTotal);
  BOOST_TEST(TotalUnread(organizer) == kTotal);
  for (const Principal& member : members) {
    BOOST_TEST(Unread(member, room) == kTotal - kPerSender);
    BOOST_TEST(TotalUnread(member) == kTotal - kPerSender);
  }
  // Every number from 1 to the total exactly once; each sender's messages in the order sent.
  std::set<std::int64_t> seqs;
  std::map<std::string, int> next_of;
  std::int64_t after_seq = 0;
  for (;;) {
    const std::vector<Message> page =
        ValueOrFail(chat().MessagesAfter(organizer, room.id, after_seq, 100));
    if (page.empty()) break;
    for (const Message& m : page) {
      seqs.insert(m.seq);
      BOOST_TEST(m.text == "message m-" + std::to_string(next_of[m.sender_id]++));
    }
    after_seq = page.back().seq;
  }
  BOOST_TEST(seqs.size() == static_cast<std::size_t>(kTotal));
  BOOST_TEST(*seqs.begin() == 1);
  BOOST_TEST(*seqs.rbegin() == kTotal);

  // Reading half of it lowers the count by exactly what was read.
  const std::vector<Message> upto = ValueOrFail(chat().MessagesAfter(organizer, room.id, 99, 1));
  ValueOrFail(chat().MarkRead(organizer, room.id, upto.front().id));
  BOOST_TEST(Unread(organizer, room) == kTotal - 100);
  BOOST_TEST(TotalUnread(organizer) == kTotal - 100);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
