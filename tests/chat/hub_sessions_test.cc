// What ends an open connection's right to the hub after it opened, through a RecordingTransport
// on the manual clock: its login session ending (a logout, a blocked account), seen at the first
// tick after HubOptions::session_check_interval, and, for `typing`, its user losing the room (a
// cancelled booking).
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "chat/hub_fixture.h"

namespace eventify::testing {
namespace {

using Types = std::vector<std::string>;
using R = RecordingTransport;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct SessionsFixture : HubFixture {
  // Opens a connection with `token` and drops its `ready` frame.
  spi::ConnectionId ConnectWith(const std::string& token) {
    const spi::ConnectionId id = next_connection++;
    hub->OnOpened(id, token);
    hub->Flush();
    const std::vector<std::string> first = transport.Take(id);
    BOOST_REQUIRE_EQUAL(first.size(), 1u);
    BOOST_REQUIRE_EQUAL(R::Member(first[0], "type"), "ready");
    return id;
  }
  // The one frame `connection` got: an `error` with `code`.
  void ExpectOneError(spi::ConnectionId connection, const std::string& code) {
    const std::vector<std::string> frames = transport.Take(connection);
    BOOST_REQUIRE_EQUAL(frames.size(), 1u);
    BOOST_TEST(R::Member(frames[0], "type") == "error");
    BOOST_TEST(R::Member(frames[0], "code") == code);
  }
};

BOOST_FIXTURE_TEST_SUITE(hub_sessions, SessionsFixture)

BOOST_AUTO_TEST_CASE(a_connection_whose_session_ended_is_closed_at_the_next_check) {
  BOOST_TEST(options.session_check_interval.count() == 5000);  // the default
  const std::string ann_token = Token(ann);
  const spi::ConnectionId a1 = ConnectWith(ann_token);
  const spi::ConnectionId a2 = Connect(ann);  // another login of ann: a session of its own
  const spi::ConnectionId b = Connect(bob);
  const spi::ConnectionId d = Connect(dee);
  const std::vector<spi::ConnectionId> all{a1, a2, b, d};
  for (spi::ConnectionId x : all) transport.Take(x);
  Tick();  // the first check: every session is live
  for (spi::ConnectionId x : all) BOOST_TEST(transport.CloseReason(x).empty());

  BOOST_REQUIRE(engine->accounts().LogoutAccessToken(ann_token).ok());
  Block(bob);  // blocking ends bob's sessions too
  clock->Advance(milliseconds(4999));
  Tick();
  for (spi::ConnectionId x : all) BOOST_TEST(transport.CloseReason(x).empty());
  clock->Advance(milliseconds(1));
  Tick();
  ExpectOneError(a1, "session_revoked");
  BOOST_TEST(transport.CloseReason(a1) == "unauthenticated");
  ExpectOneError(b, "account_blocked");  // as Authenticate answers: the block first
  BOOST_TEST(transport.CloseReason(b) == "unauthenticated");
  BOOST_TEST(transport.CloseReason(a2).empty());
  BOOST_TEST(transport.CloseReason(d).empty());

  // The closed connections are gone from the hub; ann's other login is served.
  Frame(a1, R"({"type":"ping"})");
  BOOST_TEST(transport.Take(a1).empty());
  transport.Take(a2);
  Frame(a2, R"({"type":"ping"})");
  BOOST_TEST(transport.TakeTypes(a2) == Types{"pong"});
  // A new connection with the ended session's token is refused as before.
  const spi::ConnectionId again = next_connection++;
  hub->OnOpened(again, ann_token);
  hub->Flush();
  ExpectOneError(again, "session_revoked");
  BOOST_TEST(transport.CloseReason(again) == "unauthenticated");
}

BOOST_AUTO_TEST_CASE(a_login_past_its_maximum_age_is_closed_as_expired) {
  const spi::ConnectionId a = Connect(ann);
  transport.Take(a);
  clock->Advance(std::chrono::hours(24 * 90));  // AccountsOptions::session_max_age
  Frame(a, R"({"type":"ping"})");                // alive: no heartbeat timeout
  BOOST_TEST(transport.TakeTypes(a) == Types{"pong"});
  Tick();
  ExpectOneError(a, "token_expired");
  BOOST_TEST(transport.CloseReason(a) == "unauthenticated");
}

BOOST_AUTO_TEST_CASE(a_zero_interval_never_checks) {
  HubOptions never = options;
  never.session_check_interval = milliseconds(0);
  Restart(never);
  const std::string token = Token(ann);
  const spi::ConnectionId a = ConnectWith(token);
  BOOST_REQUIRE(engine->accounts().LogoutAccessToken(token).ok());
  for (int i = 0; i < 3; ++i) {
    clock->Advance(seconds(10));
    Frame(a, R"({"type":"ping"})");  // alive: no heartbeat timeout
    Tick();
  }
  BOOST_TEST(transport.TakeTypes(a) == (Types{"pong", "pong", "pong"}));
  BOOST_TEST(transport.CloseReason(a).empty());
}

BOOST_AUTO_TEST_CASE(typing_from_a_user_who_lost_the_room_is_refused) {
  const Event event = BookedEvent({});
  const Booking booking = Book(event, bob);
  const Conversation room = ValueOrFail(chat().OpenEventRoom(organizer, event.id));
  const spi::ConnectionId o = Connect(organizer);
  const spi::ConnectionId b = Connect(bob);
  Join(o, room);
  Join(b, room);
  transport.Take(o);
  const std::string typing =
      R"({"type":"typing","conversation_id":")" + room.id + R"(","ref":"t"})";
  Frame(b, typing);
  BOOST_TEST(transport.TakeTypes(o) == Types{"typing"});

  ValueOrFail(bookings().Cancel(bob, booking.id));
  clock->Advance(seconds(3));  // past the typing interval: this one would be forwarded
  Frame(b, typing);
  const std::vector<std::string> answer = transport.Take(b);
  BOOST_REQUIRE_EQUAL(answer.size(), 1u);
  BOOST_TEST(R::Member(answer[0], "type") == "error");
  BOOST_TEST(R::Member(answer[0], "code") == "not_a_member");
  BOOST_TEST(R::Member(answer[0], "ref") == "t");
  // No typing reached the room, and bob's connection left its channel.
  const std::vector<std::string> seen = transport.Take(o);
  BOOST_REQUIRE_EQUAL(seen.size(), 1u);
  BOOST_TEST(R::Member(seen[0], "type") == "participant_status");
  Frame(o, MessageJson(room, "Bob has gone", "o-after"));
  BOOST_TEST(transport.TakeTypes(o) == Types{"sent"});
  BOOST_TEST(transport.Take(b).empty());
  // Typing again is refused as for any connection that has not joined.
  clock->Advance(seconds(3));
  Frame(b, typing);
  ExpectOneError(b, "not_joined");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace eventify::testing
