// End-to-end tests of the WebSocket binding (docs/protocol.md, "WebSocket binding"): the real
// eventify-server on the backend EVENTIFY_TEST_BACKEND selects, a raw WebSocket client over
// loopback. Two users chat over both sockets; bad tokens, late or missing authentication,
// foreign origins, tokens in URLs, oversized frames, floods, too many sockets and slow readers
// are refused or closed with their documented codes while everyone else is served; SIGTERM closes
// the sockets with going-away.
//
// The direct conversation is opened through the library on the same database (a second engine,
// as a second node would be): the hub protocol has no frame that opens one, and the admin may
// start one with anyone (chat.h).
#define BOOST_TEST_MODULE e2e_ws
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "e2e_client.h"
#include "eventify/accounts.h"
#include "eventify/chat.h"
#include "server_process.h"
#include "ws_client.h"

namespace {

namespace e2e = eventify::e2e;
using e2e::Account;
using e2e::JsonInt;
using e2e::JsonString;
using e2e::WsClient;

constexpr char kServer[] = EVENTIFY_SERVER_PATH;
constexpr char kOrigin[] = "https://app.example";

e2e::Deployment& TheDeployment() {
  static e2e::Deployment deployment(
      kServer, {"--ws.auth_timeout=1s", "--ws.max_frame_bytes=16KiB",
                "--ws.max_messages_per_second=50", "--ws.max_connections_per_user=3",
                std::string("--ws.allowed_origins=") + kOrigin + ",https://other.example"});
  return deployment;
}

using e2e::Authenticated;
using e2e::ChatPath;
using e2e::DirectConversation;
using e2e::MessageFrame;

void CheckClose(WsClient& client, int code, const std::string& reason) {
  const e2e::WsClose close = client.WaitClose();
  BOOST_TEST(close.code == code);
  BOOST_TEST(close.reason == reason);
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_users_chat_over_the_notification_and_chat_sockets) {
  e2e::Deployment& deployment = TheDeployment();
  const Account admin = e2e::NewAdmin(deployment, "ws-admin");
  const Account ann = e2e::NewVerifiedAccount(deployment, "ws-ann");
  const Account stranger = e2e::NewVerifiedAccount(deployment, "ws-stranger");
  const std::string conversation = DirectConversation(deployment, admin, ann);

  auto ann_notifications = Authenticated(deployment, "/ws/notifications/", ann);
  // A chat socket joins its conversation on open: `joined` answers the join it stands for.
  auto admin_chat = Authenticated(deployment, ChatPath(conversation), admin);
  const auto admin_joined = admin_chat->WaitFor("joined");
  BOOST_REQUIRE(admin_joined.has_value());
  BOOST_TEST(JsonString(*admin_joined, "/conversation_id") == conversation);
  BOOST_TEST(JsonString(*admin_joined, "/ref") == "chat_socket");
  auto ann_chat = Authenticated(deployment, ChatPath(conversation), ann);
  BOOST_REQUIRE(ann_chat->WaitFor("joined").has_value());

  admin_chat->SendText(MessageFrame(conversation, "hello ann", "m1"));
  const auto sent = admin_chat->WaitFor("sent");
  BOOST_REQUIRE(sent.has_value());
  BOOST_TEST(JsonString(*sent, "/ref") == "m1");
  BOOST_TEST(JsonString(*sent, "/message/text") == "hello ann");
  BOOST_TEST(JsonInt(*sent, "/message/seq") == 1);
  const auto message = ann_chat->WaitFor("message");
  BOOST_REQUIRE(message.has_value());
  BOOST_TEST(JsonString(*message, "/message/text") == "hello ann");
  BOOST_TEST(JsonString(*message, "/message/sender_id") == admin.id);
  const auto notified = ann_notifications->WaitFor("new_message");
  BOOST_REQUIRE(notified.has_value());
  BOOST_TEST(JsonString(*notified, "/conversation_id") == conversation);
  BOOST_TEST(JsonInt(*notified, "/unread") == 1);

  // The answer goes the other way; identity is the token's whatever the frame says.
  ann_chat->SendText(MessageFrame(conversation, "hi admin", "m2"));
  BOOST_REQUIRE(ann_chat->WaitFor("sent").has_value());
  const auto answer = admin_chat->WaitFor("message");
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(JsonString(*answer, "/message/sender_id") == ann.id);

  // Bad frames get the hub's error frame and the socket stays open.
  ann_chat->SendText("not json");
  const auto malformed = ann_chat->WaitFor("error");
  BOOST_REQUIRE(malformed.has_value());
  BOOST_TEST(JsonString(*malformed, "/code") == "invalid_frame");
  ann_chat->SendText(R"({"type":"shout","ref":"u1"})");
  const auto unknown = ann_chat->WaitFor("error");
  BOOST_REQUIRE(unknown.has_value());
  BOOST_TEST(JsonString(*unknown, "/code") == "unknown_type");
  ann_chat->SendText(R"({"type":"ping","ref":"p1"})");
  const auto pong = ann_chat->WaitFor("pong");
  BOOST_REQUIRE(pong.has_value());
  BOOST_TEST(JsonString(*pong, "/ref") == "p1");

  // A chat socket on a conversation of others: the join's error, then the close with its code.
  WsClient foreign(deployment.server().ws_port(), ChatPath(conversation));
  BOOST_REQUIRE_EQUAL(foreign.status(), 101);
  foreign.Authenticate(stranger.access);
  const auto refused = foreign.WaitFor("error");
  BOOST_REQUIRE(refused.has_value());
  BOOST_TEST(JsonString(*refused, "/code") == "not_a_member");
  CheckClose(foreign, 4403, "not_a_member");
}

BOOST_AUTO_TEST_CASE(sockets_authenticate_with_their_first_frame_only) {
  e2e::Deployment& deployment = TheDeployment();
  const int port = deployment.server().ws_port();

  WsClient bad_token(port, "/ws/notifications/");
  BOOST_REQUIRE_EQUAL(bad_token.status(), 101);
  bad_token.Authenticate("not-a-token");
  const auto error = bad_token.WaitFor("error");
  BOOST_REQUIRE(error.has_value());
  BOOST_TEST(JsonString(*error, "/code") == "invalid_token");
  CheckClose(bad_token, 4401, "unauthenticated");

  WsClient silent(port, "/ws/notifications/");
  BOOST_REQUIRE_EQUAL(silent.status(), 101);
  CheckClose(silent, 4408, "auth_timeout");

  WsClient not_auth(port, "/ws/notifications/");
  not_auth.SendText(R"({"type":"ping"})");
  CheckClose(not_auth, 4400, "auth_expected");

  // Refused at the upgrade: a token in the URL, a foreign browser origin, an unknown path.
  BOOST_TEST(WsClient(port, "/ws/notifications/?token=abc").status() == 400);
  BOOST_TEST(WsClient(port, "/ws/notifications/", "https://evil.example").status() == 403);
  BOOST_TEST(WsClient(port, "/ws/elsewhere/").status() == 404);
  BOOST_TEST(WsClient(port, "/ws/chat/bad%22id/").status() == 404);
  BOOST_TEST(WsClient(port, "/ws/notifications/", kOrigin).status() == 101);
}

BOOST_AUTO_TEST_CASE(limits_close_with_their_codes_and_others_stay_served) {
  e2e::Deployment& deployment = TheDeployment();
  const Account bea = e2e::NewVerifiedAccount(deployment, "ws-bea");
  const int port = deployment.server().ws_port();
  auto witness = Authenticated(deployment, "/ws/notifications/", bea);

  auto oversized = Authenticated(deployment, "/ws/notifications/", bea);
  oversized->SendText(std::string(20 * 1024, 'x'));
  CheckClose(*oversized, 1009, "A message was too large");

  auto flood = Authenticated(deployment, "/ws/notifications/", bea);
  for (int i = 0; i < 500 && !flood->closed(); ++i) flood->SendText(R"({"type":"ping"})");
  CheckClose(*flood, 4429, "rate_limited");

  auto binary = Authenticated(deployment, "/ws/notifications/", bea);
  binary->SendBinary("\x01\x02");
  CheckClose(*binary, 1003, "text_frames_only");

  // ws.max_connections_per_user=3 (a user none of whose sockets closed: a close is counted once
  // the server has seen the client's half of the closing handshake).
  const Account fay = e2e::NewVerifiedAccount(deployment, "ws-fay");
  auto first = Authenticated(deployment, "/ws/notifications/", fay);
  auto second = Authenticated(deployment, "/ws/notifications/", fay);
  auto third = Authenticated(deployment, "/ws/notifications/", fay);
  WsClient fourth(port, "/ws/notifications/");
  fourth.Authenticate(fay.access);
  CheckClose(fourth, 4409, "too_many_connections_for_user");

  witness->SendText(R"({"type":"ping","ref":"still"})");
  const auto pong = witness->WaitFor("pong");
  BOOST_REQUIRE(pong.has_value());
  BOOST_TEST(JsonString(*pong, "/ref") == "still");
}

BOOST_AUTO_TEST_CASE(sigterm_closes_the_sockets_with_going_away_and_a_reconnect_catches_up) {
  e2e::Deployment& deployment = TheDeployment();
  const Account admin = e2e::NewAdmin(deployment, "ws-admin-2");
  const Account cid = e2e::NewVerifiedAccount(deployment, "ws-cid");
  const std::string conversation = DirectConversation(deployment, admin, cid);
  auto socket = Authenticated(deployment, "/ws/notifications/", cid);
  auto sender = Authenticated(deployment, ChatPath(conversation), admin);
  sender->SendText(MessageFrame(conversation, "before the restart", "r1"));
  BOOST_REQUIRE(sender->WaitFor("sent").has_value());
  BOOST_REQUIRE(socket->WaitFor("new_message").has_value());

  deployment.Signal(SIGTERM);
  CheckClose(*socket, 1001, "shutting_down");
  CheckClose(*sender, 1001, "shutting_down");
  std::string log;
  const e2e::ExitStatus status = deployment.Stop(log);
  BOOST_TEST_INFO("stderr: " << log);
  BOOST_TEST(status.exited);
  BOOST_TEST(status.code == 0);

  // The next use starts the server again on the same data: a reconnecting chat socket learns
  // where the conversation stands and what it has not read.
  auto again = Authenticated(deployment, ChatPath(conversation), cid);
  const auto joined = again->WaitFor("joined");
  BOOST_REQUIRE(joined.has_value());
  BOOST_TEST(JsonInt(*joined, "/last_seq") == 1);
  BOOST_TEST(JsonInt(*joined, "/unread") == 1);
}

// A peer that stops answering pings is closed, and its user goes offline for their contacts; a
// peer that answers stays open. One address may hold ws.max_connections_per_address sockets.
BOOST_AUTO_TEST_CASE(an_unanswered_ping_closes_the_socket_and_feeds_presence) {
  e2e::Deployment deployment(kServer, {"--ws.ping_interval=1s", "--ws.pong_timeout=1s",
                                       "--ws.close_timeout=1s",
                                       "--ws.max_connections_per_address=3"});
  const Account admin = e2e::NewAdmin(deployment, "ping-admin");
  const Account eve = e2e::NewVerifiedAccount(deployment, "ping-eve");
  DirectConversation(deployment, admin, eve);  // makes them contacts

  auto alive = Authenticated(deployment, "/ws/notifications/", admin);
  auto dead = Authenticated(deployment, "/ws/notifications/", eve);
  dead->set_answer_pings(false);
  const int answered = dead->pings_received();  // any read (and answered) while authenticating
  const auto online = alive->WaitFor("user_status_update");
  BOOST_REQUIRE(online.has_value());
  BOOST_TEST(JsonString(*online, "/user_id") == eve.id);
  BOOST_TEST(online->find("\"is_online\":true") != std::string::npos, *online);
  // Reading answers the pings of `alive` meanwhile.
  const auto offline = alive->WaitFor("user_status_update", 30);
  BOOST_REQUIRE(offline.has_value());
  BOOST_TEST(JsonString(*offline, "/user_id") == eve.id);
  BOOST_TEST(offline->find("\"is_online\":false") != std::string::npos, *offline);
  CheckClose(*dead, 4410, "pong_timeout");
  BOOST_TEST(alive->pings_received() >= 1);
  BOOST_TEST(dead->pings_received() == answered + 1);  // one ping, then its pong's deadline

  // The peer's ping is answered with its payload (RFC 6455 5.5.3).
  alive->SendPing("are you there");
  const auto answer = alive->WaitPong();
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST(*answer == "are you there");

  alive->SendText(R"({"type":"ping","ref":"alive"})");
  const auto pong = alive->WaitFor("pong");
  BOOST_REQUIRE(pong.has_value());
  BOOST_TEST(JsonString(*pong, "/ref") == "alive");

  // `alive` and two more from 127.0.0.1; the fourth is one too many.
  WsClient second(deployment.server().ws_port(), "/ws/notifications/");
  WsClient third(deployment.server().ws_port(), "/ws/notifications/");
  WsClient fourth(deployment.server().ws_port(), "/ws/notifications/");
  BOOST_REQUIRE_EQUAL(fourth.status(), 101);
  CheckClose(fourth, 4409, "too_many_connections_for_address");
  BOOST_TEST(!second.closed());
  alive.reset();
  e2e::CheckStopsCleanly(deployment);
}

// A socket that stops reading is closed once its queue is full; the sender and another reader
// of the same conversation keep being served. The slow socket's receive buffer is small so that
// the kernel does not absorb what its queue should hold, and the closing handshake may wait long
// enough for the test to read the close frame.
BOOST_AUTO_TEST_CASE(a_slow_reader_is_closed_and_the_others_keep_being_served) {
  e2e::Deployment deployment(kServer,
                             {"--ws.send_queue_max_bytes=64KiB", "--ws.send_queue_max_frames=64",
                              "--ws.max_messages_per_second=100000", "--ws.close_timeout=120s"});
  const Account admin = e2e::NewAdmin(deployment, "slow-admin");
  const Account dan = e2e::NewVerifiedAccount(deployment, "slow-dan");
  const std::string conversation = DirectConversation(deployment, admin, dan);

  WsClient slow(deployment.server().ws_port(), ChatPath(conversation), "", 4096);
  BOOST_REQUIRE_EQUAL(slow.status(), 101);
  slow.Authenticate(dan.access);
  BOOST_REQUIRE(slow.WaitFor("joined").has_value());
  auto fast = Authenticated(deployment, ChatPath(conversation), dan);
  BOOST_REQUIRE(fast->WaitFor("joined").has_value());
  auto sender = Authenticated(deployment, ChatPath(conversation), admin);
  BOOST_REQUIRE(sender->WaitFor("joined").has_value());

  const std::string text(3900, 'z');
  // Twice what the kernel may buffer for the socket (the largest send buffer, tcp_wmem's third
  // figure: 4 MiB here), past which the endpoint's own 64 KiB in flight and 64 KiB queued fill.
  long wmem_min = 0, wmem_default = 0, wmem_max = 4L << 20;
  std::ifstream("/proc/sys/net/ipv4/tcp_wmem") >> wmem_min >> wmem_default >> wmem_max;
  const int kMessages = static_cast<int>(2 * wmem_max / static_cast<long>(text.size())) + 1;
  for (int i = 1; i <= kMessages; ++i) {
    sender->SendText(MessageFrame(conversation, text, "slow-" + std::to_string(i)));
    const auto sent = sender->WaitFor("sent");
    BOOST_REQUIRE_MESSAGE(sent.has_value(), "message " << i << " not acknowledged");
    const auto delivered = fast->WaitFor("message");
    BOOST_REQUIRE_MESSAGE(delivered.has_value(), "message " << i << " not delivered");
    BOOST_TEST_REQUIRE(JsonInt(*delivered, "/message/seq") == i);
  }
  CheckClose(slow, 4413, "send_queue_full");
  // Hung up, so that stopping does not wait ws.close_timeout for their closing handshakes.
  fast.reset();
  sender.reset();
  e2e::CheckStopsCleanly(deployment);
}

// A peer that stops reading while it pings, then sends its close frame: websocketpp ends the
// connection at once, but its answer, and the pongs before it, wait for the peer: in the
// endpoint (`pings` of twice what the kernel may buffer) or in the kernel only (a few). Either
// way the socket is reset ws.close_timeout later, so that nothing waits for that peer any
// longer, in the endpoint or in the kernel. (The deadline was once cancelled as the connection
// was forgotten, and a socket whose last bytes were in the kernel was closed with a FIN behind
// them: both stayed for as long as the peer kept its window shut.)
namespace {

void CheckResetAfterCloseWithoutReading(long pings) {
  e2e::Deployment deployment(kServer, {"--ws.close_timeout=1s"});
  const Account gus = e2e::NewVerifiedAccount(deployment, "reset-gus");
  WsClient peer(deployment.server().ws_port(), "/ws/notifications/", "", 4096);
  BOOST_REQUIRE_EQUAL(peer.status(), 101);
  peer.Authenticate(gus.access);
  BOOST_REQUIRE(peer.WaitFor("ready").has_value());
  const std::string payload(125, 'p');
  for (long sent = 0; sent < pings; sent += 100) peer.SendPings(payload, 100);
  peer.SendClose(1000);
  BOOST_TEST(peer.WaitReset(60));
  e2e::CheckStopsCleanly(deployment);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_peer_that_closes_without_reading_is_reset_after_the_close_timeout) {
  // Pongs of twice what the kernel may buffer for the socket (tcp_wmem's third figure).
  long wmem_min = 0, wmem_default = 0, wmem_max = 4L << 20;
  std::ifstream("/proc/sys/net/ipv4/tcp_wmem") >> wmem_min >> wmem_default >> wmem_max;
  CheckResetAfterCloseWithoutReading(2 * wmem_max / 127 + 1);
}

BOOST_AUTO_TEST_CASE(a_peer_that_closes_with_a_little_unread_is_reset_after_the_close_timeout) {
  CheckResetAfterCloseWithoutReading(100);  // 12.7 KB of pongs, more than its 4 KiB window
}

// A peer that floods the endpoint with pings as fast as it can does not keep its I/O thread:
// another socket is answered while the flood goes on (the endpoint reads one socket's bytes at a
// time; it once read a socket until it was empty, which a flood never is, and the other socket
// waited for as long as the flood lasted). The flood lasts up to a minute; the answer must come
// within 5 s, with the flood still going.
BOOST_AUTO_TEST_CASE(a_flooding_peer_does_not_hold_up_the_other_sockets) {
  e2e::Deployment deployment(kServer, {});
  const Account hal = e2e::NewVerifiedAccount(deployment, "flood-hal");
  auto other = Authenticated(deployment, "/ws/notifications/", hal);
  WsClient flooder(deployment.server().ws_port(), "/ws/notifications/");  // pings need no token
  BOOST_REQUIRE_EQUAL(flooder.status(), 101);
  std::atomic<bool> stop{false};
  std::atomic<int> megabytes{0};  // taken by the server
  std::thread flood([&] {
    std::string megabyte;
    for (int i = 0; i < 8192; ++i) WsClient::AppendFrame(megabyte, 0x9, std::string(125, 'f'));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!stop.load() && std::chrono::steady_clock::now() < until) {
      if (!flooder.SendBytes(megabyte)) return;
      ++megabytes;
    }
  });
  while (megabytes.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  other->SendText(R"({"type":"ping","ref":"during-the-flood"})");
  const auto pong = other->WaitFor("pong", 5);
  const int sent_by_then = megabytes.load();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const int sent_after = megabytes.load();
  stop = true;
  flood.join();
  BOOST_REQUIRE(pong.has_value());
  BOOST_TEST(JsonString(*pong, "/ref") == "during-the-flood");
  BOOST_TEST(sent_after > sent_by_then);  // the flood was still going when the answer came
}

// The send-queue limits count a backlog, not a burst: a resume that replays more frames at once
// than ws.send_queue_max_frames, all fitting in what the endpoint hands to websocketpp at a time
// (64 KiB), reaches a socket that reads, in order, and the socket stays open. (Whether the
// replay reaches the endpoint as one burst of the hub's calls depends on the threads' timing:
// the test shows the behaviour, it cannot force the case.)
BOOST_AUTO_TEST_CASE(a_replay_larger_than_the_frame_limit_reaches_a_reader) {
  e2e::Deployment deployment(kServer, {"--ws.send_queue_max_frames=4",
                                       "--ws.max_messages_per_second=100000"});
  const Account admin = e2e::NewAdmin(deployment, "burst-admin");
  const Account eve = e2e::NewVerifiedAccount(deployment, "burst-eve");
  const std::string conversation = DirectConversation(deployment, admin, eve);
  auto sender = Authenticated(deployment, ChatPath(conversation), admin);
  BOOST_REQUIRE(sender->WaitFor("joined").has_value());
  constexpr int kMessages = 12;
  for (int i = 1; i <= kMessages; ++i) {
    const std::string n = std::to_string(i);
    sender->SendText(MessageFrame(conversation, "burst " + n, "b" + n));
    BOOST_REQUIRE(sender->WaitFor("sent").has_value());
  }

  auto reader = Authenticated(deployment, "/ws/notifications/", eve);
  reader->SendText(R"({"type":"resume","after":0,"ref":"r"})");
  int replayed = 0;  // presence frames may come between: only the replay is counted
  std::optional<std::string> frame;
  while ((frame = reader->Next()) && JsonString(*frame, "/type") != "caught_up") {
    if (JsonString(*frame, "/type") != "new_message") continue;
    ++replayed;
    BOOST_TEST(JsonInt(*frame, "/message/seq") == replayed);
  }
  BOOST_REQUIRE_MESSAGE(frame.has_value(), "no caught_up; closed " << reader->close_frame().code
                                                << " " << reader->close_frame().reason);
  BOOST_TEST(JsonString(*frame, "/ref") == "r");
  BOOST_TEST(replayed == kMessages);
  BOOST_TEST(!reader->closed());
  sender.reset();
  reader.reset();
  e2e::CheckStopsCleanly(deployment);
}
