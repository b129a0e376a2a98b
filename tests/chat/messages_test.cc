// Messages: the text rules, idempotent resends, order by sequence number, history by cursor and
// what a client missed after a position.
#include <boost/test/unit_test.hpp>

#include "chat/chat_fixture.h"

namespace eventify::testing {
namespace {

using Code = StatusCode;

struct MessagesFixture : ChatFixture {
  MessagesFixture() {
    BookedEvent({ann});
    direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  }
  Conversation direct;
};

BOOST_FIXTURE_TEST_SUITE(messages, MessagesFixture)

BOOST_AUTO_TEST_CASE(a_message_is_stored_trimmed_with_the_next_sequence_number) {
  const Message m = ValueOrFail(chat().Send(ann, direct.id, Text("  Hello there\n", "k1")));
  BOOST_TEST(!m.id.empty());
  BOOST_TEST(m.conversation_id == direct.id);
  BOOST_TEST(m.seq == 1);
  BOOST_TEST(m.sender_id == ann.user_id);
  BOOST_TEST(m.kind == MessageKind::kText);
  BOOST_TEST(m.text == "Hello there");
  BOOST_TEST(m.reply_to_id.empty());
  BOOST_TEST(m.idempotency_key == "k1");
  BOOST_TEST((m.created_at == clock->Now()));
  const Message reply = ValueOrFail(
      chat().Send(organizer, direct.id, Text("Hi ann,\n\tline two", "k1", m.id)));
  BOOST_TEST(reply.seq == 2);
  BOOST_TEST(reply.reply_to_id == m.id);
  BOOST_TEST(reply.text == "Hi ann,\n\tline two");
  const std::vector<Message> all = ValueOrFail(chat().MessagesAfter(ann, direct.id, 0, 10));
  BOOST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0].id == m.id);
  BOOST_TEST(all[1].id == reply.id);
  BOOST_TEST(all[1].sender_id == organizer.user_id);
}

BOOST_AUTO_TEST_CASE(bad_text_and_keys_are_refused_before_anything_is_written) {
  ExpectError(chat().Send(ann, direct.id, Text("   \n ", "k")), Code::kInvalidArgument,
              "empty_message", "text");
  ExpectError(chat().Send(ann, direct.id, Text("", "k")), Code::kInvalidArgument,
              "empty_message", "text");
  ExpectError(chat().Send(ann, direct.id, Text(std::string(kMaxMessageChars + 1, 'a'), "k")),
              Code::kInvalidArgument, "message_too_long", "text");
  ExpectError(chat().Send(ann, direct.id, Text("bad \xff byte", "k")), Code::kInvalidArgument,
              "invalid_text", "text");
  ExpectError(chat().Send(ann, direct.id, Text("bell \a", "k")), Code::kInvalidArgument,
              "invalid_text", "text");
  ExpectError(chat().Send(ann, direct.id, Text("hi", "")), Code::kInvalidArgument,
              "invalid_idempotency_key", "idempotency_key");
  ExpectError(chat().Send(ann, direct.id, Text("hi", "with space")), Code::kInvalidArgument,
              "invalid_idempotency_key", "idempotency_key");
  ExpectError(chat().Send(ann, direct.id, Text("hi", std::string(201, 'k'))),
              Code::kInvalidArgument, "invalid_idempotency_key", "idempotency_key");
  // Exactly the limit, in multi-byte characters, is fine.
  std::string longest;
  for (std::size_t i = 0; i < kMaxMessageChars; ++i) longest += "\xc3\xa9";  // é
  BOOST_TEST(ValueOrFail(chat().Send(ann, direct.id, Text(longest, "long"))).seq == 1);
  ExpectError(chat().Send(ann, direct.id, Text("hi", "k", "no-such-message")), Code::kNotFound,
              "message_not_found", "reply_to_id");
  ExpectError(chat().Send(ann, direct.id, Announcement("Hear ye", "ann1")),
              Code::kFailedPrecondition, "not_an_event_room", "kind");
  BOOST_TEST(ValueOrFail(chat().GetConversation(ann, direct.id)).last_seq == 1);
}

BOOST_AUTO_TEST_CASE(a_resend_with_the_same_key_returns_the_stored_message) {
  const Message first = Send(ann, direct, "Are we on?", "resend-1");
  clock->Advance(std::chrono::seconds(5));
  const Message again = Send(ann, direct, "Are we on?", "resend-1");
  BOOST_TEST(again.id == first.id);
  BOOST_TEST(again.seq == first.seq);
  BOOST_TEST((again.created_at == first.created_at));
  // The key is the sender's: the organizer's message with the same key is another one.
  const Message theirs = Send(organizer, direct, "Are we on?", "resend-1");
  BOOST_TEST(theirs.id != first.id);
  BOOST_TEST(theirs.seq == 2);
  // The same key with another text, reply or conversation is refused.
  ExpectError(chat().Send(ann, direct.id, Text("Something else", "resend-1")),
              Code::kAlreadyExists, "idempotency_key_reused", "idempotency_key");
  ExpectError(chat().Send(ann, direct.id, Text("Are we on?", "resend-1", theirs.id)),
              Code::kAlreadyExists, "idempotency_key_reused", "idempotency_key");
  const Event room_event = BookedEvent({bob});
  Book(room_event, ann);
  const Conversation room = ValueOrFail(chat().OpenEventRoom(ann, room_event.id));
  ExpectError(chat().Send(ann, room.id, Text("Are we on?", "resend-1")), Code::kAlreadyExists,
              "idempotency_key_reused", "idempotency_key");
  BOOST_TEST(ValueOrFail(chat().GetConversation(ann, direct.id)).last_seq == 2);
  BOOST_TEST(ValueOrFail(chat().GetConversation(ann, room.id)).last_seq == 0);
  BOOST_TEST(Unread(organizer, direct) == 1);
}

BOOST_AUTO_TEST_CASE(history_pages_newest_first_by_cursor_and_resumes_after_a_position) {
  std::vector<Message> sent;
  for (int i = 1; i <= 7; ++i) {
    const Principal& who = i % 2 ? ann : organizer;
    sent.push_back(Send(who, direct, "message " + std::to_string(i), "h" + std::to_string(i)));
    BOOST_TEST(sent.back().seq == i);
  }
  std::vector<std::int64_t> seen;
  std::string cursor;
  int pages = 0;
  do {
    const MessagePage page = ValueOrFail(chat().History(organizer, direct.id, cursor, 3));
    for (const Message& m : page.items) seen.push_back(m.seq);
    cursor = page.next_cursor;
    ++pages;
  } while (!cursor.empty());
  BOOST_TEST(pages == 3);
  BOOST_TEST((seen == std::vector<std::int64_t>{7, 6, 5, 4, 3, 2, 1}));
  const MessagePage first = ValueOrFail(chat().History(ann, direct.id, "", 7));
  BOOST_TEST(first.items.size() == 7u);
  BOOST_TEST(first.next_cursor.empty());
  BOOST_TEST(first.items.front().text == "message 7");

  const std::vector<Message> missed = ValueOrFail(chat().MessagesAfter(ann, direct.id, 4, 2));
  BOOST_REQUIRE(missed.size() == 2u);
  BOOST_TEST(missed[0].seq == 5);
  BOOST_TEST(missed[1].seq == 6);
  BOOST_TEST(ValueOrFail(chat().MessagesAfter(ann, direct.id, 7, 10)).empty());

  ExpectError(chat().History(ann, direct.id, "", 0), Code::kInvalidArgument, "invalid_limit",
              "limit");
  ExpectError(chat().History(ann, direct.id, "", 101), Code::kInvalidArgument, "invalid_limit",
              "limit");
  ExpectError(chat().History(ann, direct.id, "not a cursor", 5), Code::kInvalidArgument,
              "invalid_cursor", "cursor");
  ExpectError(chat().MessagesAfter(ann, direct.id, -1, 5), Code::kInvalidArgument,
              "invalid_position", "after_seq");
  // A cursor of one conversation is no cursor of another.
  const Event event = BookedEvent({bob});
  Book(event, ann);
  const Conversation room = ValueOrFail(chat().OpenEventRoom(ann, event.id));
  const MessagePage page = ValueOrFail(chat().History(ann, direct.id, "", 2));
  ExpectError(chat().History(ann, room.id, page.next_cursor, 5), Code::kInvalidArgument,
              "invalid_cursor", "cursor");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
