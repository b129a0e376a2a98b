// Who may start a direct conversation with whom, one conversation per pair, blocked accounts,
// and conversations of others refused.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "chat/chat_fixture.h"

namespace eventify::testing {
namespace {

using Code = StatusCode;

BOOST_FIXTURE_TEST_SUITE(conversations, ChatFixture)

BOOST_AUTO_TEST_CASE(an_attendee_and_the_organizer_of_an_event_they_booked_share_one_conversation) {
  BookedEvent({ann});
  const Conversation from_ann = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  BOOST_TEST(from_ann.kind == ConversationKind::kDirect);
  const std::vector<std::string> pair = {std::min(ann.user_id, organizer.user_id),
                                         std::max(ann.user_id, organizer.user_id)};
  BOOST_TEST(from_ann.participants == pair);
  BOOST_TEST(from_ann.event_id.empty());
  BOOST_TEST(from_ann.last_seq == 0);
  BOOST_TEST(from_ann.unread == 0);
  // The same pair, either way round and again: the same conversation.
  BOOST_TEST(ValueOrFail(chat().OpenDirect(organizer, ann.user_id)).id == from_ann.id);
  BOOST_TEST(ValueOrFail(chat().OpenDirect(ann, organizer.user_id)).id == from_ann.id);
}

BOOST_AUTO_TEST_CASE(both_of_a_pair_opening_at_once_get_one_conversation) {
  BookedEvent({ann});
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto opened = i % 2 ? chat().OpenDirect(ann, organizer.user_id)
                          : chat().OpenDirect(organizer, ann.user_id);
      ids[i] = opened.ok() ? opened->id : opened.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& id : ids) BOOST_TEST(id == ids.front());
  BOOST_TEST(ValueOrFail(chat().OpenDirect(ann, organizer.user_id)).id == ids.front());
}

BOOST_AUTO_TEST_CASE(an_organizer_may_start_with_the_holder_of_a_booking_of_their_event) {
  BookedEvent({bob});
  const Conversation c = ValueOrFail(chat().OpenDirect(organizer, bob.user_id));
  Send(organizer, c, "Thanks for booking!", "k1");
  BOOST_TEST(Unread(bob, c) == 1);
}

BOOST_AUTO_TEST_CASE(only_a_confirmed_booking_relates_an_attendee_and_an_organizer) {
  // An unpaid hold of a priced event is no relation.
  const Event priced = ApprovedEvent(10, kTicketPrice, 1);
  ValueOrFail(bookings().Hold(ann, Request(priced, 1, "hold")));
  ExpectError(chat().OpenDirect(ann, organizer.user_id), Code::kPermissionDenied,
              "conversation_not_allowed");
  ExpectError(chat().OpenDirect(organizer, ann.user_id), Code::kPermissionDenied,
              "conversation_not_allowed");
  // A cancelled booking is none either.
  const Event free = FreeEvent();
  const Booking booking = Book(free, bob);
  ValueOrFail(bookings().Cancel(bob, booking.id));
  ExpectError(chat().OpenDirect(bob, organizer.user_id), Code::kPermissionDenied,
              "conversation_not_allowed");
  // A booking of another organizer's event relates its holder to that organizer only.
  Book(free, cid);
  ExpectError(chat().OpenDirect(cid, other_organizer.user_id), Code::kPermissionDenied,
              "conversation_not_allowed");
  ExpectError(chat().OpenDirect(other_organizer, cid.user_id), Code::kPermissionDenied,
              "conversation_not_allowed");
  BOOST_TEST(ValueOrFail(chat().OpenDirect(cid, organizer.user_id)).kind ==
             ConversationKind::kDirect);
}

BOOST_AUTO_TEST_CASE(two_attendees_or_two_organizers_may_not_start_one) {
  BookedEvent({ann, bob});
  ExpectError(chat().OpenDirect(ann, bob.user_id), Code::kPermissionDenied,
              "conversation_not_allowed");
  ExpectError(chat().OpenDirect(organizer, other_organizer.user_id), Code::kPermissionDenied,
              "conversation_not_allowed");
}

BOOST_AUTO_TEST_CASE(an_admin_starts_with_anyone_and_the_other_may_then_answer) {
  ExpectError(chat().OpenDirect(ann, admin.user_id), Code::kPermissionDenied,
              "conversation_not_allowed");
  const Conversation c = ValueOrFail(chat().OpenDirect(admin, ann.user_id));
  BOOST_TEST(ValueOrFail(chat().OpenDirect(admin, other_organizer.user_id)).kind ==
             ConversationKind::kDirect);
  // Once it exists, ann opens the same one and answers.
  BOOST_TEST(ValueOrFail(chat().OpenDirect(ann, admin.user_id)).id == c.id);
  const Message answer = Send(ann, c, "Hello admin", "a1");
  BOOST_TEST(answer.seq == 1);
  BOOST_TEST(Unread(admin, c) == 1);
}

BOOST_AUTO_TEST_CASE(nobody_starts_one_with_themselves_or_with_someone_unknown) {
  ExpectError(chat().OpenDirect(ann, ann.user_id), Code::kInvalidArgument, "self_conversation",
              "user_id");
  ExpectError(chat().OpenDirect(admin, "no-such-user"), Code::kNotFound, "user_not_found",
              "user_id");
  // A principal without an account (the operator's) takes part in nothing.
  ExpectError(chat().OpenDirect(OperatorPrincipal(), ann.user_id), Code::kPermissionDenied,
              "forbidden");
  ExpectError(chat().GetUnreadCounts(OperatorPrincipal()), Code::kPermissionDenied, "forbidden");
}

BOOST_AUTO_TEST_CASE(blocked_users_talk_with_no_one) {
  BookedEvent({ann, bob});
  const Conversation with_bob = ValueOrFail(chat().OpenDirect(organizer, bob.user_id));
  Send(bob, with_bob, "See you there", "b1");
  Block(ann);
  ExpectError(chat().OpenDirect(ann, organizer.user_id), Code::kPermissionDenied, "user_blocked");
  ExpectError(chat().OpenDirect(organizer, ann.user_id), Code::kPermissionDenied, "user_blocked");
  ExpectError(chat().OpenDirect(admin, ann.user_id), Code::kPermissionDenied, "user_blocked");
  // Blocking bob stops an existing conversation both ways; what was written stays.
  Block(bob);
  ExpectError(chat().Send(organizer, with_bob.id, Text("Still there?", "o1")),
              Code::kPermissionDenied, "user_blocked");
  ExpectError(chat().Send(bob, with_bob.id, Text("Yes", "b2")), Code::kPermissionDenied,
              "user_blocked");
  ExpectError(chat().OpenDirect(organizer, bob.user_id), Code::kPermissionDenied, "user_blocked");
  BOOST_TEST(ValueOrFail(chat().History(organizer, with_bob.id, "", 10)).items.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_conversation_of_others_is_refused_and_an_unknown_one_not_found) {
  BookedEvent({ann});
  const Conversation c = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const Message m = Send(ann, c, "Private", "p1");
  for (const Principal* outsider : {&bob, &admin, &other_organizer}) {
    BOOST_TEST_CONTEXT(outsider->user_id) {
      ExpectError(chat().GetConversation(*outsider, c.id), Code::kPermissionDenied,
                  "not_a_member");
      ExpectError(chat().Send(*outsider, c.id, Text("Hi", "x")), Code::kPermissionDenied,
                  "not_a_member");
      ExpectError(chat().History(*outsider, c.id, "", 10), Code::kPermissionDenied,
                  "not_a_member");
      ExpectError(chat().MessagesAfter(*outsider, c.id, 0, 10), Code::kPermissionDenied,
                  "not_a_member");
      ExpectError(chat().MarkRead(*outsider, c.id, m.id), Code::kPermissionDenied,
                  "not_a_member");
      ExpectError(chat().MarkDelivered(*outsider, c.id, m.id), Code::kPermissionDenied,
                  "not_a_member");
      ExpectError(chat().ListReceipts(*outsider, c.id), Code::kPermissionDenied, "not_a_member");
      BOOST_TEST(TotalUnread(*outsider) == 0);
    }
  }
  // Without an account, not even a member's conversation id gets anyone further.
  ExpectError(chat().Send(OperatorPrincipal(), c.id, Text("Hi", "op")), Code::kPermissionDenied,
              "forbidden");
  ExpectError(chat().History(OperatorPrincipal(), c.id, "", 10), Code::kPermissionDenied,
              "forbidden");
  const std::string unknown = NewId(clock->Now());
  ExpectError(chat().GetConversation(ann, unknown), Code::kNotFound, "conversation_not_found");
  ExpectError(chat().Send(ann, unknown, Text("Hi", "u1")), Code::kNotFound,
              "conversation_not_found");
  ExpectError(chat().History(ann, unknown, "", 10), Code::kNotFound, "conversation_not_found");
  // Nothing the outsiders tried was written.
  BOOST_TEST(ValueOrFail(chat().GetConversation(organizer, c.id)).last_seq == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
