// The hub's send path and routing from the chat's commits: many messages in flight from one
// connection share commits and still arrive in order with exact unread counts; messages and read
// marks committed outside the hub (the HTTP API calls Chat directly) reach connected members;
// a resend is answered but not routed twice; unread counts the hub did not see grow (the
// recipient was offline) are read again.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "chat/hub_fixture.h"
#include "hub/frames.h"

namespace eventify::testing {
namespace {

using Types = std::vector<std::string>;
using R = RecordingTransport;

BOOST_FIXTURE_TEST_SUITE(hub_routing, HubFixture)

// The frames but `unread_count` (one per commit and notified user, so their number depends on
// how the commits batched; hub_receipts_test checks the totals), with the last total in *total.
std::vector<std::string> WithoutTotals(std::vector<std::string> frames, std::string* total = nullptr) {
  std::vector<std::string> out;
  for (std::string& frame : frames) {
    if (RecordingTransport::Member(frame, "type") == "unread_count") {
      if (total != nullptr) *total = RecordingTransport::Member(frame, "total");
    } else {
      out.push_back(std::move(frame));
    }
  }
  return out;
}

// The organizer's joined connection gets the room channel (`message`), the other one the
// notifications (`new_message`, with the unread count after each message).
BOOST_AUTO_TEST_CASE(messages_in_flight_are_answered_and_routed_in_order_with_exact_unread) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId a = Connect(ann), o = Connect(organizer), n = Connect(organizer);
  Join(o, direct);
  for (spi::ConnectionId c : {a, o, n}) transport.Take(c);
  constexpr int kMessages = 300;
  for (int i = 1; i <= kMessages; ++i) {  // no Flush between: all in flight at once
    hub->OnFrame(a, MessageJson(direct, "m" + std::to_string(i), "k" + std::to_string(i)));
  }
  hub->Flush();
  const std::vector<std::string> answers = transport.Take(a);
  BOOST_REQUIRE_EQUAL(answers.size(), static_cast<std::size_t>(kMessages));
  std::string total, noticed_total;
  const std::vector<std::string> routed = WithoutTotals(transport.Take(o), &total);
  const std::vector<std::string> noticed = WithoutTotals(transport.Take(n), &noticed_total);
  BOOST_REQUIRE_EQUAL(routed.size(), static_cast<std::size_t>(kMessages));
  BOOST_REQUIRE_EQUAL(noticed.size(), static_cast<std::size_t>(kMessages));
  BOOST_TEST(total == std::to_string(kMessages));  // the joined connection's totals go on
  BOOST_TEST(noticed_total == std::to_string(kMessages));
  for (int i = 1; i <= kMessages; ++i) {
    const std::string& sent = answers[i - 1];
    BOOST_TEST(R::Member(sent, "type") == "sent");
    BOOST_TEST(R::MessageMember(sent, "text") == "m" + std::to_string(i));
    BOOST_TEST(R::MessageMember(sent, "seq") == std::to_string(i));
    const std::string& message = routed[i - 1];
    const std::string& notification = noticed[i - 1];
    BOOST_TEST(R::Member(message, "type") == "message");
    BOOST_TEST(R::MessageMember(message, "seq") == std::to_string(i));
    BOOST_TEST(R::MessageMember(message, "pos") == R::Member(notification, "pos"));
    BOOST_TEST(R::Member(notification, "type") == "new_message");
    BOOST_TEST(R::Member(notification, "unread") == std::to_string(i));
  }
  BOOST_TEST(Unread(organizer, direct) == kMessages);
}

BOOST_AUTO_TEST_CASE(a_message_sent_through_the_chat_api_reaches_the_connected_members) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId a = Connect(ann), o = Connect(organizer);
  Join(o, direct);
  for (spi::ConnectionId c : {a, o}) transport.Take(c);
  Send(ann, direct, "over http", "h1");
  hub->Flush();
  const std::vector<std::string> routed = WithoutTotals(transport.Take(o));
  BOOST_REQUIRE_EQUAL(routed.size(), 1u);  // joined: the room channel only
  BOOST_TEST(R::Member(routed[0], "type") == "message");
  BOOST_TEST(R::MessageMember(routed[0], "text") == "over http");
  BOOST_TEST(transport.TakeTypes(a).empty());  // the sender's notifications: nothing
}

BOOST_AUTO_TEST_CASE(a_resend_is_answered_with_the_stored_message_and_routed_once) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId a = Connect(ann), o = Connect(organizer);
  for (spi::ConnectionId c : {a, o}) transport.Take(c);
  Frame(a, MessageJson(direct, "once", "same"));
  Frame(a, MessageJson(direct, "once", "same"));
  const std::vector<std::string> answers = transport.Take(a);
  BOOST_REQUIRE_EQUAL(answers.size(), 2u);
  BOOST_TEST(R::Member(answers[0], "type") == "sent");
  BOOST_TEST(R::Member(answers[1], "type") == "sent");
  BOOST_TEST(R::MessageMember(answers[1], "id") == R::MessageMember(answers[0], "id"));
  BOOST_TEST((transport.TakeTypes(o) == Types{"new_message", "unread_count"}));
  BOOST_TEST(ValueOrFail(chat().GetConversation(ann, direct.id)).last_seq == 1);
}

BOOST_AUTO_TEST_CASE(a_read_through_the_chat_api_is_told_and_restarts_the_readers_count) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId a = Connect(ann), o = Connect(organizer);
  for (spi::ConnectionId c : {a, o}) transport.Take(c);
  Frame(o, MessageJson(direct, "one", "k1"));
  Frame(o, MessageJson(direct, "two", "k2"));
  const std::vector<std::string> before = WithoutTotals(transport.Take(a));
  BOOST_REQUIRE_EQUAL(before.size(), 2u);
  BOOST_TEST(R::Member(before[1], "unread") == "2");
  BOOST_TEST((transport.TakeTypes(o) == Types{"sent", "sent"}));
  const std::vector<Message> stored = ValueOrFail(chat().MessagesAfter(ann, direct.id, 0, 10));
  BOOST_REQUIRE_EQUAL(stored.size(), 2u);
  ValueOrFail(chat().MarkRead(ann, direct.id, stored[1].id));  // as the HTTP route does
  hub->Flush();
  const std::vector<std::string> told = transport.Take(o);
  BOOST_REQUIRE_EQUAL(told.size(), 1u);
  BOOST_TEST(R::Member(told[0], "type") == "message_read");
  BOOST_TEST(R::Member(told[0], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(told[0], "read_seq") == "2");
  Frame(o, MessageJson(direct, "three", "k3"));
  BOOST_TEST((transport.TakeTypes(o) == Types{"sent"}));
  const std::vector<std::string> after = WithoutTotals(transport.Take(a));
  BOOST_REQUIRE_EQUAL(after.size(), 1u);
  BOOST_TEST(R::Member(after[0], "unread") == "1");
}

BOOST_AUTO_TEST_CASE(messages_sent_while_a_member_was_offline_count_in_their_next_unread) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId o = Connect(organizer);
  const spi::ConnectionId a = Connect(ann);
  for (spi::ConnectionId c : {a, o}) transport.Take(c);
  Frame(o, MessageJson(direct, "one", "k1"));
  BOOST_TEST(R::Member(transport.Take(a).at(0), "unread") == "1");
  Disconnect(a);
  Frame(o, MessageJson(direct, "two", "k2"));
  Send(organizer, direct, "three", "k3");
  const spi::ConnectionId a2 = Connect(ann);
  transport.Take(a2);
  Frame(o, MessageJson(direct, "four", "k4"));
  const std::vector<std::string> frames = WithoutTotals(transport.Take(a2));
  BOOST_REQUIRE_EQUAL(frames.size(), 1u);
  BOOST_TEST(R::Member(frames[0], "type") == "new_message");
  BOOST_TEST(R::Member(frames[0], "unread") == "4");
}

BOOST_AUTO_TEST_CASE(unread_totals_after_messages_go_out_at_most_once_per_interval) {
  HubOptions throttled = options;
  throttled.unread_total_interval = std::chrono::milliseconds(1000);
  Restart(throttled);
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const spi::ConnectionId a = Connect(ann), o = Connect(organizer);
  for (spi::ConnectionId c : {a, o}) transport.Take(c);
  Frame(o, MessageJson(direct, "one", "k1"));  // the first total: at once
  BOOST_TEST((transport.TakeTypes(a) == Types{"new_message", "unread_count"}));
  Frame(o, MessageJson(direct, "two", "k2"));
  Frame(o, MessageJson(direct, "three", "k3"));
  BOOST_TEST((transport.TakeTypes(a) == Types{"new_message", "new_message"}));
  Tick();  // the interval has not passed: still waiting
  BOOST_TEST(transport.TakeTypes(a).empty());
  clock->Advance(std::chrono::milliseconds(1000));
  Tick();
  const std::vector<std::string> later = transport.Take(a);
  BOOST_REQUIRE_EQUAL(later.size(), 1u);
  BOOST_TEST(R::Member(later[0], "type") == "unread_count");
  BOOST_TEST(R::Member(later[0], "total") == "3");
  Tick();  // sent: nothing more is due
  BOOST_TEST(transport.TakeTypes(a).empty());
  // Reading sends the total at once, whatever the interval.
  const std::vector<Message> stored = ValueOrFail(chat().MessagesAfter(ann, direct.id, 0, 10));
  Frame(a, R"({"type":"read","conversation_id":")" + direct.id + R"(","message_id":")" +
               stored.back().id + R"("})");
  const std::vector<std::string> read = transport.Take(a);
  BOOST_REQUIRE_EQUAL(read.size(), 2u);
  BOOST_TEST(R::Member(read[1], "type") == "unread_count");
  BOOST_TEST(R::Member(read[1], "total") == "0");
}

BOOST_AUTO_TEST_SUITE_END()

// The routed frames of a message are written from one rendering of it (hub::MessageFrames): the
// same bytes as the frames written one by one, escaping and the image included.
BOOST_AUTO_TEST_CASE(the_frames_of_a_routed_message_are_those_written_one_by_one) {
  Message m;
  m.id = "0190f5a2-7b3c-7def-8123-456789abcdef";
  m.conversation_id = "c\"1";
  m.seq = 42;
  m.sender_id = "u1";
  m.kind = MessageKind::kAnnouncement;
  m.text = "caf\u00e9 <b>\n\"quoted\"";
  m.image = MessageImage{"k", "/media/k", "image/png", 123, "ab"};
  m.created_at = FromMicros(1'795'989'569'123'456);
  m.pos = 7;
  const std::string room = hub::MessageFrame(m);  // written by itself
  const std::string prefix = R"({"type":"message","message":)";
  BOOST_TEST_REQUIRE(room.starts_with(prefix + R"({"id":"0190f5a2-)"));
  const std::string object = room.substr(prefix.size(), room.size() - prefix.size() - 1);
  BOOST_TEST(object.find(R"("created_at":"2026-11-29T21:59:29.123Z")") != std::string::npos);
  BOOST_TEST(object.find(R"("conversation_id":"c\"1")") != std::string::npos);
  const hub::MessageFrames frames(m);
  BOOST_TEST(frames.Room() == room);
  BOOST_TEST(frames.For(12345) == R"({"type":"new_message","conversation_id":"c\"1","message":)" +
                                      object + R"(,"pos":7,"unread":12345})");
}

}  // namespace
}  // namespace eventify::testing
