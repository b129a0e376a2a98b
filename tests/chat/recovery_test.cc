// Recovery through the hub (docs/protocol.md "Recovery") on a RecordingTransport: positions on the
// durable notification frames and on `ready`, none on typing and presence; a reconnect with the
// last position seen replays exactly the missed `new_message` and `message_read` frames, oldest
// first, then `caught_up`, also after the hub and the engine were restarted on the same database;
// `resync_required` beyond the replay limit; bad positions answered with an error frame.
#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/hub_fixture.h"
#include "support/test_storage.h"

namespace eventify::testing {
namespace {

using Types = std::vector<std::string>;
using R = RecordingTransport;

std::shared_ptr<spi::Storage> OpenAt(const std::string& url) {
  spi::SociStorageOptions options;
  options.url = url;
  return OpenStorageOrFail(options);
}

// The hub fixture on a database it can reopen: Restart() is a server restart.
struct RecoveryFixture : HubFixture {
  // The frames sent to `id` but `unread_count` and `participant_status` (live totals and room
  // presence, never replayed: hub_receipts_test and hub_presence_test check them).
  std::vector<std::string> TakeDurable(spi::ConnectionId id) {
    std::vector<std::string> out;
    for (std::string& frame : transport.Take(id)) {
      const std::string type = R::Member(frame, "type");
      if (type != "unread_count" && type != "participant_status") out.push_back(std::move(frame));
    }
    return out;
  }
  RecoveryFixture() : RecoveryFixture(FreshDatabaseUrl()) {}
  explicit RecoveryFixture(const std::string& at) : HubFixture(OpenAt(at)), url(at) {}

  // Destroys the hub, the engine and the storage, and opens them again on the same database.
  void Restart() {
    hub.reset();
    engine.reset();
    storage.reset();
    storage = OpenAt(url);
    engine = OpenEngine(storage);
    hub = Hub::Create(*engine, recording, options);
  }
  // A new hub with `replay_limit` on the same engine.
  void RestartHub(int replay_limit) {
    hub.reset();
    options.replay_limit = replay_limit;
    hub = Hub::Create(*engine, recording, options);
  }

  // Opens a connection of `who`; returns it with the `pos` of its `ready` frame.
  std::pair<spi::ConnectionId, std::int64_t> ConnectAt(const Principal& who) {
    const spi::ConnectionId id = Connect(who);
    return {id, std::stoll(R::Member(last_ready, "pos"))};
  }
  std::vector<std::string> Resume(spi::ConnectionId id, std::int64_t after) {
    Frame(id, R"({"type":"resume","after":)" + std::to_string(after) + R"(,"ref":"re"})");
    return TakeDurable(id);
  }
  std::string ReadJson(const Conversation& conversation, const Message& message) {
    return R"({"type":"read","conversation_id":")" + conversation.id + R"(","message_id":")" +
           message.id + R"("})";
  }

  // What ann misses while away, written through the hub (the organizer's connection) and
  // directly through the chat: a message and a read mark in her direct conversation, a message
  // in the room, typing. Returns the frames she must get back, as (type, pos).
  std::vector<std::pair<std::string, std::int64_t>> WhileAnnIsAway(spi::ConnectionId o,
                                                                   const Conversation& direct,
                                                                   const Conversation& room,
                                                                   const Message& hers,
                                                                   const std::string& tag) {
    TakeDurable(o);
    Frame(o, MessageJson(direct, "are you there " + tag, "o-" + tag));
    std::int64_t answer = -1;
    for (const std::string& frame : TakeDurable(o)) {
      if (R::Member(frame, "type") == "sent") answer = std::stoll(R::MessageMember(frame, "pos"));
    }
    Frame(o, ReadJson(direct, hers));
    TakeDurable(o);
    const Message in_room = Send(bob, room, "room news " + tag, "b-" + tag);
    Frame(o, R"({"type":"join","conversation_id":")" + direct.id + R"("})");
    Frame(o, R"({"type":"typing","conversation_id":")" + direct.id + R"("})");
    TakeDurable(o);
    const std::vector<Receipt> receipts = ValueOrFail(chat().ListReceipts(ann, direct.id));
    std::int64_t mark = 0;
    for (const Receipt& r : receipts) {
      if (r.user_id == organizer.user_id) mark = r.pos;
    }
    return {{"new_message", answer}, {"message_read", mark}, {"new_message", in_room.pos}};
  }

  // Checks `frames`: `expected` in order, each with its pos, then caught_up at `newest`.
  static void ExpectReplay(const std::vector<std::string>& frames,
                           const std::vector<std::pair<std::string, std::int64_t>>& expected,
                           std::int64_t newest) {
    BOOST_REQUIRE_EQUAL(frames.size(), expected.size() + 1);
    for (std::size_t i = 0; i < expected.size(); ++i) {
      BOOST_TEST_CONTEXT("frame " << i << ": " << frames[i]) {
        BOOST_TEST(R::Member(frames[i], "type") == expected[i].first);
        BOOST_TEST(R::Member(frames[i], "pos") == std::to_string(expected[i].second));
      }
    }
    BOOST_TEST(R::Member(frames.back(), "type") == "caught_up");
    BOOST_TEST(R::Member(frames.back(), "pos") == std::to_string(newest));
    BOOST_TEST(R::Member(frames.back(), "ref") == "re");
  }

  std::string url;
};

BOOST_FIXTURE_TEST_SUITE(recovery, RecoveryFixture)

BOOST_AUTO_TEST_CASE(durable_frames_and_ready_carry_positions_ephemeral_ones_do_not) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const auto [a, start] = ConnectAt(ann);
  BOOST_TEST(start == 0);
  const auto [o, o_start] = ConnectAt(organizer);
  TakeDurable(a);
  Frame(o, MessageJson(direct, "hello", "k1"));
  const std::string sent = TakeDurable(o).at(0);
  BOOST_TEST(R::MessageMember(sent, "pos") == "1");
  const std::vector<std::string> told = TakeDurable(a);
  BOOST_REQUIRE_EQUAL(told.size(), 1u);
  BOOST_TEST(R::Member(told[0], "type") == "new_message");
  BOOST_TEST(R::Member(told[0], "pos") == "1");
  BOOST_TEST(R::MessageMember(told[0], "pos") == "1");
  const Message hello = ValueOrFail(chat().MessagesAfter(ann, direct.id, 0, 1)).at(0);
  Frame(a, ReadJson(direct, hello));
  TakeDurable(a);
  const std::vector<std::string> read = TakeDurable(o);
  BOOST_REQUIRE_EQUAL(read.size(), 1u);
  BOOST_TEST(R::Member(read[0], "type") == "message_read");
  BOOST_TEST(R::Member(read[0], "pos") == "2");
  BOOST_TEST(R::Member(read[0], "delivered_seq") == "1");
  // Typing and presence carry none.
  Frame(a, R"({"type":"join","conversation_id":")" + direct.id + R"("})");
  Frame(o, R"({"type":"join","conversation_id":")" + direct.id + R"("})");
  TakeDurable(a);
  TakeDurable(o);
  Frame(o, R"({"type":"typing","conversation_id":")" + direct.id + R"("})");
  const std::vector<std::string> typing = TakeDurable(a);
  BOOST_REQUIRE_EQUAL(typing.size(), 1u);
  BOOST_TEST(R::Member(typing[0], "type") == "typing");
  BOOST_TEST(R::Member(typing[0], "pos") == "<absent>");
  Disconnect(a);
  const std::vector<std::string> offline = TakeDurable(o);
  BOOST_REQUIRE_EQUAL(offline.size(), 1u);
  BOOST_TEST(R::Member(offline[0], "type") == "user_status_update");
  BOOST_TEST(R::Member(offline[0], "pos") == "<absent>");
  BOOST_TEST(ConnectAt(ann).second == 2);
}

BOOST_AUTO_TEST_CASE(a_reconnect_with_the_last_position_replays_exactly_what_was_missed) {
  const Event event = BookedEvent({ann, bob});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const Conversation room = ValueOrFail(chat().OpenEventRoom(ann, event.id));
  const auto [a, start] = ConnectAt(ann);
  const auto [o, o_start] = ConnectAt(organizer);
  TakeDurable(a);  // the organizer came online
  const Message hers = Send(ann, direct, "hi", "a1");
  Frame(o, MessageJson(direct, "welcome", "o1"));
  TakeDurable(o);
  const std::string live = TakeDurable(a).at(0);
  const std::int64_t last_seen = std::stoll(R::Member(live, "pos"));
  Disconnect(a);

  const auto expected = WhileAnnIsAway(o, direct, room, hers, "x");
  // The organizer's marks move again: replayed once, at the last move.
  const Message news = Send(bob, room, "more news", "b2");
  Frame(o, ReadJson(room, news));
  TakeDurable(o);
  auto replayed = expected;
  replayed.push_back({"new_message", news.pos});
  replayed.push_back({"message_read", news.pos + 1});

  const auto [back, ready_pos] = ConnectAt(ann);
  BOOST_TEST(ready_pos == news.pos + 1);
  const std::vector<std::string> frames = Resume(back, last_seen);
  ExpectReplay(frames, replayed, ready_pos);
  BOOST_TEST(R::Member(frames[0], "conversation_id") == direct.id);
  BOOST_TEST(R::MessageMember(frames[0], "text") == "are you there x");
  BOOST_TEST(R::Member(frames[0], "unread") == "2");  // "welcome" and this one
  BOOST_TEST(R::Member(frames[1], "user_id") == organizer.user_id);
  BOOST_TEST(R::Member(frames[1], "read_seq") == std::to_string(hers.seq));
  BOOST_TEST(R::Member(frames[2], "unread") == "1");
  BOOST_TEST(R::Member(frames[3], "unread") == "2");
  BOOST_TEST(R::Member(frames[4], "conversation_id") == room.id);
  BOOST_TEST(R::Member(frames[4], "read_seq") == std::to_string(news.seq));
  // Resuming from where the replay ended: nothing more.
  ExpectReplay(Resume(back, ready_pos), {}, ready_pos);
  // Live events go on after the replay, with later positions.
  Frame(o, MessageJson(direct, "after", "o9"));
  const std::vector<std::string> after = TakeDurable(back);
  BOOST_REQUIRE_EQUAL(after.size(), 1u);
  BOOST_TEST(R::Member(after[0], "pos") == std::to_string(ready_pos + 1));
}

BOOST_AUTO_TEST_CASE(a_restarted_server_replays_what_was_missed_before_and_after_it) {
  const Event event = BookedEvent({ann, bob});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  const Conversation room = ValueOrFail(chat().OpenEventRoom(ann, event.id));
  const auto [a, start] = ConnectAt(ann);
  const auto [o, o_start] = ConnectAt(organizer);
  const Message hers = Send(ann, direct, "hi", "a1");
  const std::int64_t last_seen = hers.pos;
  auto expected = WhileAnnIsAway(o, direct, room, hers, "before");

  Restart();
  BOOST_TEST(transport.CloseReason(a) == "shutting_down");
  const auto [o2, o2_start] = ConnectAt(organizer);
  BOOST_TEST(o2_start == expected.back().second);
  const Message later = Send(organizer, direct, "after the restart", "o-after");
  BOOST_TEST(later.pos == o2_start + 1);
  expected.push_back({"new_message", later.pos});

  const auto [back, ready_pos] = ConnectAt(ann);
  BOOST_TEST(ready_pos == later.pos);
  const std::vector<std::string> frames = Resume(back, last_seen);
  ExpectReplay(frames, expected, ready_pos);
  BOOST_TEST(R::MessageMember(frames[3], "text") == "after the restart");
  BOOST_TEST(R::Member(frames[3], "unread") == "2");
}

BOOST_AUTO_TEST_CASE(missing_more_than_the_replay_limit_requires_a_resync) {
  RestartHub(/*replay_limit=*/2);
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  for (int i = 1; i <= 3; ++i) Send(organizer, direct, "m" + std::to_string(i), std::to_string(i));
  const auto [a, ready_pos] = ConnectAt(ann);
  const std::vector<std::string> frames = Resume(a, 0);
  BOOST_REQUIRE_EQUAL(frames.size(), 1u);
  BOOST_TEST(R::Member(frames[0], "type") == "resync_required");
  BOOST_TEST(R::Member(frames[0], "pos") == "3");
  BOOST_TEST(R::Member(frames[0], "ref") == "re");
  // Exactly the limit is replayed.
  const std::vector<std::string> two = Resume(a, 1);
  BOOST_TEST(two.size() == 3u);
  BOOST_TEST(R::Member(two.back(), "type") == "caught_up");
}

BOOST_AUTO_TEST_CASE(a_bad_position_gets_an_error_frame_and_the_connection_goes_on) {
  BookedEvent({ann});
  const Conversation direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  Send(organizer, direct, "m", "k");
  const auto [a, ready_pos] = ConnectAt(ann);
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> cases = {
      {R"({"type":"resume","after":-1,"ref":"x"})", {"invalid_position", "after"}},
      {R"({"type":"resume","after":2,"ref":"x"})", {"invalid_position", "after"}},  // the future
      {R"({"type":"resume","after":"1","ref":"x"})", {"invalid_field", "after"}},
      {R"({"type":"resume","after":1.5,"ref":"x"})", {"invalid_field", "after"}},
      {R"({"type":"resume","ref":"x"})", {"missing_field", "after"}},
  };
  for (const auto& [json, error] : cases) {
    BOOST_TEST_CONTEXT(json) {
      Frame(a, json);
      const std::vector<std::string> frames = TakeDurable(a);
      BOOST_REQUIRE_EQUAL(frames.size(), 1u);
      BOOST_TEST(R::Member(frames[0], "type") == "error");
      BOOST_TEST(R::Member(frames[0], "code") == error.first);
      BOOST_TEST(R::Member(frames[0], "field") == error.second);
      BOOST_TEST(R::Member(frames[0], "ref") == "x");
    }
  }
  BOOST_TEST(transport.CloseReason(a).empty());
  ExpectReplay(Resume(a, 0), {{"new_message", 1}}, 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
