// Event rooms: one per approved event, its members the organizer and the holders of confirmed
// bookings as they are now, and announcements the members cannot reply to.
#include <boost/test/unit_test.hpp>

#include "chat/chat_fixture.h"

namespace eventify::testing {
namespace {

using Code = StatusCode;

BOOST_FIXTURE_TEST_SUITE(rooms, ChatFixture)

BOOST_AUTO_TEST_CASE(an_approved_event_has_one_room_for_its_organizer_and_confirmed_holders) {
  const Event event = BookedEvent({ann, bob});
  const Conversation room = ValueOrFail(chat().OpenEventRoom(organizer, event.id));
  BOOST_TEST(room.kind == ConversationKind::kEventRoom);
  BOOST_TEST(room.event_id == event.id);
  BOOST_TEST(room.organizer_id == organizer.user_id);
  BOOST_TEST(room.participants.empty());
  BOOST_TEST(ValueOrFail(chat().OpenEventRoom(ann, event.id)).id == room.id);
  BOOST_TEST(ValueOrFail(chat().OpenEventRoom(bob, event.id)).id == room.id);
  // Neither another organizer, nor an admin, nor someone without a booking is a member.
  for (const Principal* outsider : {&cid, &other_organizer, &admin}) {
    ExpectError(chat().OpenEventRoom(*outsider, event.id), Code::kPermissionDenied,
                "not_a_member");
  }
}

BOOST_AUTO_TEST_CASE(only_an_approved_or_completed_event_has_a_room) {
  ExpectError(chat().OpenEventRoom(organizer, NewId(clock->Now())), Code::kNotFound,
              "event_not_found");
  // A cancelled event (its bookings refunded) has no room to open.
  const Event cancelled = FreeEvent();
  ValueOrFail(events().CancelEvent(organizer, cancelled.id, "The venue flooded"));
  ExpectError(chat().OpenEventRoom(organizer, cancelled.id), Code::kFailedPrecondition,
              "event_room_unavailable");
}

BOOST_AUTO_TEST_CASE(membership_follows_a_booking_and_its_cancellation) {
  const Event event = BookedEvent({ann});
  const Conversation room = ValueOrFail(chat().OpenEventRoom(ann, event.id));
  ExpectError(chat().OpenEventRoom(bob, event.id), Code::kPermissionDenied, "not_a_member");
  ExpectError(chat().Send(bob, room.id, Text("Let me in", "b0")), Code::kPermissionDenied,
              "not_a_member");

  // Booking makes bob a member at once.
  const Booking booking = Book(event, bob);
  BOOST_TEST(ValueOrFail(chat().OpenEventRoom(bob, event.id)).id == room.id);
  const Message hello = Send(bob, room, "Hello everyone", "b1");
  Send(organizer, room, "Welcome bob", "o1");
  BOOST_TEST(Unread(ann, room) == 2);
  BOOST_TEST(Unread(bob, room) == 1);
  BOOST_TEST(TotalUnread(bob) == 1);

  // Cancelling takes the room away in the same commit: no reading, writing or counting.
  ValueOrFail(bookings().Cancel(bob, booking.id));
  ExpectError(chat().Send(bob, room.id, Text("Still here?", "b2")), Code::kPermissionDenied,
              "not_a_member");
  ExpectError(chat().History(bob, room.id, "", 10), Code::kPermissionDenied, "not_a_member");
  ExpectError(chat().GetConversation(bob, room.id), Code::kPermissionDenied, "not_a_member");
  ExpectError(chat().MarkRead(bob, room.id, hello.id), Code::kPermissionDenied, "not_a_member");
  BOOST_TEST(TotalUnread(bob) == 0);
  BOOST_TEST(ValueOrFail(chat().GetUnreadCounts(bob)).conversations.empty());
  // What bob wrote stays, and the others go on.
  BOOST_TEST(ValueOrFail(chat().History(ann, room.id, "", 10)).items.size() == 2u);
  BOOST_TEST(Unread(ann, room) == 2);

  // Booking again brings the room back with everything missed.
  ValueOrFail(bookings().BookAndPay(bob, Request(event, 1, "again")));
  BOOST_TEST(Unread(bob, room) == 1);
}

BOOST_AUTO_TEST_CASE(announcements_are_the_organizers_and_members_cannot_reply_to_them) {
  const Event event = BookedEvent({ann, bob});
  const Conversation room = ValueOrFail(chat().OpenEventRoom(organizer, event.id));
  const Message notice =
      ValueOrFail(chat().Send(organizer, room.id, Announcement("Doors open at 6", "n1")));
  BOOST_TEST(notice.kind == MessageKind::kAnnouncement);
  BOOST_TEST(notice.seq == 1);

  ExpectError(chat().Send(ann, room.id, Announcement("Fake notice", "a1")),
              Code::kPermissionDenied, "forbidden");
  ExpectError(chat().Send(ann, room.id, Text("Can I come at 7?", "a2", notice.id)),
              Code::kPermissionDenied, "announcement_read_only");
  // Members still talk, and reply to each other.
  const Message question = Send(ann, room, "Anyone driving from Pune?", "a3");
  const Message answer =
      ValueOrFail(chat().Send(bob, room.id, Text("Me, one seat left", "b1", question.id)));
  BOOST_TEST(answer.reply_to_id == question.id);
  // The organizer may follow up on their own announcement.
  const Message follow_up =
      ValueOrFail(chat().Send(organizer, room.id, Text("Parking is free", "n2", notice.id)));
  BOOST_TEST(follow_up.reply_to_id == notice.id);
  // A reply must name a message of this conversation.
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const Message elsewhere = Send(ann, direct, "Private question", "d1");
  ExpectError(chat().Send(ann, room.id, Text("Wrong thread", "a4", elsewhere.id)),
              Code::kNotFound, "message_not_found", "reply_to_id");
  const std::vector<Message> all = ValueOrFail(chat().MessagesAfter(bob, room.id, 0, 10));
  BOOST_TEST(all.size() == 4u);
  BOOST_TEST(Unread(bob, room) == 3);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
