// The hub through a RecordingTransport: the handshake, identity only from the token, joining
// only one's own conversations, `message` and `new_message` to the right connections only,
// `message_read`, typing throttled and never stored, presence over several connections and
// only to contacts, and bad frames answered with an error frame.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "chat/hub_fixture.h"

namespace eventify::testing {
namespace {

using Types = std::vector<std::string>;
using R = RecordingTransport;

BOOST_FIXTURE_TEST_SUITE(hub, HubFixture)

BOOST_AUTO_TEST_CASE(a_connection_with_a_bad_token_gets_an_error_and_is_closed) {
  hub->OnOpened(7, "not-a-token");
  hub->Flush();
  const std::vector<std::string> frames = transport.Take(7);
  BOOST_REQUIRE_EQUAL(frames.size(), 1u);
  BOOST_TEST(R::Member(frames[0], "type") == "error");
  BOOST_TEST(R::Member(frames[0], "code") == "invalid_token");
  BOOST_TEST(transport.CloseReason(7) == "unauthenticated");
  // Frames of a connection that never opened are ignored.
  Frame(7, R"({"type":"ping"})");
  BOOST_TEST(transport.Take(7).empty());
}

BOOST_AUTO_TEST_CASE(the_handshake_answers_ready_with_the_tokens_user) {
  hub->OnOpened(1, Token(ann));
  hub->Flush();
  const std::vector<std::string> frames = transport.Take(1);
  BOOST_REQUIRE_EQUAL(frames.size(), 1u);
  BOOST_TEST(R::Member(frames[0], "type") == "ready");
  BOOST_TEST(R::Member(frames[0], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(frames[0], "role") == "attendee");
  BOOST_TEST(transport.CloseReason(1).empty());
}

BOOST_AUTO_TEST_CASE(a_user_id_in_a_frame_never_changes_who_acts) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId a = Connect(ann);
  transport.Take(a);
  Frame(a, R"({"type":"message","user_id":")" + organizer.user_id + R"(","conversation_id":")" +
               direct.id + R"(","text":"hi","idempotency_key":"k1","ref":"r1"})");
  const std::vector<std::string> frames = transport.Take(a);
  BOOST_REQUIRE_EQUAL(frames.size(), 1u);
  BOOST_TEST(R::Member(frames[0], "type") == "sent");
  BOOST_TEST(R::Member(frames[0], "ref") == "r1");
  BOOST_TEST(R::MessageMember(frames[0], "sender_id") == ann.user_id);
  const std::vector<Message> stored =
      ValueOrFail(chat().MessagesAfter(organizer, direct.id, 0, 10));
  BOOST_REQUIRE_EQUAL(stored.size(), 1u);
  BOOST_TEST(stored[0].sender_id == ann.user_id);
  // A conversation of others stays closed whatever user_id the frame names.
  const spi::ConnectionId b = Connect(bob);
  Frame(b, R"({"type":"message","user_id":")" + ann.user_id + R"(","conversation_id":")" +
               direct.id + R"(","text":"spoof","idempotency_key":"k2"})");
  const std::vector<std::string> refused = transport.Take(b);
  BOOST_REQUIRE_EQUAL(refused.size(), 1u);
  BOOST_TEST(R::Member(refused[0], "code") == "not_a_member");
  BOOST_TEST(ValueOrFail(chat().GetConversation(ann, direct.id)).last_seq == 1);
}

BOOST_AUTO_TEST_CASE(joining_a_foreign_or_unknown_conversation_is_refused_with_its_code) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId b = Connect(bob);
  Frame(b, R"({"type":"join","conversation_id":")" + direct.id + R"(","ref":"j1"})");
  Frame(b, R"({"type":"join","conversation_id":"no-such-conversation"})");
  Frame(b, R"({"type":"typing","conversation_id":")" + direct.id + R"("})");
  const std::vector<std::string> frames = transport.Take(b);
  BOOST_REQUIRE_EQUAL(frames.size(), 3u);
  BOOST_TEST(R::Member(frames[0], "type") == "error");
  BOOST_TEST(R::Member(frames[0], "code") == "not_a_member");
  BOOST_TEST(R::Member(frames[0], "ref") == "j1");
  BOOST_TEST(R::Member(frames[1], "code") == "conversation_not_found");
  BOOST_TEST(R::Member(frames[2], "code") == "not_joined");
  BOOST_TEST(R::Member(frames[2], "field") == "conversation_id");
  // A message to the conversation reaches nobody's room channel through bob.
  const spi::ConnectionId o = Connect(organizer);
  Join(o, direct);
  Frame(b, MessageJson(direct, "sneaky", "k1"));
  BOOST_TEST(transport.TakeTypes(o).empty());
}

BOOST_AUTO_TEST_CASE(a_message_goes_to_the_room_channel_and_to_each_other_members_notifications) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId a1 = Connect(ann), a2 = Connect(ann);
  const spi::ConnectionId o1 = Connect(organizer), o2 = Connect(organizer);
  const spi::ConnectionId b = Connect(bob);
  Join(a1, direct);
  Join(o1, direct);
  for (spi::ConnectionId c : {a1, a2, o1, o2, b}) transport.Take(c);  // presence frames

  Frame(a1, MessageJson(direct, "first", "k1"));
  BOOST_TEST((transport.TakeTypes(a1) == Types{"sent"}));
  BOOST_TEST(transport.TakeTypes(a2).empty());  // the sender gets no new_message
  // The joined connection has the message once, as `message` (its `pos` included), and the
  // user's total; the other connection the notification.
  const std::vector<std::string> joined = transport.Take(o1);
  BOOST_REQUIRE_EQUAL(joined.size(), 2u);
  BOOST_TEST(R::Member(joined[0], "type") == "message");
  BOOST_TEST(R::MessageMember(joined[0], "text") == "first");
  BOOST_TEST(R::MessageMember(joined[0], "seq") == "1");
  BOOST_TEST(R::Member(joined[1], "type") == "unread_count");
  BOOST_TEST(R::Member(joined[1], "total") == "1");
  const std::vector<std::string> other = transport.Take(o2);
  BOOST_REQUIRE_EQUAL(other.size(), 2u);
  BOOST_TEST(R::Member(other[0], "type") == "new_message");
  BOOST_TEST(R::Member(other[0], "conversation_id") == direct.id);
  BOOST_TEST(R::Member(other[0], "unread") == "1");
  BOOST_TEST(R::Member(other[0], "pos") == R::MessageMember(joined[0], "pos"));
  BOOST_TEST(R::Member(other[1], "type") == "unread_count");
  BOOST_TEST(R::Member(other[1], "total") == "1");
  BOOST_TEST(transport.TakeTypes(b).empty());

  Frame(a2, MessageJson(direct, "second", "k2"));  // from the connection that did not join
  BOOST_TEST((transport.TakeTypes(a2) == Types{"sent"}));
  BOOST_TEST((transport.TakeTypes(a1) == Types{"message"}));  // ann's own joined connection
  const std::vector<std::string> second = transport.Take(o2);
  BOOST_REQUIRE_EQUAL(second.size(), 2u);
  BOOST_TEST(R::Member(second[0], "unread") == "2");
  BOOST_TEST(R::Member(second[1], "total") == "2");
  BOOST_TEST((transport.TakeTypes(o1) == Types{"message", "unread_count"}));
  BOOST_TEST(transport.TakeTypes(b).empty());
}

// Joined, a connection has a conversation's messages as `message` only; once it left, as
// `new_message` again (with the unread count carried on meanwhile).
BOOST_AUTO_TEST_CASE(a_connection_that_left_the_conversation_is_notified_again) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId a = Connect(ann), o = Connect(organizer);
  Join(o, direct);
  transport.Take(a);
  Frame(a, MessageJson(direct, "while joined", "k1"));
  BOOST_TEST((transport.TakeTypes(o) == Types{"message", "unread_count"}));
  Frame(o, R"({"type":"leave","conversation_id":")" + direct.id + R"(","ref":"l"})");
  BOOST_TEST((transport.TakeTypes(o) == Types{"left"}));
  transport.Take(a);  // its `sent`
  Frame(a, MessageJson(direct, "after leaving", "k2"));
  const std::vector<std::string> frames = transport.Take(o);
  BOOST_REQUIRE_EQUAL(frames.size(), 2u);
  BOOST_TEST(R::Member(frames[0], "type") == "new_message");
  BOOST_TEST(R::MessageMember(frames[0], "text") == "after leaving");
  BOOST_TEST(R::Member(frames[0], "unread") == "2");
  BOOST_TEST(R::Member(frames[1], "type") == "unread_count");
  BOOST_TEST(R::Member(frames[1], "total") == "2");
}

BOOST_AUTO_TEST_CASE(a_room_message_notifies_the_members_holding_confirmed_bookings_only) {
  const Event event = BookedEvent({bob, cid});
  const Conversation room = ValueOrFail(chat().OpenEventRoom(bob, event.id));
  const spi::ConnectionId b = Connect(bob), c = Connect(cid), d = Connect(dee);
  const spi::ConnectionId o = Connect(organizer);
  for (spi::ConnectionId x : {b, c, d, o}) transport.Take(x);
  Frame(b, MessageJson(room, "hello room", "k1"));
  BOOST_TEST((transport.TakeTypes(b) == Types{"sent"}));
  BOOST_TEST((transport.TakeTypes(c) == Types{"new_message", "unread_count"}));
  BOOST_TEST((transport.TakeTypes(o) == Types{"new_message", "unread_count"}));
  BOOST_TEST(transport.TakeTypes(d).empty());
}

BOOST_AUTO_TEST_CASE(reading_moves_the_mark_and_tells_the_other_participant) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  Send(organizer, direct, "one", "k1");
  const Message two = Send(organizer, direct, "two", "k2");
  const spi::ConnectionId a = Connect(ann), o = Connect(organizer), b = Connect(bob);
  for (spi::ConnectionId x : {a, o, b}) transport.Take(x);
  Frame(a, R"({"type":"read","conversation_id":")" + direct.id + R"(","message_id":")" + two.id +
               R"(","ref":"r"})");
  const std::vector<std::string> ack = transport.Take(a);
  BOOST_REQUIRE_EQUAL(ack.size(), 2u);
  BOOST_TEST(R::Member(ack[0], "type") == "read_marked");
  BOOST_TEST(R::Member(ack[0], "read_seq") == "2");
  BOOST_TEST(R::Member(ack[0], "ref") == "r");
  BOOST_TEST(R::Member(ack[1], "type") == "unread_count");
  BOOST_TEST(R::Member(ack[1], "total") == "0");
  const std::vector<std::string> told = transport.Take(o);
  BOOST_REQUIRE_EQUAL(told.size(), 1u);
  BOOST_TEST(R::Member(told[0], "type") == "message_read");
  BOOST_TEST(R::Member(told[0], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(told[0], "read_seq") == "2");
  BOOST_TEST(transport.TakeTypes(b).empty());
  BOOST_TEST(Unread(ann, direct) == 0);
  // Reading the same message again moves nothing: no message_read.
  Frame(a, R"({"type":"read","conversation_id":")" + direct.id + R"(","message_id":")" + two.id +
               R"("})");
  BOOST_TEST((transport.TakeTypes(a) == Types{"read_marked"}));
  BOOST_TEST(transport.TakeTypes(o).empty());
  // An unknown message: the chat's code and field.
  Frame(a, R"({"type":"read","conversation_id":")" + direct.id + R"(","message_id":"nope"})");
  const std::vector<std::string> refused = transport.Take(a);
  BOOST_REQUIRE_EQUAL(refused.size(), 1u);
  BOOST_TEST(R::Member(refused[0], "code") == "message_not_found");
  BOOST_TEST(R::Member(refused[0], "field") == "message_id");
}

BOOST_AUTO_TEST_CASE(typing_goes_to_the_room_channel_throttled_and_is_never_stored) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId a = Connect(ann), o1 = Connect(organizer), o2 = Connect(organizer);
  Join(a, direct);
  Join(o1, direct);
  for (spi::ConnectionId x : {a, o1, o2}) transport.Take(x);
  const std::string typing = R"({"type":"typing","conversation_id":")" + direct.id + R"("})";
  Frame(a, typing);
  const std::vector<std::string> first = transport.Take(o1);
  BOOST_REQUIRE_EQUAL(first.size(), 1u);
  BOOST_TEST(R::Member(first[0], "type") == "typing");
  BOOST_TEST(R::Member(first[0], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(first[0], "is_typing") == "true");
  BOOST_TEST(transport.TakeTypes(o2).empty());  // not joined: room channel only
  BOOST_TEST(transport.TakeTypes(a).empty());   // not echoed to the typist
  // Within the interval: dropped, however many.
  Frame(a, typing);
  clock->Advance(std::chrono::milliseconds(1999));
  Frame(a, typing);
  BOOST_TEST(transport.TakeTypes(o1).empty());
  // After it: forwarded again.
  clock->Advance(std::chrono::milliseconds(1));
  Frame(a, typing);
  BOOST_TEST((transport.TakeTypes(o1) == Types{"typing"}));
  // The organizer's own throttle is apart from ann's.
  Join(o2, direct);
  Frame(o2, typing);
  BOOST_TEST((transport.TakeTypes(a) == Types{"typing"}));
  BOOST_TEST(transport.TakeTypes(o1).empty());  // the typist's own other connection
  // Nothing was written.
  BOOST_TEST(ValueOrFail(chat().GetConversation(ann, direct.id)).last_seq == 0);
  BOOST_TEST(ValueOrFail(chat().MessagesAfter(ann, direct.id, 0, 10)).empty());
}

BOOST_AUTO_TEST_CASE(presence_follows_the_last_connection_and_reaches_contacts_only) {
  BookedEvent({ann});
  ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId o = Connect(organizer), b = Connect(bob);
  const spi::ConnectionId a1 = next_connection;
  hub->OnOpened(a1, Token(ann));
  ++next_connection;
  hub->Flush();
  // The new connection: ready, then the status of its online contact.
  const std::vector<std::string> hello = transport.Take(a1);
  BOOST_REQUIRE_EQUAL(hello.size(), 2u);
  BOOST_TEST(R::Member(hello[0], "type") == "ready");
  BOOST_TEST(R::Member(hello[1], "type") == "user_status_update");
  BOOST_TEST(R::Member(hello[1], "user_id") == organizer.user_id);
  BOOST_TEST(R::Member(hello[1], "is_online") == "true");
  const std::vector<std::string> online = transport.Take(o);
  BOOST_REQUIRE_EQUAL(online.size(), 1u);
  BOOST_TEST(R::Member(online[0], "type") == "user_status_update");
  BOOST_TEST(R::Member(online[0], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(online[0], "is_online") == "true");
  BOOST_TEST(transport.TakeTypes(b).empty());  // bob shares no conversation with ann

  const spi::ConnectionId a2 = Connect(ann);  // a second connection: no change to announce
  BOOST_TEST(transport.TakeTypes(o).empty());
  Disconnect(a1);
  BOOST_TEST(transport.TakeTypes(o).empty());  // still online through a2
  clock->Advance(std::chrono::seconds(30));
  Disconnect(a2);
  const std::vector<std::string> offline = transport.Take(o);
  BOOST_REQUIRE_EQUAL(offline.size(), 1u);
  BOOST_TEST(R::Member(offline[0], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(offline[0], "is_online") == "false");
  BOOST_TEST(R::Member(offline[0], "last_seen") == FormatTimestamp(clock->Now()));
  BOOST_TEST(transport.TakeTypes(b).empty());
  // Frames of a closed connection are ignored.
  Frame(a2, R"({"type":"ping"})");
  BOOST_TEST(transport.Take(a2).empty());
}

BOOST_AUTO_TEST_CASE(bad_frames_get_an_error_frame_and_the_connection_goes_on) {
  const spi::ConnectionId a = Connect(ann);
  Frame(a, "this is not json");
  Frame(a, "[1,2]");
  Frame(a, R"({"ref":"x"})");
  Frame(a, R"({"type":"dance","ref":"r2"})");
  Frame(a, R"({"type":"join"})");
  Frame(a, R"({"type":"typing","conversation_id":"c","is_typing":"yes"})");
  Frame(a, R"({"type":"message","conversation_id":"c","text":42})");
  Frame(
      a,
      R"({"type":"message","conversation_id":"c","text":"hi","idempotency_key":"k","kind":"shout"})");
  const std::vector<std::string> frames = transport.Take(a);
  BOOST_REQUIRE_EQUAL(frames.size(), 8u);
  for (const std::string& frame : frames) BOOST_TEST(R::Member(frame, "type") == "error");
  BOOST_TEST(R::Member(frames[0], "code") == "invalid_frame");
  BOOST_TEST(R::Member(frames[1], "code") == "invalid_frame");
  BOOST_TEST(R::Member(frames[2], "code") == "invalid_frame");
  BOOST_TEST(R::Member(frames[2], "field") == "type");
  BOOST_TEST(R::Member(frames[2], "ref") == "x");
  BOOST_TEST(R::Member(frames[3], "code") == "unknown_type");
  BOOST_TEST(R::Member(frames[3], "ref") == "r2");
  BOOST_TEST(R::Member(frames[4], "code") == "missing_field");
  BOOST_TEST(R::Member(frames[4], "field") == "conversation_id");
  BOOST_TEST(R::Member(frames[5], "code") == "invalid_field");
  BOOST_TEST(R::Member(frames[5], "field") == "is_typing");
  BOOST_TEST(R::Member(frames[6], "code") == "invalid_field");
  BOOST_TEST(R::Member(frames[6], "field") == "text");
  BOOST_TEST(R::Member(frames[7], "code") == "invalid_kind");
  BOOST_TEST(R::Member(frames[7], "field") == "kind");
  Frame(a, R"({"type":"ping","ref":"p"})");
  const std::vector<std::string> pong = transport.Take(a);
  BOOST_REQUIRE_EQUAL(pong.size(), 1u);
  BOOST_TEST(R::Member(pong[0], "type") == "pong");
  BOOST_TEST(R::Member(pong[0], "ref") == "p");
  BOOST_TEST(transport.CloseReason(a).empty());
}

BOOST_AUTO_TEST_CASE(destroying_the_hub_closes_the_open_connections) {
  const spi::ConnectionId a = Connect(ann);
  hub.reset();
  BOOST_TEST(transport.CloseReason(a) == "shutting_down");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
