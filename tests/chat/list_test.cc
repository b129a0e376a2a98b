// The caller's conversation list: direct conversations and the rooms they are a member of now,
// newest activity first, with marks, unread counts and last messages, by cursor.
#include <boost/test/unit_test.hpp>

#include "chat/chat_fixture.h"

namespace eventify::testing {
namespace {

using Code = StatusCode;

std::vector<std::string> Ids(const ConversationPage& page) {
  std::vector<std::string> out;
  for (const Conversation& c : page.items) out.push_back(c.id);
  return out;
}

BOOST_FIXTURE_TEST_SUITE(conversation_list, ChatFixture)

BOOST_AUTO_TEST_CASE(conversations_come_newest_activity_first_with_unread_and_last_message) {
  const Event event = BookedEvent({ann, bob});
  const Conversation room = ValueOrFail(chat().OpenEventRoom(organizer, event.id));
  clock->Advance(std::chrono::seconds(1));
  const Conversation with_ann = ValueOrFail(chat().OpenDirect(organizer, ann.user_id));
  clock->Advance(std::chrono::seconds(1));
  const Conversation with_bob = ValueOrFail(chat().OpenDirect(bob, organizer.user_id));
  clock->Advance(std::chrono::seconds(1));
  Send(ann, with_ann, "first", "a1");
  clock->Advance(std::chrono::seconds(1));
  const Message second = Send(ann, with_ann, "second", "a2");
  clock->Advance(std::chrono::seconds(1));
  const Message in_room = Send(bob, room, "hello room", "b1");

  ConversationPage page = ValueOrFail(chat().ListConversations(organizer, "", 10));
  // The room (message at +5s), the direct one with ann (+4s), then the one with bob (made at +2s,
  // no message).
  BOOST_TEST((Ids(page) == std::vector<std::string>{room.id, with_ann.id, with_bob.id}));
  BOOST_TEST(page.next_cursor.empty());
  const Conversation& r = page.items[0];
  BOOST_TEST(r.kind == ConversationKind::kEventRoom);
  BOOST_TEST(r.event_id == event.id);
  BOOST_TEST(r.organizer_id == organizer.user_id);
  BOOST_TEST(r.last_seq == 1);
  BOOST_TEST(r.unread == 1);
  BOOST_REQUIRE(r.last_message.has_value());
  BOOST_TEST(r.last_message->id == in_room.id);
  BOOST_TEST((r.last_activity_at == in_room.created_at));
  const Conversation& a = page.items[1];
  BOOST_TEST(a.kind == ConversationKind::kDirect);
  BOOST_TEST((a.participants == with_ann.participants));
  BOOST_TEST(a.last_seq == 2);
  BOOST_TEST(a.unread == 2);
  BOOST_REQUIRE(a.last_message.has_value());
  BOOST_TEST(a.last_message->text == "second");
  const Conversation& b = page.items[2];
  BOOST_TEST(b.last_seq == 0);
  BOOST_TEST(b.unread == 0);
  BOOST_TEST(!b.last_message.has_value());
  BOOST_TEST((b.last_activity_at == with_bob.created_at));

  // Marks show; a read conversation has no unread left. A new message moves it to the front.
  ValueOrFail(chat().MarkRead(organizer, with_ann.id, second.id));
  clock->Advance(std::chrono::seconds(1));
  Send(organizer, with_bob, "thanks for booking", "o1");
  page = ValueOrFail(chat().ListConversations(organizer, "", 10));
  BOOST_TEST((Ids(page) == std::vector<std::string>{with_bob.id, room.id, with_ann.id}));
  BOOST_TEST(page.items[2].read_seq == 2);
  BOOST_TEST(page.items[2].delivered_seq == 2);
  BOOST_TEST(page.items[2].unread == 0);
  BOOST_TEST(page.items[0].unread == 0);  // the caller's own message

  // Each user sees their own: ann has her direct conversation and the room.
  page = ValueOrFail(chat().ListConversations(ann, "", 10));
  BOOST_TEST((Ids(page) == std::vector<std::string>{room.id, with_ann.id}));
  BOOST_TEST(page.items[0].unread == 1);
  BOOST_TEST(page.items[1].unread == 0);
  BOOST_TEST(ValueOrFail(chat().ListConversations(cid, "", 10)).items.empty());
}

BOOST_AUTO_TEST_CASE(pages_follow_the_cursor_and_rooms_left_drop_out) {
  const Event event = FreeEvent();
  const Booking booking = Book(event, ann);
  const Conversation room = ValueOrFail(chat().OpenEventRoom(ann, event.id));
  std::vector<std::string> expected = {room.id};
  clock->Advance(std::chrono::seconds(1));
  expected.insert(expected.begin(), ValueOrFail(chat().OpenDirect(admin, ann.user_id)).id);
  clock->Advance(std::chrono::seconds(1));
  expected.insert(expected.begin(), ValueOrFail(chat().OpenDirect(ann, organizer.user_id)).id);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const ConversationPage page = ValueOrFail(chat().ListConversations(ann, cursor, 1));
    BOOST_REQUIRE(page.items.size() == 1u);
    seen.push_back(page.items[0].id);
    cursor = page.next_cursor;
    ++pages;
  } while (!cursor.empty() && pages < 10);
  BOOST_TEST(seen == expected);
  BOOST_TEST(pages == 3);

  // Cancelling the booking takes the room off the list at once.
  ValueOrFail(bookings().Cancel(ann, booking.id));
  const ConversationPage after = ValueOrFail(chat().ListConversations(ann, "", 10));
  BOOST_TEST(after.items.size() == 2u);
  for (const Conversation& c : after.items) BOOST_TEST(c.id != room.id);
}

BOOST_AUTO_TEST_CASE(bad_limits_cursors_and_callers_are_refused) {
  ExpectError(chat().ListConversations(ann, "", 0), Code::kInvalidArgument, "invalid_limit",
              "limit");
  ExpectError(chat().ListConversations(ann, "", 101), Code::kInvalidArgument, "invalid_limit",
              "limit");
  ExpectError(chat().ListConversations(ann, "not-a-cursor", 10), Code::kInvalidArgument,
              "invalid_cursor", "cursor");
  const Principal operator_principal{"", Role::kAdmin, ""};
  ExpectError(chat().ListConversations(operator_principal, "", 10), Code::kPermissionDenied,
              "forbidden");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
