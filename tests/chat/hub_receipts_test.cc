// The hub's receipts and notifications through a RecordingTransport: `delivered`
// acknowledgements applied in batches and `message_delivered` to the senders, `unread_count`
// totals on new messages and reads, and `new_event` announced by the server only.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "chat/hub_fixture.h"

namespace eventify::testing {
namespace {

using Types = std::vector<std::string>;
using R = RecordingTransport;

struct ReceiptsFixture : HubFixture {
  std::string DeliveredJson(const Conversation& conversation, const std::string& message_id,
                            const std::string& ref = "") {
    return R"({"type":"delivered","conversation_id":")" + conversation.id +
           R"(","message_id":")" + message_id + R"(","ref":")" + ref + R"("})";
  }
  std::int64_t DeliveredSeq(const Principal& who, const Conversation& conversation) {
    return ValueOrFail(chat().GetConversation(who, conversation.id)).delivered_seq;
  }
};

BOOST_FIXTURE_TEST_SUITE(hub_receipts, ReceiptsFixture)

BOOST_AUTO_TEST_CASE(a_delivered_ack_moves_the_mark_and_tells_the_sender) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  Send(organizer, direct, "one", "k1");
  const Message two = Send(organizer, direct, "two", "k2");
  const spi::ConnectionId a = Connect(ann), o1 = Connect(organizer), o2 = Connect(organizer);
  const spi::ConnectionId b = Connect(bob);
  for (spi::ConnectionId x : {a, o1, o2, b}) transport.Take(x);

  Frame(a, DeliveredJson(direct, two.id));
  BOOST_TEST(transport.TakeTypes(a).empty());  // no answer to a good acknowledgement
  for (spi::ConnectionId o : {o1, o2}) {
    const std::vector<std::string> receipt = transport.Take(o);
    BOOST_REQUIRE_EQUAL(receipt.size(), 1u);
    BOOST_TEST(R::Member(receipt[0], "type") == "message_delivered");
    BOOST_TEST(R::Member(receipt[0], "conversation_id") == direct.id);
    BOOST_TEST(R::Member(receipt[0], "user_id") == ann.user_id);
    BOOST_TEST(R::Member(receipt[0], "delivered_seq") == "2");
  }
  BOOST_TEST(transport.TakeTypes(b).empty());
  BOOST_TEST(DeliveredSeq(ann, direct) == 2);
  BOOST_TEST(Unread(ann, direct) == 2);  // delivered is not read

  // Again, or an older message: the mark does not move, nobody is told.
  Frame(a, DeliveredJson(direct, two.id));
  BOOST_TEST(transport.TakeTypes(o1).empty());
  // Refused acknowledgements answer an error with the chat's code and the frame's ref.
  Frame(a, DeliveredJson(direct, "no-such-message", "d1"));
  const std::vector<std::string> unknown = transport.Take(a);
  BOOST_REQUIRE_EQUAL(unknown.size(), 1u);
  BOOST_TEST(R::Member(unknown[0], "type") == "error");
  BOOST_TEST(R::Member(unknown[0], "code") == "message_not_found");
  BOOST_TEST(R::Member(unknown[0], "field") == "message_id");
  BOOST_TEST(R::Member(unknown[0], "ref") == "d1");
  Frame(b, DeliveredJson(direct, two.id, "d2"));
  const std::vector<std::string> foreign = transport.Take(b);
  BOOST_REQUIRE_EQUAL(foreign.size(), 1u);
  BOOST_TEST(R::Member(foreign[0], "code") == "not_a_member");
  BOOST_TEST(R::Member(foreign[0], "ref") == "d2");
  for (const Receipt& r : ValueOrFail(chat().ListReceipts(ann, direct.id))) {
    BOOST_TEST(r.user_id != bob.user_id);  // no mark of his was written
  }
  Frame(a, R"({"type":"delivered","conversation_id":")" + direct.id + R"("})");
  BOOST_TEST(R::Member(transport.Take(a).at(0), "field") == "message_id");
  BOOST_TEST(transport.TakeTypes(o1).empty());
}

BOOST_AUTO_TEST_CASE(acknowledgements_queued_together_apply_as_one_batch) {
  const Event event = BookedEvent({bob, cid, dee});
  const Conversation room = ValueOrFail(chat().OpenEventRoom(organizer, event.id));
  const Message m1 = Send(organizer, room, "welcome", "k1");
  const Message m2 = Send(bob, room, "hi all", "k2");
  const Message m3 = Send(organizer, room, "doors at 7", "k3");
  const spi::ConnectionId o = Connect(organizer), b = Connect(bob), c = Connect(cid);
  const spi::ConnectionId d = Connect(dee);
  for (spi::ConnectionId x : {o, b, c, d}) transport.Take(x);
  // Everything reaches the hub before it handles any of it: its worker waits in the transport
  // (answering a ping) while the acknowledgements queue behind.
  transport.Hold();
  hub->OnFrame(o, R"({"type":"ping"})");
  hub->OnFrame(c, DeliveredJson(room, m1.id));
  hub->OnFrame(c, DeliveredJson(room, m2.id));
  hub->OnFrame(c, DeliveredJson(room, m3.id));
  hub->OnFrame(d, DeliveredJson(room, m2.id));
  hub->OnFrame(b, DeliveredJson(room, m3.id));
  hub->OnFrame(d, DeliveredJson(room, "nope", "bad"));
  transport.Release();
  hub->Flush();
  BOOST_TEST(DeliveredSeq(cid, room) == 3);
  BOOST_TEST(DeliveredSeq(dee, room) == 2);
  BOOST_TEST(DeliveredSeq(bob, room) == 3);
  // The organizer sent m1 and m3: one receipt per recipient who acknowledged one of them.
  const std::vector<std::string> to_organizer = transport.Take(o);
  BOOST_REQUIRE_EQUAL(to_organizer.size(), 3u);
  BOOST_TEST(R::Member(to_organizer[0], "type") == "pong");
  BOOST_TEST(R::Member(to_organizer[1], "user_id") == bob.user_id);
  BOOST_TEST(R::Member(to_organizer[1], "delivered_seq") == "3");
  BOOST_TEST(R::Member(to_organizer[2], "user_id") == cid.user_id);
  BOOST_TEST(R::Member(to_organizer[2], "delivered_seq") == "3");
  // Bob sent m2: cid and dee acknowledged it.
  const std::vector<std::string> to_bob = transport.Take(b);
  BOOST_REQUIRE_EQUAL(to_bob.size(), 2u);
  BOOST_TEST(R::Member(to_bob[0], "type") == "message_delivered");
  BOOST_TEST(R::Member(to_bob[0], "user_id") == cid.user_id);
  BOOST_TEST(R::Member(to_bob[0], "delivered_seq") == "3");
  BOOST_TEST(R::Member(to_bob[1], "user_id") == dee.user_id);
  BOOST_TEST(R::Member(to_bob[1], "delivered_seq") == "2");
  BOOST_TEST(transport.TakeTypes(c).empty());
  const std::vector<std::string> refused = transport.Take(d);
  BOOST_REQUIRE_EQUAL(refused.size(), 1u);
  BOOST_TEST(R::Member(refused[0], "code") == "message_not_found");
  BOOST_TEST(R::Member(refused[0], "ref") == "bad");
}

BOOST_AUTO_TEST_CASE(mark_delivered_batch_answers_each_acknowledgement_as_mark_delivered_would) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const Message one = Send(organizer, direct, "one", "k1");
  const Message two = Send(ann, direct, "two", "k2");
  const std::vector<DeliveredAck> acks = {
      {ann, direct.id, one.id},
      {bob, direct.id, one.id},
      {ann, direct.id, two.id},     // her own message: the mark moves, sender is herself
      {organizer, direct.id, "x"},  // unknown
      {ann, "no-such-conversation", one.id},
  };
  const std::vector<DeliveredOutcome> out = ValueOrFail(chat().MarkDeliveredBatch(acks));
  BOOST_REQUIRE_EQUAL(out.size(), 5u);
  BOOST_TEST(out[0].status.ok());
  BOOST_TEST(out[0].moved);
  BOOST_TEST(out[0].sender_id == organizer.user_id);
  BOOST_TEST(out[0].receipt.delivered_seq == 2);  // after the whole batch
  BOOST_TEST(out[0].receipt.read_seq == 0);
  BOOST_TEST(out[1].status.reason() == "not_a_member");
  BOOST_TEST(out[2].status.ok());
  BOOST_TEST(out[2].sender_id == ann.user_id);
  BOOST_TEST(out[3].status.reason() == "message_not_found");
  BOOST_TEST(out[3].status.field() == "message_id");
  BOOST_TEST(out[4].status.reason() == "conversation_not_found");
  BOOST_TEST(DeliveredSeq(ann, direct) == 2);
  BOOST_TEST(DeliveredSeq(organizer, direct) == 0);
  // Again: nothing moves.
  const std::vector<DeliveredOutcome> again = ValueOrFail(chat().MarkDeliveredBatch(acks));
  BOOST_TEST(!again[0].moved);
  BOOST_TEST(again[0].receipt.delivered_seq == 2);
}

BOOST_AUTO_TEST_CASE(new_messages_and_reads_tell_each_connection_the_users_total_unread) {
  const Event event = BookedEvent({ann, bob});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const Conversation room = ValueOrFail(chat().OpenEventRoom(ann, event.id));
  const spi::ConnectionId a1 = Connect(ann), a2 = Connect(ann), o = Connect(organizer);
  const spi::ConnectionId b = Connect(bob);
  for (spi::ConnectionId x : {a1, a2, o, b}) transport.Take(x);
  auto total_of = [&](spi::ConnectionId x) {
    const std::vector<std::string> frames = transport.Take(x);
    std::string total = "<none>";
    for (const std::string& f : frames) {
      if (R::Member(f, "type") == "unread_count") total = R::Member(f, "total");
    }
    return total;
  };
  Frame(o, MessageJson(direct, "in direct", "k1"));
  BOOST_TEST(total_of(a1) == "1");
  BOOST_TEST(total_of(a2) == "1");
  BOOST_TEST(total_of(o) == "<none>");  // the sender's own total did not change
  Frame(b, MessageJson(room, "in the room", "k2"));
  BOOST_TEST(total_of(a1) == "2");  // over both conversations
  BOOST_TEST(total_of(a2) == "2");
  BOOST_TEST(total_of(o) == "1");
  const Message third = Send(organizer, room, "again", "k3");  // not through this hub
  hub->Flush();
  BOOST_TEST(total_of(a1) == "3");  // routed from the chat's commit like any other
  BOOST_TEST(total_of(b) == "1");  // his own message is not unread
  transport.Take(a2);
  // Reading the room up to its newest: every connection of ann learns her new total.
  Frame(a2, R"({"type":"read","conversation_id":")" + room.id + R"(","message_id":")" +
                third.id + R"("})");
  BOOST_TEST(total_of(a1) == "1");
  BOOST_TEST(total_of(a2) == "1");
  BOOST_TEST(total_of(b) == "<none>");
  BOOST_TEST(TotalUnread(ann) == 1);
}

BOOST_AUTO_TEST_CASE(new_event_goes_to_every_connection_and_only_the_server_sends_it) {
  const spi::ConnectionId a = Connect(ann), b = Connect(bob), o = Connect(organizer);
  for (spi::ConnectionId x : {a, b, o}) transport.Take(x);
  const Event event = ApprovedEvent(10, 0, 1, "Harbour jazz night");
  hub->AnnounceEvent(event);
  hub->Flush();
  for (spi::ConnectionId x : {a, b, o}) {
    const std::vector<std::string> frames = transport.Take(x);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    BOOST_TEST(R::Member(frames[0], "type") == "new_event");
    BOOST_TEST(R::Member(frames[0], "event_id") == event.id);
    BOOST_TEST(R::Member(frames[0], "title") == "Harbour jazz night");
    BOOST_TEST(R::Member(frames[0], "organizer_id") == organizer.user_id);
    BOOST_TEST(R::Member(frames[0], "starts_at") == FormatTimestamp(event.starts_at));
    BOOST_TEST(R::Member(frames[0], "image_url") == "");
  }
  // A client's new_event (the original relayed it to everyone): refused, nobody else hears it.
  Frame(a, R"({"type":"new_event","event_id":")" + event.id + R"(","ref":"n"})");
  const std::vector<std::string> refused = transport.Take(a);
  BOOST_REQUIRE_EQUAL(refused.size(), 1u);
  BOOST_TEST(R::Member(refused[0], "type") == "error");
  BOOST_TEST(R::Member(refused[0], "code") == "server_only");
  BOOST_TEST(R::Member(refused[0], "field") == "type");
  BOOST_TEST(R::Member(refused[0], "ref") == "n");
  BOOST_TEST(transport.TakeTypes(b).empty());
  BOOST_TEST(transport.TakeTypes(o).empty());
  Frame(a, R"({"type":"user_status_update","user_id":"x","is_online":true})");
  BOOST_TEST(R::Member(transport.Take(a).at(0), "code") == "server_only");
  BOOST_TEST(transport.TakeTypes(b).empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
