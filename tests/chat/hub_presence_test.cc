// The hub's presence through a RecordingTransport on the manual clock: heartbeats that time out
// (frames, pings and the transport's keep-alives keep a connection alive), several connections
// per user, the offline grace that damps flapping, and `participant_status` on room channels.
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "chat/hub_fixture.h"

namespace eventify::testing {
namespace {

using Types = std::vector<std::string>;
using R = RecordingTransport;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Ann and the organizer share a direct conversation; bob shares nothing with ann.
struct PresenceFixture : HubFixture {
  PresenceFixture() {
    BookedEvent({ann});
    direct = ValueOrFail(chat().OpenDirect(ann, organizer.user_id));
  }
  // Opens a connection for each of `who` and drops their frames.
  std::vector<spi::ConnectionId> ConnectAll(const std::vector<const Principal*>& who) {
    std::vector<spi::ConnectionId> out;
    for (const Principal* p : who) out.push_back(Connect(*p));
    for (spi::ConnectionId c : out) transport.Take(c);
    return out;
  }
  // The single `user_status_update` in `frames`, checked for user and state.
  static void ExpectStatus(const std::vector<std::string>& frames, const Principal& user,
                           bool online, Timestamp last_seen) {
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    BOOST_TEST(R::Member(frames[0], "type") == "user_status_update");
    BOOST_TEST(R::Member(frames[0], "user_id") == user.user_id);
    BOOST_TEST(R::Member(frames[0], "is_online") == (online ? "true" : "false"));
    BOOST_TEST(R::Member(frames[0], "last_seen") == FormatTimestamp(last_seen));
  }
  HubOptions Damped() const {
    HubOptions with = options;
    with.offline_grace = seconds(10);
    return with;
  }

  Conversation direct;
};

BOOST_FIXTURE_TEST_SUITE(hub_presence, PresenceFixture)

BOOST_AUTO_TEST_CASE(a_silent_connection_is_closed_at_its_heartbeat_timeout) {
  const auto c = ConnectAll({&organizer, &ann, &ann, &bob});
  const spi::ConnectionId o = c[0], a1 = c[1], a2 = c[2], b = c[3];
  clock->Advance(seconds(30));
  Frame(a1, R"({"type":"ping"})");    // a frame
  hub->OnKeepAlive(o);                // the transport's own keep-alive
  hub->OnKeepAlive(999);              // of no open connection: ignored
  Frame(b, R"({"type":"nonsense"})");  // even a refused frame shows the connection alive
  for (spi::ConnectionId x : c) transport.Take(x);
  clock->Advance(seconds(30) - milliseconds(1));
  Tick();
  for (spi::ConnectionId x : c) BOOST_TEST(transport.CloseReason(x).empty());
  // Sixty seconds without anything from a2: closed; ann is still online through a1.
  clock->Advance(milliseconds(1));
  Tick();
  BOOST_TEST(transport.CloseReason(a2) == "heartbeat_timeout");
  BOOST_TEST(transport.CloseReason(a1).empty());
  BOOST_TEST(transport.CloseReason(o).empty());
  BOOST_TEST(transport.CloseReason(b).empty());
  BOOST_TEST(transport.TakeTypes(o).empty());
  // The transport reports the close it was told to make: nothing more happens.
  Disconnect(a2);
  BOOST_TEST(transport.TakeTypes(o).empty());
  // a1 goes silent too: closed at 30 s + 60 s, and ann goes offline, last seen when a1 last
  // showed itself alive.
  clock->Advance(seconds(30));
  Tick();
  BOOST_TEST(transport.CloseReason(a1) == "heartbeat_timeout");
  BOOST_TEST(transport.CloseReason(o) == "heartbeat_timeout");  // its keep-alive was at 30 s too
  BOOST_TEST(transport.CloseReason(b) == "heartbeat_timeout");
  BOOST_TEST(transport.Take(o).empty());  // closed first (its id is the smallest)
  // A frame of a timed-out connection is ignored.
  transport.Take(a1);
  Frame(a1, R"({"type":"ping"})");
  BOOST_TEST(transport.Take(a1).empty());
}

BOOST_AUTO_TEST_CASE(a_timed_out_user_is_announced_offline_last_seen_at_their_last_frame) {
  const auto c = ConnectAll({&organizer, &ann});
  const spi::ConnectionId o = c[0], a = c[1];
  clock->Advance(seconds(20));
  const Timestamp last_frame = clock->Now();
  Frame(a, R"({"type":"ping"})");
  transport.Take(a);
  clock->Advance(seconds(45));
  hub->OnKeepAlive(o);
  hub->Flush();
  clock->Advance(seconds(15));  // ann: 60 s after her ping; the organizer: 15 s after his
  Tick();
  BOOST_TEST(transport.CloseReason(a) == "heartbeat_timeout");
  BOOST_TEST(transport.CloseReason(o).empty());
  ExpectStatus(transport.Take(o), ann, false, last_frame);
}

BOOST_AUTO_TEST_CASE(a_return_within_the_grace_is_never_announced) {
  Restart(Damped());
  const spi::ConnectionId o = Connect(organizer);
  const spi::ConnectionId a1 = Connect(ann);
  const Timestamp online_at = clock->Now();
  ExpectStatus(transport.Take(o), ann, true, online_at);
  clock->Advance(seconds(3));
  Disconnect(a1);
  clock->Advance(seconds(9));
  Tick();
  BOOST_TEST(transport.TakeTypes(o).empty());  // 9 s of the 10 s grace: still online
  // Back within the grace: the new connection sees its contact, the contact sees nothing.
  const spi::ConnectionId a2 = next_connection;
  hub->OnOpened(a2, Token(ann));
  ++next_connection;
  hub->Flush();
  BOOST_TEST((transport.TakeTypes(a2) == Types{"ready", "user_status_update"}));
  clock->Advance(seconds(5));
  Tick();
  BOOST_TEST(transport.TakeTypes(o).empty());
  // Gone for good: one offline after the grace, last seen when the last connection closed.
  clock->Advance(seconds(1));
  const Timestamp closed_at = clock->Now();
  Disconnect(a2);
  clock->Advance(seconds(10) - milliseconds(1));
  Tick();
  BOOST_TEST(transport.TakeTypes(o).empty());
  clock->Advance(milliseconds(1));
  Tick();
  ExpectStatus(transport.Take(o), ann, false, closed_at);
  Tick();
  BOOST_TEST(transport.TakeTypes(o).empty());
}

BOOST_AUTO_TEST_CASE(a_burst_of_connects_and_closes_sends_one_online_and_one_offline) {
  Restart(Damped());
  const spi::ConnectionId o = Connect(organizer);
  Timestamp last_close;
  for (int i = 0; i < 6; ++i) {
    const spi::ConnectionId a = Connect(ann);
    const spi::ConnectionId extra = Connect(ann);  // several connections per user too
    clock->Advance(milliseconds(400));
    Disconnect(extra);
    last_close = clock->Now();
    Disconnect(a);
    clock->Advance(milliseconds(400));
    Tick();
  }
  const std::vector<std::string> burst = transport.Take(o);
  BOOST_REQUIRE_EQUAL(burst.size(), 1u);
  BOOST_TEST(R::Member(burst[0], "is_online") == "true");
  clock->Advance(seconds(10));
  Tick();
  ExpectStatus(transport.Take(o), ann, false, last_close);
  // Back after the offline: announced online again, at once.
  Connect(ann);
  ExpectStatus(transport.Take(o), ann, true, clock->Now());
}

BOOST_AUTO_TEST_CASE(the_hub_ticks_by_itself_on_its_interval) {
  HubOptions with = options;
  with.tick_interval = milliseconds(5);
  Restart(with);
  const spi::ConnectionId o = Connect(organizer);
  clock->Advance(seconds(61));
  // Whenever the hub's own tick runs, the silent connection goes; wait for it without a timing
  // assertion (the test's own time limit bounds the wait).
  while (transport.CloseReason(o).empty()) std::this_thread::sleep_for(milliseconds(5));
  BOOST_TEST(transport.CloseReason(o) == "heartbeat_timeout");
}

BOOST_AUTO_TEST_CASE(participant_status_follows_who_is_present_on_a_room_channel) {
  const auto c = ConnectAll({&ann, &organizer, &organizer, &bob});
  const spi::ConnectionId a = c[0], o1 = c[1], o2 = c[2], b = c[3];
  Join(o1, direct);  // alone there: nobody to tell
  BOOST_TEST(transport.TakeTypes(a).empty());
  // Ann joins: she learns the organizer is there, the organizer's joined connection learns
  // she is.
  transport.Take(a);
  Frame(a, R"({"type":"join","conversation_id":")" + direct.id + R"("})");
  const std::vector<std::string> joined = transport.Take(a);
  BOOST_REQUIRE_EQUAL(joined.size(), 2u);
  BOOST_TEST(R::Member(joined[0], "type") == "joined");
  BOOST_TEST(R::Member(joined[1], "type") == "participant_status");
  BOOST_TEST(R::Member(joined[1], "conversation_id") == direct.id);
  BOOST_TEST(R::Member(joined[1], "user_id") == organizer.user_id);
  BOOST_TEST(R::Member(joined[1], "is_online") == "true");
  const std::vector<std::string> told = transport.Take(o1);
  BOOST_REQUIRE_EQUAL(told.size(), 1u);
  BOOST_TEST(R::Member(told[0], "type") == "participant_status");
  BOOST_TEST(R::Member(told[0], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(told[0], "is_online") == "true");
  BOOST_TEST(transport.TakeTypes(o2).empty());  // not joined
  BOOST_TEST(transport.TakeTypes(b).empty());
  // The organizer's second connection joins and the first leaves: he stays present.
  Join(o2, direct);
  Frame(o1, R"({"type":"leave","conversation_id":")" + direct.id + R"("})");
  BOOST_TEST(transport.TakeTypes(a).empty());
  // A join of a conversation the connection already joined changes nothing.
  Join(a, direct);
  BOOST_TEST(transport.TakeTypes(o2).empty());
  // His last joined connection closes: ann learns he left the room.
  Disconnect(o2);
  const std::vector<std::string> left = transport.Take(a);
  BOOST_REQUIRE_EQUAL(left.size(), 1u);
  BOOST_TEST(R::Member(left[0], "type") == "participant_status");
  BOOST_TEST(R::Member(left[0], "user_id") == organizer.user_id);
  BOOST_TEST(R::Member(left[0], "is_online") == "false");
  // The organizer's first connection joins again; ann leaves with a `leave`: it learns she went.
  Join(o1, direct);
  Frame(a, R"({"type":"leave","conversation_id":")" + direct.id + R"("})");
  const std::vector<std::string> gone = transport.Take(o1);
  BOOST_REQUIRE_EQUAL(gone.size(), 1u);
  BOOST_TEST(R::Member(gone[0], "user_id") == ann.user_id);
  BOOST_TEST(R::Member(gone[0], "is_online") == "false");
  BOOST_TEST(transport.TakeTypes(b).empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
