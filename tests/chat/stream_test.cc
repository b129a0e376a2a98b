// The stream (Chat::StreamPosition, Chat::StreamAfter; docs/chat.md "Stream positions"):
// positions on every message and every move of a mark, in commit order; a user's stream of others'
// messages (with their unread counts) and others' marks, oldest first, over the conversations
// they are a member of now; resync beyond the limit; and the limits and positions refused.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "chat/chat_fixture.h"

namespace eventify {
inline std::ostream& operator<<(std::ostream& out, StreamEventKind kind) {
  return out << (kind == StreamEventKind::kMessage ? "message" : "marks");
}
}  // namespace eventify

namespace eventify::testing {
namespace {

using Code = StatusCode;

BOOST_FIXTURE_TEST_SUITE(stream, ChatFixture)

BOOST_AUTO_TEST_CASE(messages_and_mark_moves_take_increasing_positions_that_are_stored) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  BOOST_TEST(ValueOrFail(chat().StreamPosition(ann)) == 0);
  const Message first = Send(ann, direct, "one", "k1");
  const Message second = Send(organizer, direct, "two", "k2");
  BOOST_TEST(first.pos == 1);
  BOOST_TEST(second.pos == 2);
  // A resend returns the stored message with its position, and takes none.
  BOOST_TEST(ValueOrFail(chat().Send(ann, direct.id, Text("one", "k1"))).pos == 1);
  const std::vector<Message> stored = ValueOrFail(chat().MessagesAfter(ann, direct.id, 0, 10));
  BOOST_REQUIRE_EQUAL(stored.size(), 2u);
  BOOST_TEST(stored[0].pos == 1);
  BOOST_TEST(stored[1].pos == 2);

  const Receipt delivered = ValueOrFail(chat().MarkDelivered(ann, direct.id, second.id));
  BOOST_TEST(delivered.pos == 3);
  const Receipt read = ValueOrFail(chat().MarkRead(ann, direct.id, second.id));
  BOOST_TEST(read.pos == 4);
  // Marking again, or an older message, moves nothing and takes no position.
  BOOST_TEST(ValueOrFail(chat().MarkRead(ann, direct.id, first.id)).pos == 4);
  BOOST_TEST(ValueOrFail(chat().MarkDelivered(ann, direct.id, second.id)).pos == 4);
  BOOST_TEST(ValueOrFail(chat().StreamPosition(organizer)) == 4);
  const std::vector<Receipt> receipts = ValueOrFail(chat().ListReceipts(organizer, direct.id));
  BOOST_REQUIRE_EQUAL(receipts.size(), 1u);
  BOOST_TEST(receipts[0].pos == 4);
}

BOOST_AUTO_TEST_CASE(the_stream_is_others_messages_and_marks_oldest_first_with_unread_counts) {
  const Event event = BookedEvent({ann, bob});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const Conversation room = ValueOrFail(chat().OpenEventRoom(organizer, event.id));
  const Message before = Send(organizer, direct, "before", "o0");  // 1
  const std::int64_t after = ValueOrFail(chat().StreamPosition(ann));
  BOOST_TEST(after == 1);

  const Message q1 = Send(organizer, direct, "q1", "o1");        // 2
  Send(ann, direct, "mine", "a1");                                 // 3: her own
  const Message r1 = Send(bob, room, "r1", "b1");                 // 4
  const Message q2 = Send(organizer, direct, "q2", "o2");         // 5
  ValueOrFail(chat().MarkRead(ann, direct.id, q1.id));             // 6: her own mark
  ValueOrFail(chat().MarkRead(organizer, room.id, r1.id));         // 7
  const Message r2 = Send(organizer, room, "r2", "o3");           // 8
  ValueOrFail(chat().MarkDelivered(organizer, room.id, r2.id));    // 9: the same marks again
  ValueOrFail(chat().MarkRead(ann, direct.id, before.id));         // moves nothing
  const Conversation other = ValueOrFail(chat().OpenDirect(bob, organizer.user_id));
  Send(organizer, other, "not for ann", "o4");                    // 10: not her conversation

  const StreamPage page = ValueOrFail(chat().StreamAfter(ann, after, 100));
  BOOST_TEST(page.position == 10);
  BOOST_TEST(!page.resync);
  BOOST_REQUIRE_EQUAL(page.events.size(), 5u);
  const std::vector<std::int64_t> positions = {2, 4, 5, 8, 9};
  for (std::size_t i = 0; i < positions.size(); ++i) {
    BOOST_TEST(page.events[i].pos == positions[i]);
  }
  const std::vector<std::pair<std::string, std::int64_t>> messages = {
      {q1.id, 0}, {r1.id, 1}, {q2.id, 1}, {r2.id, 2}};  // unread against her read mark now
  for (std::size_t i = 0; i < messages.size(); ++i) {
    BOOST_TEST_CONTEXT("event " << i) {
      BOOST_TEST(page.events[i].kind == StreamEventKind::kMessage);
      BOOST_TEST(page.events[i].message.id == messages[i].first);
      BOOST_TEST(page.events[i].message.pos == page.events[i].pos);
      BOOST_TEST(page.events[i].unread == messages[i].second);
    }
  }
  BOOST_TEST(page.events[0].conversation_id == direct.id);
  BOOST_TEST(page.events[1].conversation_id == room.id);
  BOOST_TEST(page.events[1].message.sender_id == bob.user_id);
  BOOST_TEST(page.events[1].message.text == "r1");
  // The organizer's marks in the room moved twice: once, at the last move, as they are now.
  const StreamEvent& marks = page.events[4];
  BOOST_TEST(marks.kind == StreamEventKind::kMarks);
  BOOST_TEST(marks.conversation_id == room.id);
  BOOST_TEST(marks.receipt.user_id == organizer.user_id);
  BOOST_TEST(marks.receipt.read_seq == r1.seq);
  BOOST_TEST(marks.receipt.delivered_seq == r2.seq);
  BOOST_TEST(marks.receipt.pos == 9);

  // From a later position, only what came after it.
  const StreamPage later = ValueOrFail(chat().StreamAfter(ann, 5, 100));
  BOOST_REQUIRE_EQUAL(later.events.size(), 2u);
  BOOST_TEST(later.events[0].pos == 8);
  BOOST_TEST(later.events[1].pos == 9);
  // Caught up: nothing, no resync.
  const StreamPage none = ValueOrFail(chat().StreamAfter(ann, 10, 100));
  BOOST_TEST(none.events.empty());
  BOOST_TEST(!none.resync);
  BOOST_TEST(none.position == 10);
}

BOOST_AUTO_TEST_CASE(the_stream_covers_the_rooms_a_user_is_a_member_of_now) {
  const Event event = BookedEvent({ann});
  const Booking booking = Book(event, bob);
  const Conversation room = ValueOrFail(chat().OpenEventRoom(ann, event.id));
  ValueOrFail(bookings().Cancel(bob, booking.id));
  const std::int64_t after = ValueOrFail(chat().StreamPosition(bob));
  const Message missed = Send(ann, room, "while bob was out", "a1");
  BOOST_TEST(ValueOrFail(chat().StreamAfter(bob, after, 100)).events.empty());
  // Booking again: the room's events since the position are his again.
  ValueOrFail(bookings().BookAndPay(bob, Request(event, 1, "again")));
  const StreamPage page = ValueOrFail(chat().StreamAfter(bob, after, 100));
  BOOST_REQUIRE_EQUAL(page.events.size(), 1u);
  BOOST_TEST(page.events[0].message.id == missed.id);
  BOOST_TEST(page.events[0].unread == 1);
}

BOOST_AUTO_TEST_CASE(more_than_the_limit_asks_for_a_resync) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  for (int i = 1; i <= 3; ++i) Send(organizer, direct, "m" + std::to_string(i), std::to_string(i));
  const StreamPage all = ValueOrFail(chat().StreamAfter(ann, 0, 3));
  BOOST_TEST(!all.resync);
  BOOST_TEST(all.events.size() == 3u);
  const StreamPage too_many = ValueOrFail(chat().StreamAfter(ann, 0, 2));
  BOOST_TEST(too_many.resync);
  BOOST_TEST(too_many.events.empty());
  BOOST_TEST(too_many.position == 3);
  // Marks count too.
  const Message answer = Send(ann, direct, "answer", "a1");
  ValueOrFail(chat().MarkRead(organizer, direct.id, answer.id));
  BOOST_TEST(ValueOrFail(chat().StreamAfter(organizer, 0, 2)).events.size() == 1u);  // the answer
  BOOST_TEST(ValueOrFail(chat().StreamAfter(ann, 0, 3)).resync);  // 1, 2, 3 and the mark at 5
  BOOST_TEST(ValueOrFail(chat().StreamAfter(ann, 0, 4)).events.size() == 4u);
}

BOOST_AUTO_TEST_CASE(bad_limits_and_positions_are_refused) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  Send(organizer, direct, "m", "k");
  ExpectError(chat().StreamAfter(ann, 0, 0), Code::kInvalidArgument, "invalid_limit", "limit");
  ExpectError(chat().StreamAfter(ann, 0, kMaxStreamLimit + 1), Code::kInvalidArgument,
              "invalid_limit", "limit");
  BOOST_TEST(ValueOrFail(chat().StreamAfter(ann, 0, kMaxStreamLimit)).events.size() == 1u);
  ExpectError(chat().StreamAfter(ann, -1, 10), Code::kInvalidArgument, "invalid_position",
              "after_pos");
  ExpectError(chat().StreamAfter(ann, 2, 10), Code::kInvalidArgument, "invalid_position",
              "after_pos");
  const Principal operator_principal{"", Role::kAdmin, "s-operator"};
  ExpectError(chat().StreamAfter(operator_principal, 0, 10), Code::kPermissionDenied, "forbidden");
  ExpectError(chat().StreamPosition(operator_principal), Code::kPermissionDenied, "forbidden");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
